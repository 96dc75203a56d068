"""Does a flood of sign-ins stall everyone else? Other requests' latency during one, with
password hashing on the event loop (as it was) and off it (as it is), in one run.

In-process through the real ASGI app, SQLite in a temporary file, argon2 at the production
cost (time 3, 64 MiB, parallelism 4). `--logins` wrong-password sign-ins start at once, each
from its own address (so the throttle does not cut the flood short); meanwhile one client asks
`{ __typename }` again and again, and its latencies are what a bystander would see.

    .venv/bin/python bench/bench_sign_in_flood.py [--logins 16] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.db import tortoise_config  # noqa: E402
from backend.models.accounts import Role  # noqa: E402
from backend.services.accounts import accounts, passwords  # noqa: E402
from backend.settings import Settings  # noqa: E402

SECRET = "bench-secret-key-bench-secret-key-bench"
LOGIN = """mutation($i: LoginInput!) { login(input: $i) { user { id } userErrors { code } } }"""
T = TypeVar("T")


async def _on_the_loop(work: Callable[[], T]) -> T:
    return work()


async def flood(app: Any, logins: int) -> tuple[list[float], list[float], float]:
    """While `logins` sign-ins run: a bystander's latencies and the gaps between its answers
    (ms), and how long the flood took (s)."""

    def client(address: str) -> httpx2.AsyncClient:
        transport = httpx2.ASGITransport(app=app, client=(address, 50000))
        return httpx2.AsyncClient(transport=transport, base_url="http://bench")

    attackers = [client(f"198.18.{i // 250}.{i % 250}") for i in range(logins)]
    bystander = client("203.0.113.1")
    done = asyncio.Event()
    latencies: list[float] = []
    answered: list[float] = []

    async def sign_in(c: httpx2.AsyncClient) -> None:
        response = await c.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"i": {"identifier": "a@bench.cn", "password": "x"}},
            },
        )
        codes = [e["code"] for e in response.json()["data"]["login"]["userErrors"]]
        assert codes == ["WRONG_CREDENTIALS"], codes

    async def look() -> None:
        while not done.is_set():
            started = time.perf_counter()
            response = await bystander.get("/graphql", params={"query": "{ __typename }"})
            assert response.status_code == 200
            now = time.perf_counter()
            latencies.append((now - started) * 1000)
            answered.append(now)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(look())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await asyncio.gather(*(sign_in(c) for c in attackers))
    took = time.perf_counter() - started
    done.set()
    await watcher
    for c in [*attackers, bystander]:
        await c.aclose()
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(answered)]
    return latencies, gaps, took


async def measure(url: str, logins: int, threads: int) -> None:
    settings = Settings(
        secret_key=SECRET,
        database_url=url,
        password_hash_threads=threads,
        login_failures_per_address="1000/minute",
        login_failures_per_account="1000/minute",
    )
    context = TortoiseContext()
    async with context:
        await context.init(config=tortoise_config(url))
        app = create_app(settings, manage_database=False)
        await accounts.create_user_directly("甲", "a@bench.cn", "bench password 1", [Role.ADMIN])
        rows = []
        off_the_loop = passwords._off_the_loop
        cases: list[tuple[str, Callable[[Callable[[], Any]], Awaitable[Any]]]] = [
            ("hashing on the event loop (before)", _on_the_loop),
            (f"hashing in {threads} threads (now)", off_the_loop),
        ]
        for name, runner in cases:
            passwords._off_the_loop = runner  # type: ignore[assignment]
            try:
                await flood(app, 2)  # warm up
                latencies, gaps, took = await flood(app, logins)
            finally:
                passwords._off_the_loop = off_the_loop  # type: ignore[assignment]
            ordered = sorted(latencies)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            rows.append(
                (name, len(latencies) / took, statistics.median(latencies), p95, max(gaps), took)
            )
    print(f"{logins} wrong-password sign-ins at once; a bystander's `{{ __typename }}`:\n")
    print("| case | bystander answers/s | p50 ms | p95 ms | longest silence ms | flood s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rate, p50, p95, silence, took in rows:
        print(f"| {name} | {rate:.1f} | {p50:.1f} | {p95:.1f} | {silence:.0f} | {took:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        subprocess.run(
            [sys.executable, "-m", "backend.cli", "migrate"],
            cwd=ROOT,
            env={**os.environ, "SERVICEHALL_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        asyncio.run(measure(url, args.logins, args.threads))


if __name__ == "__main__":
    main()
