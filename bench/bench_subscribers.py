"""1,000 WebSocket subscribers on one server process, one status change: how long until the
last one hears it, and the process's memory; beside a bare Starlette WebSocket fan-out of the
same message to as many sockets, in the same run.

    .venv/bin/python bench/bench_subscribers.py [--subscribers 1000] [--rounds 5]
        [--url postgres://postgres@127.0.0.1:5432]

The app runs as `servicehall serve` (one uvicorn process, the in-process broker) on a scratch
PostgreSQL database (`bench_subscribers_<pid>`, dropped at the end). Each subscriber is an
enterprise member with an API token of their own, subscribed to `orderStatusChanged(orderId:)`,
first asking for the change and the order as it is now (`order { status assignee { name } }`:
the row is read once per change, shown to each subscriber by the query's code), then, on a
second crowd of as many sockets, for the change only. A supervisor re-runs the automatic
choice on the order (`assignOrder`) with the team alternately on leave and back, so each round
is one transaction with one status change (released, then assigned). Timed from sending the
mutation to the moment the last subscriber has the change. The baseline is a Starlette app
that keeps its sockets in a list and, on a POST, sends the same bytes to each in turn.

The clients run in this process, on the same two cores as the server: what they cost is in
both figures alike, so compare the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SERVICEHALL_ARGON2_TIME_COST", "1")
os.environ.setdefault("SERVICEHALL_ARGON2_MEMORY_COST", "1024")

import asyncpg  # noqa: E402
import httpx2  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from backend.db import tortoise_config  # noqa: E402
from backend.models.accounts import ApiToken, Role, TeamMember, User  # noqa: E402
from backend.models.enterprises import Membership  # noqa: E402
from backend.models.orders import Order, OrderStatus  # noqa: E402
from backend.schema.relay import encode_global_id  # noqa: E402
from backend.services.accounts.accounts import create_user_directly  # noqa: E402
from tests.conftest import PASSWORD, SECRET, Api  # noqa: E402
from tests.schema.order_helpers import ASSIGN, open_order, park  # noqa: E402

UNUSABLE_HASH = "!"  # members sign in with their tokens only

# Each subscriber asks for the change and the order as it is now, or for the change only.
WITH_ORDER = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    orderId fromStatus toStatus order { status assignee { name } } } }"""
CHANGE_ONLY = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    orderId fromStatus toStatus } }"""


def migrate(url: str) -> None:
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_ms(pid: int) -> float:
    """The CPU time the process has used so far (user + system), in ms: what a change costs the
    server, less sensitive to the machine's other work than the time until the last delivery."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own server, our own arguments
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server did not start:\n" + tail(log)) from None
            await asyncio.sleep(0.1)


@asynccontextmanager
async def server(command: list[str], env: dict[str, str], port: int) -> AsyncIterator[int]:
    log = Path(tempfile.gettempdir()) / f"bench_subscribers_{os.getpid()}_{port}.log"
    process = spawn(command, env, log)
    try:
        await wait_for_port(port, process, log)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# -- the world --------------------------------------------------------------------------------


async def seed(count: int) -> tuple[Order, User, list[str]]:
    p = await park(handlers=3)
    order = await open_order(p)
    supervisor = await create_user_directly("主管", "boss@bench.cn", PASSWORD, [Role.SUPERVISOR])
    await User.bulk_create(
        [
            User(name=f"成员{i}", email=f"m{i}@bench.cn", password_hash=UNUSABLE_HASH)
            for i in range(count)
        ]
    )
    members = await User.filter(email__startswith="m", email__endswith="@bench.cn").order_by("id")
    await Membership.bulk_create([Membership(user=m, enterprise=p.enterprise) for m in members])
    secrets_out: list[str] = []
    rows: list[ApiToken] = []
    for member in members:
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        rows.append(
            ApiToken(
                user=member,
                name="bench",
                prefix=prefix,
                secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
                scopes=["orders:read"],
            )
        )
        secrets_out.append(f"sh_{prefix}_{secret}")
    await ApiToken.bulk_create(rows)
    return order, supervisor, secrets_out


# -- the clients ------------------------------------------------------------------------------


