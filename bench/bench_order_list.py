"""The order list through the real app against a hand-written endpoint, in one run.

    .venv/bin/python bench/bench_order_list.py [--orders 100000] [--runs 3] [--seconds 10]
        [--connections 16] [--viewer supervisor|handler] [--with-count] [--profile 200]
        [--app-root DIR]

1. Makes or reuses the park (`bench/generate.py`; the 100k park takes about a minute).
2. Starts the app under uvicorn (`backend.cli serve`: one process, production settings,
   PostgreSQL) and `bench/handwritten.py` under uvicorn, on the same database; `--app-root`
   serves another checkout of the project (e.g. `git archive <commit> | tar -x -C DIR`).
3. Posts `bench/order_list.py`'s document to both as the same signed-in viewer and stops unless
   the two `data` answers are equal.
4. Alternates the two under load: `--runs` times `--seconds` each, `--connections` at once, from
   wrk (or bench/load_client.py) in its own process; per run, requests/s, p50/p99, the server
   process's CPU per request (/proc/<pid>/stat) and PostgreSQL's (every backend of the database).
5. Counts the SQL statements of one request at the driver (in-process, `backend.db.StatementLog`)
   on each side and lists them; with `--profile N`, profiles N requests of the app in-process
   (pyinstrument when installed, else cProfile) and prints the top of it.

Read the ratios: the machine is shared and the absolute figures move with its load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench.generate import DEFAULT_SERVER, Park, ensure_park  # noqa: E402
from bench.order_list import request_body  # noqa: E402
from bench.servers import (  # noqa: E402
    Load,
    Server,
    app_server,
    cpu_seconds,
    handwritten_server,
    load,
    load_generator,
    post_json,
    request_headers,
)

# Requests timed one at a time in-process for the CPU per request.
CPU_REQUESTS = 50


@dataclass
class Run:
    side: str
    load: Load
    server_cpu_ms: float  # per request
    database_cpu_ms: float  # per request


async def _backends(database: str, server: str) -> list[int]:
    base = server.replace("postgres://", "postgresql://", 1).rstrip("/")
    connection = await asyncpg.connect(f"{base}/postgres")
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


def database_cpu(database: str, server: str) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in asyncio.run(_backends(database, server))}


def first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only on one side"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def check_same_answer(
    app: Server, hand: Server, body: dict[str, Any], headers: dict[str, str]
) -> int:
    answers = []
    for server in (app, hand):
        status, answer = post_json(f"{server.url}/graphql", body, headers)
        if status != 200 or not isinstance(answer, dict) or answer.get("errors"):
            raise SystemExit(f"{server.name} answered {status}: {json.dumps(answer)[:2000]}")
        answers.append(answer["data"])
    difference = first_difference(answers[0], answers[1])
    if difference:
        raise SystemExit(f"the answers differ (app vs hand-written) at {difference}")
    edges = answers[0]["orders"]["edges"]
    if not edges:
        raise SystemExit("the list is empty: nothing to compare")
    return len(edges)


def measure(
    server: Server,
    park: Park,
    body: dict[str, Any],
    headers: dict[str, str],
    connections: int,
    seconds: float,
    server_url: str,
) -> Run:
    database_before = database_cpu(park.database, server_url)
    before = cpu_seconds(server.pid)
    result = load(f"{server.url}/graphql", body, headers, connections=connections, seconds=seconds)
    used = cpu_seconds(server.pid) - before
    database_after = database_cpu(park.database, server_url)
    database_used = sum(
        after - database_before.get(pid, 0.0) for pid, after in database_after.items()
    )
    if result.errors:
        raise SystemExit(f"{server.name}: {result.errors} failed requests under load")
    per = max(result.requests, 1)
    return Run(server.name, result, used / per * 1000, database_used / per * 1000)


# -- in-process: statements at the driver, and the profile ----------------------------------------


def in_process(root: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """bench/in_process.py on the checkout at `root` (its statements, captures, profile)."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "in_process.py"), "--root", str(root)],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=root,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench/in_process.py failed:\n{result.stderr[-4000:]}")
    found: dict[str, Any] = json.loads(result.stdout)
    return found


