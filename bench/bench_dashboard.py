"""The cockpit on a large park: `dashboard(from, to)` through the real app, in-process, on the
generated PostgreSQL park (`bench/generate.py`), for a month and for a year of days.

    .venv/bin/python bench/bench_dashboard.py [--orders 1000000] [--runs 15] [--explain]

Prints, per range: the request's wall time (min and median of `--runs`, after one warm-up),
its SQL statements, and with `--explain` each SELECT's EXPLAIN (ANALYZE, BUFFERS) timing and
the plan's first lines (the index each one uses). Machines here are shared: read the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import ensure_park  # noqa: E402
from in_process import SECRET, Recorder, explain, watch_every_connection  # noqa: E402

BOARD = """query($from: Date!, $to: Date!) { dashboard(from: $from, to: $to) {
    opened waitingForHandler overdue dueSoon openRectifications overdueRectifications
    byStatus { status count }
    teams { teamId name waiting held capacity handlers { userId name open capacity onLeave } }
    days { day opened completed }
    processingTime { completed notRecorded averageWorkingDays p90WorkingDays }
    owedPastDue { materials orders }
    ratings { id name reviews satisfactionRate badReviewRate rectifiedShare } } }"""


async def measure(orders: int, runs: int, with_plans: bool) -> dict[str, Any]:
    park = await ensure_park(orders, log=lambda message: print(message, file=sys.stderr))
    recorder = Recorder()
    watch_every_connection(recorder)
    import httpx2
    from tortoise.context import TortoiseContext

    from backend.app import create_app
    from backend.db import tortoise_config
    from backend.security import csrf_token_for
    from backend.settings import Settings

    cookie = park.supervisor_cookie
    headers = {
        "Cookie": f"sh_session={cookie}; sh_csrf=bench-visitor",
        "X-CSRF-Token": csrf_token_for(SECRET, session_cookie=cookie, visitor_id="bench-visitor"),
    }
    settings = Settings(env="production", secret_key=SECRET, database_url=park.url)
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    ranges = {
        "30 days": (today - timedelta(days=29), today),
        "365 days": (today - timedelta(days=364), today),
    }
    found: dict[str, Any] = {"database": park.database, "orders": orders}
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(park.url))
        app = create_app(settings, manage_database=False)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def ask(start: date, end: date) -> dict[str, Any]:
                variables = {"from": start.isoformat(), "to": end.isoformat()}
                response = await client.post(
                    "/graphql", json={"query": BOARD, "variables": variables}, headers=headers
                )
                body = response.json()
                assert response.status_code == 200 and "errors" not in body, response.text[:500]
                return dict(body["data"]["dashboard"])

            for name, (start, end) in ranges.items():
                board = await ask(start, end)  # warm: documents parsed, types introspected
                times = []
                for _ in range(runs):
                    began = time.perf_counter()
                    await ask(start, end)
                    times.append((time.perf_counter() - began) * 1000)
                recorder.records.clear()
                recorder.on = True
                await ask(start, end)
                await asyncio.sleep(0.05)
                recorder.on = False
                statements = list(recorder.records)
                entry: dict[str, Any] = {
                    "min_ms": round(min(times), 1),
                    "median_ms": round(statistics.median(times), 1),
                    "statements": len(statements),
                    "opened": board["opened"],
                    "processing": board["processingTime"],
                }
                if with_plans:
                    plans = await explain(park.url, statements)
                    entry["plans"] = [
                        {
                            "query": p["query"][:90],
                            "execution_ms": p["execution_ms"],
                            "planning_ms": p["planning_ms"],
                            "plan": [line for line in p["plan"] if "Scan" in line][:4],
                        }
                        for p in plans
                    ]
                found[name] = entry
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.orders, args.runs, args.explain)), indent=2))


if __name__ == "__main__":
    main()
