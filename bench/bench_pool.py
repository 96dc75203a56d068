"""What a pooled checkout costs per statement: asyncpg's reset, no reset, one held connection.

    .venv/bin/python bench/bench_pool.py [--orders 10000] [--requests 2000] [--concurrency 16]

On a park database, in-process, Tortoise sends "requests" of 4 small statements (the shape of a
list request: session, roles, page, events; here four primary-key reads) in three ways:
  reset      asyncpg's default connection class: each check-in runs
             `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` (the app before)
  no reset   `backend.db.PooledConnection`: a checkout per statement, nothing on check-in (the app)
  held       one connection checked out per request and every statement of the request routed to
             it (Tortoise's transaction wrapper, bound without BEGIN): "one connection per GraphQL
             execution"
and reports, per statement, the client's CPU, PostgreSQL's CPU and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from tortoise import connections  # noqa: E402
from tortoise.backends.asyncpg.client import TransactionWrapper  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402

from backend.db import tortoise_config  # noqa: E402
from backend.models.accounts import User  # noqa: E402
from bench.generate import DEFAULT_SERVER, ensure_park  # noqa: E402
from bench.servers import cpu_seconds  # noqa: E402

STATEMENTS = 4


async def _backend_pids(client: Any) -> list[int]:
    pids = []
    for holder in client._pool._holders:
        if holder._con is not None:
            pids.append(holder._con.get_server_pid())
    return pids


async def _request(ids: list[int]) -> None:
    for pk in ids:
        await User.filter(id=pk).first()


async def _held_request(ids: list[int]) -> None:
    client: Any = connections.get("default")
    connection = await client._pool.acquire()
    wrapper = TransactionWrapper(client)
    wrapper._connection = connection
    token = connections.set("default", wrapper)  # type: ignore[attr-defined]
    assert connections.get("default") is wrapper
    try:
        for pk in ids:
            await User.filter(id=pk).first()
    finally:
        connections.reset(token)  # type: ignore[attr-defined]
        await client._pool.release(connection)


async def _measure(
    url: str,
    connection_class: type[asyncpg.Connection] | None,
    request: Callable[[list[int]], Awaitable[None]],
    count: int,
    concurrency: int,
) -> tuple[float, float, float]:
    config = tortoise_config(url)
    if connection_class is not None:
        config["connections"]["default"]["credentials"]["connection_class"] = connection_class
    async with TortoiseContext() as context:
        await context.init(config=config)
        ids = [row[0] for row in await User.all().limit(STATEMENTS).values_list("id")]
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with gate:
                await request(ids)

        await asyncio.gather(*(one() for _ in range(50)))  # warm: the pool at its size
        client: Any = connections.get("default")
        pids = await _backend_pids(client)
        database_before = sum(cpu_seconds(pid) for pid in pids)
        cpu_before = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        database = sum(cpu_seconds(pid) for pid in await _backend_pids(client)) - database_before
    statements = count * STATEMENTS
    return cpu / statements * 1e6, database / statements * 1e6, wall / statements * 1e6


async def main(orders: int, count: int, concurrency: int, server: str) -> None:
    park = await ensure_park(orders, server=server, log=lambda m: print(m, file=sys.stderr))
    cases: list[tuple[str, type[asyncpg.Connection] | None, Any]] = [
        ("reset (asyncpg's default)", asyncpg.Connection, _request),
        ("no reset (PooledConnection)", None, _request),
        ("held: one checkout per request", None, _held_request),
    ]
    print(f"{count} requests of {STATEMENTS} statements, {concurrency} at once, {park.database}")
    print("| checkout | client CPU µs/stmt | PostgreSQL CPU µs/stmt | wall µs/stmt |")
    print("| --- | ---: | ---: | ---: |")
    for _ in range(2):  # twice, alternating, for the noise
        for name, connection_class, request in cases:
            cpu, database, wall = await _measure(
                park.url, connection_class, request, count, concurrency
            )
            print(f"| {name} | {cpu:.0f} | {database:.0f} | {wall:.0f} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.requests, arguments.concurrency, arguments.server))