async def handwritten_in_process(
    park: Park, body: dict[str, Any], headers: dict[str, str], cpu_requests: int
) -> tuple[list[str], float]:
    """The hand-written endpoint's statements for one request, at the driver, and its CPU per
    request one at a time."""
    import httpx2

    from backend.db import PooledConnection
    from bench import handwritten

    os.environ["SERVICEHALL_DATABASE_URL"] = park.url
    statements: list[str] = []

    def logged(record: Any) -> None:
        statements.append(str(record.query))

    async with handwritten.lifespan(handwritten.app):
        transport = httpx2.ASGITransport(app=handwritten.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:
            PooledConnection.observers.add(logged)
            await handwritten.app.state.pool.expire_connections()
            await client.post("/graphql", json=body, headers=headers)
            statements.clear()
            response = await client.post("/graphql", json=body, headers=headers)
            await asyncio.sleep(0.05)  # query loggers are called soon after, not at once
            PooledConnection.observers.discard(logged)
            assert response.status_code == 200
            counted = list(statements)
            # New connections, without the logger, for the timing.
            await handwritten.app.state.pool.expire_connections()
            for _ in range(5):
                await client.post("/graphql", json=body, headers=headers)
            cpu = time.process_time()
            for _ in range(cpu_requests):
                await client.post("/graphql", json=body, headers=headers)
            cpu_ms = (time.process_time() - cpu) / cpu_requests * 1000
    return counted, cpu_ms


# -- the report -----------------------------------------------------------------------------------


def _median(runs: list[Run], pick: Callable[[Run], float]) -> float:
    return statistics.median(pick(r) for r in runs)


def report(
    runs: list[Run],
    statements: dict[str, Any],
    arguments: argparse.Namespace,
    park: Park,
    rows: int,
) -> str:
    lines = [
        f"park {park.database} ({park.orders:,} orders), viewer {arguments.viewer}, {rows} rows, "
        f"{arguments.connections} connections, {arguments.runs} × {arguments.seconds:g} s "
        f"per side, alternating; load from {load_generator()}",
        "",
        "| run | server | req/s | p50 ms | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req "
        "| req/s app ÷ hand-written |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    pair_ratios = []
    for i, run in enumerate(runs):
        ratio = ""
        if run.side == "hand-written" and i > 0:
            pair_ratios.append(runs[i - 1].load.rps / run.load.rps)
            ratio = f"{pair_ratios[-1]:.3f}"
        lines.append(
            f"| {i // 2 + 1} | {run.side} | {run.load.rps:.1f} | {run.load.p50_ms:.1f} | "
            f"{run.load.p99_ms:.1f} | {run.server_cpu_ms:.2f} | {run.database_cpu_ms:.2f} | "
            f"{ratio} |"
        )
    sides = {side: [r for r in runs if r.side == side] for side in ("app", "hand-written")}
    medians = {
        side: {
            "rps": _median(rs, lambda r: r.load.rps),
            "p50": _median(rs, lambda r: r.load.p50_ms),
            "p99": _median(rs, lambda r: r.load.p99_ms),
            "cpu": _median(rs, lambda r: r.server_cpu_ms),
            "db": _median(rs, lambda r: r.database_cpu_ms),
        }
        for side, rs in sides.items()
    }
    lines += [
        "",
        "| median | req/s | p50 ms | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req "
        "| SQL statements/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for side, m in medians.items():
        lines.append(
            f"| {side} | {m['rps']:.1f} | {m['p50']:.1f} | {m['p99']:.1f} | {m['cpu']:.2f} | "
            f"{m['db']:.2f} | {len(statements[side])} |"
        )
    app, hand = medians["app"], medians["hand-written"]
    one = statements["cpu"]
    lines += [
        "",
        f"CPU per request one at a time, in-process ({CPU_REQUESTS} requests, PostgreSQL not "
        f"included): app {one['app']:.2f} ms, hand-written {one['hand-written']:.2f} ms, "
        f"{one['app'] / one['hand-written']:.1f}×",
    ]
    if one.get("calls"):
        lines += ["", f"Python function calls per request, app (cProfile): {one['calls']:,.0f}"]
    lines += [
        "",
        f"ratio app / hand-written: throughput **{statistics.median(pair_ratios):.3f}×** (median "
        f"of the runs' ratios; {app['rps'] / hand['rps']:.3f}× of the medians), server CPU "
        f"per request {app['cpu'] / hand['cpu']:.1f}×, PostgreSQL CPU per request "
        f"{app['db'] / max(hand['db'], 1e-9):.1f}×",
    ]
    for side in ("app", "hand-written"):
        lines += ["", f"SQL statements of one request, {side} (at the driver):"]
        lines += [f"  {i + 1}. {' '.join(s.split())[:160]}" for i, s in enumerate(statements[side])]
    if "profile" in statements:
        lines += ["", statements["profile"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--viewer", choices=["supervisor", "handler"], default="supervisor")
    parser.add_argument("--with-count", action="store_true", help="ask for totalCount too")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="the PostgreSQL server")
    parser.add_argument("--check-only", action="store_true", help="compare the answers, stop")
    arguments = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    park = asyncio.run(ensure_park(arguments.orders, server=arguments.server, log=log))
    cookie = park.supervisor_cookie if arguments.viewer == "supervisor" else park.handler_cookie
    headers = request_headers(cookie)
    body = request_body(with_count=arguments.with_count)
    runs: list[Run] = []
    with (
        app_server(park.url, arguments.app_root.resolve()) as app,
        handwritten_server(park.url) as hand,
    ):
        rows = check_same_answer(app, hand, body, headers)
        log(f"answers equal ({rows} orders)")
        if arguments.check_only:
            return
        for server in (app, hand):
            load(
                f"{server.url}/graphql", body, headers, connections=arguments.connections, seconds=3
            )
        for i in range(arguments.runs):
            for server in (app, hand) if i % 2 == 0 else (hand, app):
                run = measure(
                    server,
                    park,
                    body,
                    headers,
                    arguments.connections,
                    arguments.seconds,
                    arguments.server,
                )
                log(
                    f"run {i + 1} {server.name}: {run.load.rps:.1f} req/s, "
                    f"{run.server_cpu_ms:.2f} ms CPU/req"
                )
                runs.append(run)
        # The order of a run's pair alternates; the table lists app first.
        runs = [
            r
            for i in range(arguments.runs)
            for r in sorted(runs[2 * i : 2 * i + 2], key=lambda r: r.side != "app")
        ]
    found = in_process(
        arguments.app_root.resolve(),
        {
            "url": park.url,
            "cookie": cookie,
            "body": body,
            "profile": arguments.profile,
            "cpu_requests": CPU_REQUESTS,
        },
    )
    hand_statements, hand_cpu = asyncio.run(
        handwritten_in_process(park, body, headers, CPU_REQUESTS)
    )
    statements = {
        "app": found["statements"],
        "hand-written": hand_statements,
        "cpu": {"app": found["cpu_ms"], "hand-written": hand_cpu, "calls": found.get("calls")},
    }
    if arguments.profile:
        statements["profile"] = found["profile"]
    print(report(runs, statements, arguments, park, rows))


if __name__ == "__main__":
    main()