class Crowd:
    """Many sockets; each arrival is timed; `round()` waits until every socket has `n` more."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.arrivals: list[list[tuple[float, str]]] = []
        self.readers: list[asyncio.Task[None]] = []
        self.changed = asyncio.Event()

    async def read(self, index: int, ws: ClientConnection) -> None:
        async for raw in ws:
            self.arrivals[index].append((time.perf_counter(), str(raw)))
            self.changed.set()

    def add(self, ws: ClientConnection) -> None:
        self.arrivals.append([])
        self.sockets.append(ws)
        self.readers.append(asyncio.create_task(self.read(len(self.sockets) - 1, ws)))

    async def until_each_has(self, count: int, within: float = 60) -> None:
        async def wait() -> None:
            while any(len(a) < count for a in self.arrivals):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), within)

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def open_app_crowd(port: int, tokens: list[str], order_id: str, query: str) -> Crowd:
    crowd = Crowd()

    async def one(secret: str) -> ClientConnection:
        ws = await connect(
            f"ws://127.0.0.1:{port}/graphql",
            subprotocols=[Subprotocol("graphql-transport-ws")],
            open_timeout=60,
            compression=None,
        )
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {secret}"}}
            )
        )
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe",
                        "payload": {"query": query, "variables": {"id": order_id}}})
        )  # fmt: skip
        return ws

    for start in range(0, len(tokens), 50):  # a few at a time: the server checks each token
        for ws in await asyncio.gather(*(one(t) for t in tokens[start : start + 50])):
            crowd.add(ws)
    return crowd


async def open_bare_crowd(port: int, count: int) -> Crowd:
    crowd = Crowd()

    async def one() -> ClientConnection:
        ws = await connect(f"ws://127.0.0.1:{port}/ws", open_timeout=60, compression=None)
        assert await ws.recv() == "ready"
        return ws

    for start in range(0, count, 50):
        for ws in await asyncio.gather(*(one() for _ in range(min(50, count - start)))):
            crowd.add(ws)
    return crowd


async def timed_rounds(
    crowd: Crowd, rounds: int, per_round: int, trigger: Callable[[], Awaitable[None]]
) -> list[tuple[float, float]]:
    """(ms until the last socket has a round's first message, ms until it has all of them)."""
    results = []
    for _ in range(rounds):
        already = min(len(a) for a in crowd.arrivals)
        start = time.perf_counter()
        await trigger()
        await crowd.until_each_has(already + per_round)
        first = max(a[already][0] for a in crowd.arrivals) - start
        last = max(a[already + per_round - 1][0] for a in crowd.arrivals) - start
        results.append((first * 1000, last * 1000))
    return results


# -- the bare baseline server (run as a child: `bench_subscribers.py --bare-server PORT`) ------


def bare_server(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    sockets: list[WebSocket] = []

    async def ws_endpoint(ws: WebSocket) -> None:
        await ws.accept()
        sockets.append(ws)
        await ws.send_text("ready")
        try:
            while True:
                await ws.receive_text()
        except WebSocketDisconnect:
            sockets.remove(ws)

    async def send(request: Request) -> PlainTextResponse:
        body = (await request.body()).decode()
        for message in json.loads(body):
            for ws in list(sockets):
                await ws.send_text(message)
        return PlainTextResponse("sent")

    app = Starlette(
        routes=[WebSocketRoute("/ws", ws_endpoint), Route("/send", send, methods=["POST"])]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# -- the run ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    name = f"bench_subscribers_{os.getpid()}"
    admin = args.url.replace("postgres://", "postgresql://", 1)
    connection = await asyncpg.connect(f"{admin}/postgres")
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    url = f"{args.url}/{name}"
    try:
        migrate(url)
        context = TortoiseContext()
        async with context:
            await context.init(config=tortoise_config(url))
            order, supervisor, tokens = await seed(args.subscribers)
            order_id = encode_global_id("Order", order.id)
            results = await measure(args, url, order, supervisor, tokens, order_id)
    finally:
        connection = await asyncpg.connect(f"{admin}/postgres")
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
    report(args, results)


async def one_crowd(
    args: argparse.Namespace,
    results: dict[str, Any],
    name: str,
    query: str,
    boss: Api,
    order: Order,
    order_id: str,
    tokens: list[str],
    pid: int,
) -> None:
    answered: list[float] = []

    async def rerun() -> None:
        stored = await Order.get(id=order.id)
        # Handlers away: the order is released and nobody takes it; back: it is assigned.
        away = stored.status is OrderStatus.ASSIGNED
        await TeamMember.filter(team_id=stored.team_id).update(on_leave=away)
        variables = {"orderId": order_id, "expectedVersion": stored.version}
        began = time.perf_counter()
        payload = (await boss.gql(ASSIGN, {"input": variables}))["assignOrder"]
        answered.append((time.perf_counter() - began) * 1000)
        assert payload["userErrors"] == [], payload

    began = time.perf_counter()
    crowd = await open_app_crowd(boss_port(boss), tokens, order_id, query)
    results["connect_s"] = time.perf_counter() - began
    await asyncio.sleep(1)
    await rerun()  # warm-up: every subscriber hears a change once
    await crowd.until_each_has(1)
    results[f"{name}_connected_mb"] = rss_mb(pid)[0]
    if name == "with_order":
        results["sample"] = [message for _, message in crowd.arrivals[0][:1]]
        results["message_bytes"] = [len(m.encode()) for m in results["sample"]]
    answered.clear()
    used = cpu_ms(pid)
    results[name] = await timed_rounds(crowd, args.rounds, 1, rerun)
    results[f"{name}_cpu_ms"] = (cpu_ms(pid) - used) / args.rounds
    results[f"{name}_mutation_ms"] = statistics.median(answered)
    results[f"{name}_peak_mb"] = rss_mb(pid)[1]
    await crowd.close()


def boss_port(boss: Api) -> int:
    port = boss.client.base_url.port
    assert port is not None
    return port


async def measure(
    args: argparse.Namespace,
    url: str,
    order: Order,
    supervisor: User,
    tokens: list[str],
    order_id: str,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    env = {
        **os.environ,
        "SERVICEHALL_DATABASE_URL": url,
        "SERVICEHALL_SECRET_KEY": SECRET,
        "SERVICEHALL_JOBS_WORKER": "0",
        "SERVICEHALL_LIVE_BROKER": "memory",
    }
    env.pop("SERVICEHALL_REDIS_URL", None)
    # A fresh server for each crowd: the garbage of the first must not be the second's cost.
    for name, query in (("with_order", WITH_ORDER), ("change_only", CHANGE_ONLY)):
        port = free_port()
        command = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)]
        async with (
            server(command, env, port) as pid,
            httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
        ):
            results["app_idle_mb"] = rss_mb(pid)[0]
            boss = Api(http, SECRET)
            assert (await boss.login(supervisor.email or ""))["userErrors"] == []
            await one_crowd(args, results, name, query, boss, order, order_id, tokens, pid)

    port = free_port()
    command = [sys.executable, __file__, "--bare-server", str(port)]
    async with (
        server(command, dict(os.environ), port) as pid,
        httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
    ):
        results["bare_idle_mb"] = rss_mb(pid)[0]
        crowd = await open_bare_crowd(port, len(tokens))

        async def send() -> None:
            response = await http.post("/send", content=json.dumps(results["sample"]))
            assert response.status_code == 200

        await send()
        await crowd.until_each_has(1)
        results["bare_connected_mb"] = rss_mb(pid)[0]
        used = cpu_ms(pid)
        results["bare"] = await timed_rounds(crowd, args.rounds, 1, send)
        results["bare_cpu_ms"] = (cpu_ms(pid) - used) / args.rounds
        results["bare_peak_mb"] = rss_mb(pid)[1]
        await crowd.close()
    return results


def report(args: argparse.Namespace, r: dict[str, Any]) -> None:
    def median(name: str) -> float:
        return statistics.median(last for _, last in r[name])

    bare = median("bare")
    print(f"{args.subscribers} subscribers, {args.rounds} rounds (medians; every round below)")
    print(f"message: {r['message_bytes'][0]} bytes; connecting all: {r['connect_s']:.1f} s")
    print("| server | the last subscriber has the change | × bare | RSS, all open |")
    print("| --- | ---: | ---: | ---: |")
    for name, label in (("with_order", "app: change + order"), ("change_only", "app: change")):
        print(
            f"| {label} | {median(name):.0f} ms | {median(name) / bare:.1f} "
            f"| {r[name + '_connected_mb']:.0f} MB |"
        )
    print(f"| bare Starlette fan-out | {bare:.0f} ms | 1.0 | {r['bare_connected_mb']:.0f} MB |")
    print(
        f"app RSS idle {r['app_idle_mb']:.0f} MB, peak {r['with_order_peak_mb']:.0f} / "
        f"{r['change_only_peak_mb']:.0f} MB; bare idle "
        f"{r['bare_idle_mb']:.0f} MB, peak {r['bare_peak_mb']:.0f} MB; the mutation answered in "
        f"{r['with_order_mutation_ms']:.0f} / {r['change_only_mutation_ms']:.0f} ms"
    )
    print(
        "server CPU per change (the mutation included; bare: the POST): "
        + " / ".join(f"{name} {r[name + '_cpu_ms']:.0f} ms" for name in
                     ("with_order", "change_only", "bare"))
    )  # fmt: skip
    for name in ("with_order", "change_only", "bare"):
        print(f"{name} rounds ms:", [round(last) for _, last in r[name]])


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--bare-server":
        bare_server(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
