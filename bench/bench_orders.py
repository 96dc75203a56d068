"""Orders opened and assigned per second, over the bare numbering + insert, in one run.

For each database given it measures, on the same seeded data:
  baseline  a number from the counter and the order row inserted, nothing else
  open      `orders.open_order`: number, due date, the ORDER_OPENED event, the automatic
            choice of handler (team row locked on PostgreSQL, loads read, ORDER_ASSIGNED event,
            the handler's notification)
each one transaction per order, first one at a time, then `--concurrency` at once.

    .venv/bin/python bench/bench_orders.py [--orders 300] [--concurrency 8]
        [--url sqlite:///tmp/x.sqlite3 | --url postgres://postgres@127.0.0.1:5432]

With no `--url`, SQLite in a temporary file. A PostgreSQL URL names the server: the benchmark
creates a scratch database there (`bench_orders_<pid>`) and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SERVICEHALL_ARGON2_TIME_COST", "1")
os.environ.setdefault("SERVICEHALL_ARGON2_MEMORY_COST", "1024")

import asyncpg  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402

from backend.db import tortoise_config  # noqa: E402
from backend.models.accounts import Role  # noqa: E402
from backend.models.applications import Application, ApplicationStatus  # noqa: E402
from backend.models.orders import Order  # noqa: E402
from backend.services.core import numbering  # noqa: E402
from backend.services.core.actors import Actor  # noqa: E402
from backend.services.core.transactions import in_transaction  # noqa: E402
from backend.services.orders import orders  # noqa: E402
from tests import builders  # noqa: E402

TZ = "Asia/Shanghai"
SYSTEM = Actor()


def migrate(url: str) -> None:
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


async def applications(count: int) -> list[Application]:
    team, _ = await builders.team_with_handlers(5)
    item, version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    await Application.bulk_create(
        [
            Application(
                number=f"SQ-BENCH-{i:06d}",
                item=item,
                item_version=version,
                enterprise=enterprise,
                applicant=applicant,
                status=ApplicationStatus.APPROVED,
            )
            for i in range(count)
        ]
    )
    return await Application.filter(number__startswith="SQ-BENCH-").order_by("id")


async def bare(application: Application) -> None:
    """The baseline: a number and the row, in one transaction."""
    async with in_transaction() as conn:
        now = datetime.now(UTC)
        await Order.create(
            number=await numbering.next_number(conn, "BL", now, TZ),
            application_id=application.id,
            item_id=application.item_id,  # type: ignore[attr-defined]
            item_version_id=application.item_version_id,  # type: ignore[attr-defined]
            enterprise_id=application.enterprise_id,  # type: ignore[attr-defined]
            applicant_id=application.applicant_id,  # type: ignore[attr-defined]
            due_at=now + timedelta(days=5),
            using_db=conn,
        )


async def opened(application: Application) -> None:
    async with in_transaction() as conn:
        await orders.open_order(conn, SYSTEM, application, approved_by_id=None, timezone=TZ)


async def rate(
    run: Callable[[Application], Awaitable[None]], batch: list[Application], concurrency: int
) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(application: Application) -> None:
        async with gate:
            await run(application)

    started = time.perf_counter()
    await asyncio.gather(*(one(a) for a in batch))
    return len(batch) / (time.perf_counter() - started)


async def measure(url: str, count: int, concurrency: int) -> list[tuple[str, float]]:
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        pool = await applications(count * 4)
        chunks = [pool[i * count : (i + 1) * count] for i in range(4)]
        results = [
            ("baseline, one at a time", await rate(bare, chunks[0], 1)),
            ("open + assign, one at a time", await rate(opened, chunks[1], 1)),
            (f"baseline, {concurrency} at once", await rate(bare, chunks[2], concurrency)),
            (f"open + assign, {concurrency} at once", await rate(opened, chunks[3], concurrency)),
        ]
    return results


async def scratch_database(server: str, name: str, create: bool) -> None:
    base = server.replace("postgres://", "postgresql://", 1).rstrip("/")
    if base.count("/") > 2:
        base = base.rsplit("/", 1)[0]
    connection = await asyncpg.connect(f"{base}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def run(url: str | None, count: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        scratch = None
        if target.startswith("postgres"):
            scratch = f"bench_orders_{os.getpid()}"
            asyncio.run(scratch_database(target, scratch, create=True))
            base = target.rstrip("/")
            base = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
            target = f"{base}/{scratch}"
        try:
            migrate(target)
            results = asyncio.run(measure(target, count, concurrency))
        finally:
            if scratch:
                asyncio.run(scratch_database(url or "", scratch, create=False))
    backend = "PostgreSQL" if scratch else "SQLite"
    print(f"{backend}, {count} orders per case")
    print("| case | orders/s | × baseline (same concurrency) |")
    print("| --- | ---: | ---: |")
    for i, (name, value) in enumerate(results):
        baseline = results[i - i % 2][1]
        print(f"| {name} | {value:.0f} | {value / baseline:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="sqlite://<file> or postgres://<server>")
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    run(arguments.url, arguments.orders, arguments.concurrency)
