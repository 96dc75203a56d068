"""What a GraphQL list costs over the plain work it stands on, in one run.

Measures, in-process through the real ASGI app (middleware, session lookup, GraphQL view):
  a. `{ __typename }`                  the fixed cost of a request through the whole stack
  b. `notifications(first: 50)`        a 50-row list with a rendered message per row
  c. `teams(first: 20)` with members   a list whose rows carry nested lists, loaded in bulk
and, as the baseline for b, the same 50 rows fetched with Tortoise `.values()` and dumped to
JSON with no HTTP and no GraphQL. Machines here are noisy; read the ratios, not the times.

    .venv/bin/python bench/bench_lists.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SERVICEHALL_ARGON2_TIME_COST", "1")
os.environ.setdefault("SERVICEHALL_ARGON2_MEMORY_COST", "1024")

import httpx2  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.db import tortoise_config  # noqa: E402
from backend.models.accounts import MemberKind, Notification, Role, Team, TeamMember  # noqa: E402
from backend.security import csrf_token_for  # noqa: E402
from backend.services.accounts import accounts  # noqa: E402
from backend.settings import Settings  # noqa: E402

SECRET = "bench-secret-key-bench-secret-key-bench"


def _csrf(client: httpx2.AsyncClient) -> str:
    return csrf_token_for(
        SECRET,
        session_cookie=client.cookies.get("sh_session"),
        visitor_id=client.cookies.get("sh_csrf") or "",
    )


PASSWORD = "bench password 1"


async def seed() -> None:
    admin = await accounts.create_user_directly("管理员", "admin@bench.cn", PASSWORD, [Role.ADMIN])
    await Notification.bulk_create(
        [
            Notification(user=admin, kind="TEAM_JOINED", params={"team": f"团队 {i}"})
            for i in range(500)
        ]
    )
    handlers = [
        await accounts.create_user_directly(
            f"办理员 {i}", f"h{i}@bench.cn", PASSWORD, [Role.HANDLER]
        )
        for i in range(40)
    ]
    for t in range(20):
        team = await Team.create(name=f"团队 {t:02d}")
        await TeamMember.bulk_create(
            [TeamMember(team=team, user=h, kind=MemberKind.HANDLER) for h in handlers[t : t + 5]]
        )


async def timed(run: Callable[[], Awaitable[object]], seconds: float) -> tuple[float, float]:
    """Requests per second and the median latency in ms, after a short warm-up."""
    for _ in range(20):
        await run()
    samples: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - start)
    return len(samples) / sum(samples), statistics.median(samples) * 1000


def main(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{folder}/bench.sqlite3"
        subprocess.run(
            [sys.executable, "-m", "backend.cli", "migrate"],
            cwd=ROOT,
            env={**os.environ, "SERVICEHALL_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        asyncio.run(measure(url, seconds))


async def measure(url: str, seconds: float) -> None:
    settings = Settings(
        secret_key=SECRET, database_url=url, argon2_time_cost=1, argon2_memory_cost=1024
    )
    context = TortoiseContext()
    async with context:
        await context.init(config=tortoise_config(url))
        await seed()
        app = create_app(settings, manage_database=False)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get("/graphql", params={"query": "{ __typename }"})
            headers = {"X-CSRF-Token": _csrf(client)}
            login = await client.post(
                "/graphql",
                headers=headers,
                json={
                    "query": "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
                    "variables": {"i": {"identifier": "admin@bench.cn", "password": PASSWORD}},
                },
            )
            assert login.json()["data"]["login"]["user"], login.text
            headers = {"X-CSRF-Token": _csrf(client)}

            async def post(query: str) -> None:
                response = await client.post("/graphql", headers=headers, json={"query": query})
                assert response.status_code == 200 and "errors" not in response.json()

            notifications = (
                "{ notifications(first: 50) { totalCount edges { cursor node "
                "{ id kind message link createdAt readAt } } } }"
            )
            teams = (
                "{ teams(first: 20) { edges { node { id name version members "
                "{ kind onLeave user { id name roles } } } } } }"
            )

            async def raw() -> None:
                rows = (
                    await Notification.filter(user_id=1)
                    .order_by("-id")
                    .limit(50)
                    .values("id", "kind", "params", "link", "created_at", "read_at")
                )
                json.dumps(rows, default=str)

            results = {
                "baseline: 50 rows, Tortoise .values() + json": await timed(raw, seconds),
                "a. { __typename } through the stack": await timed(
                    lambda: post("{ __typename }"), seconds
                ),
                "b. notifications(first: 50)": await timed(lambda: post(notifications), seconds),
                "c. teams(first: 20) with members": await timed(lambda: post(teams), seconds),
            }
    base = results["baseline: 50 rows, Tortoise .values() + json"][0]
    print(f"{'case':<48} {'req/s':>8} {'p50 ms':>8} {'x baseline time':>16}")
    for name, (rate, p50) in results.items():
        print(f"{name:<48} {rate:8.0f} {p50:8.2f} {base / rate:16.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    main(parser.parse_args().seconds)
