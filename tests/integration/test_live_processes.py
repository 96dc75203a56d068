"""Live updates across server processes: a mutation sent to one process reaches subscribers of
another, through Redis, in order and once each (PostgreSQL: several processes share it).

Each run uses its own channel prefix, so runs sharing a Redis never hear each other.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest

from backend.models.accounts import Role
from backend.models.orders import Order
from backend.settings import ROOT
from tests import builders
from tests.conftest import SECRET, Api
from tests.schema.helpers import global_id
from tests.schema.live_helpers import GqlSocket, bearer, free_port, token_for
from tests.schema.order_helpers import ASSIGN, open_order, park

pytestmark = [pytest.mark.postgres, pytest.mark.postgres_only]

EVENTS = """subscription($id: ID!, $after: Int) { orderEvents(orderId: $id, after: $after) {
    sequence kind } }"""
STATUS = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    sequence toStatus order { status } } }"""
RERUNS = 8


@contextmanager
def _servers(database_url: str, redis_url: str, tmp_path: Path, count: int) -> Iterator[list[int]]:
    prefix = f"test-{uuid.uuid4().hex}"
    ports = [free_port() for _ in range(count)]
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []
    for n, port in enumerate(ports):
        env = {
            **os.environ,
            "SERVICEHALL_DATABASE_URL": database_url,
            "SERVICEHALL_REDIS_URL": redis_url,
            "SERVICEHALL_REDIS_PREFIX": prefix,
            "SERVICEHALL_SECRET_KEY": SECRET,
            "SERVICEHALL_JOBS_WORKER": "0",
            "SERVICEHALL_STORAGE_DIR": str(tmp_path / "files"),
            "SERVICEHALL_ARGON2_TIME_COST": "1",
            "SERVICEHALL_ARGON2_MEMORY_COST": "1024",
        }
        log_path = tmp_path / f"server{n}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        processes.append((process, log_path))
    try:
        for port, (process, log_path) in zip(ports, processes, strict=True):
            _wait_for(port, process, log_path)
        yield ports
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for _, log_path in processes:
            assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


def _wait_for(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    import socket

    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("a server did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)


async def _rerun(boss: Api, order: Order) -> None:
    stored = await Order.get(id=order.id)
    variables = {"orderId": global_id("Order", order.id), "expectedVersion": stored.version}
    payload = (await boss.gql(ASSIGN, {"input": variables}))["assignOrder"]
    assert payload["userErrors"] == [], payload


async def _socket(port: int, secret: str) -> Any:
    from websockets.asyncio.client import connect

    from tests.schema.live_helpers import TRANSPORT_WS

    connection = await connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=[TRANSPORT_WS], open_timeout=10
    )
    ws = GqlSocket(connection)
    assert (await ws.init(bearer(secret)))["type"] == "connection_ack"
    return ws


async def test_a_mutation_sent_to_one_process_reaches_subscribers_of_another_in_order_once(
    db: str, redis_url: str, tmp_path: Path
) -> None:
    p = await park(handlers=3)
    order = await open_order(p)  # events 1 and 2
    supervisor = await builders.user(Role.SUPERVISOR)
    applicant_secret = await token_for(p.applicant, ["orders:read"])
    stranger_secret = await token_for(p.other_applicant, ["orders:read"])
    order_id = global_id("Order", order.id)
    with _servers(db, redis_url, tmp_path, 2) as (port_a, port_b):
        async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port_a}", timeout=20) as http:
            boss = Api(http, SECRET)
            assert (await boss.login(supervisor.email or ""))["userErrors"] == []
            on_b = await _socket(port_b, applicant_secret)
            on_a = await _socket(port_a, applicant_secret)
            stranger = await _socket(port_b, stranger_secret)
            try:
                await on_b.subscribe(EVENTS, {"id": order_id, "after": 2}, "events")
                await on_b.subscribe(STATUS, {"id": order_id}, "status")
                await on_a.subscribe(EVENTS, {"id": order_id, "after": 2}, "events")
                await stranger.subscribe(STATUS, {"id": None}, "status")
                await asyncio.sleep(0.2)
                for _ in range(RERUNS):
                    await _rerun(boss, order)  # each: released, then assigned (2 events)
                expected = list(range(3, 3 + 2 * RERUNS))
                heard_b = [(await on_b.next("events"))["data"]["orderEvents"] for _ in expected]
                assert [e["sequence"] for e in heard_b] == expected
                assert [e["kind"] for e in heard_b] == ["ORDER_RELEASED", "ORDER_ASSIGNED"] * RERUNS
                statuses = [
                    (await on_b.next("status"))["data"]["orderStatusChanged"] for _ in expected
                ]
                assert [s["sequence"] for s in statuses] == expected
                assert [s["toStatus"] for s in statuses] == [
                    "PENDING_ASSIGNMENT", "ASSIGNED"
                ] * RERUNS  # fmt: skip
                heard_a = [(await on_a.next("events"))["data"]["orderEvents"] for _ in expected]
                assert [e["sequence"] for e in heard_a] == expected
                for ws in (on_a, on_b, stranger):
                    await ws.nothing(0.5)  # no repeats; not a word to another enterprise
            finally:
                for ws in (on_a, on_b, stranger):
                    await ws.ws.close()
