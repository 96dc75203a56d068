"""The order queue and the supervisor's unassigned list at volume, with every filter, in one run.

    .venv/bin/python bench/bench_queue_filters.py [--orders 1000000] [--requests 15]
        [--app-root DIR] [--no-explain]

On the park (`bench/generate.py`; `BENCH_PARK_DATABASE` names a copy, e.g. one migrated by a
branch) the real app runs under uvicorn (production settings) and is asked, one request at a
time, signed in as the supervisor, for the queue page `/orders` unfiltered and with each of the
filters the cockpit and the filter form send (time limit overdue / due soon, a team, each
provider, completed in a month two months and a year back, open, a team's overdue orders), and
for `/supervision/unassigned`. The figure is the server's own time (the access log, by request
id), the median of `--requests` after 3 warm-up requests. Then every SELECT of each case is
captured at the driver and run again under EXPLAIN (ANALYZE, BUFFERS) with the arguments the app
sent; the slowest plans print.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from backend.services.core.global_ids import encode_global_id  # noqa: E402
from bench.bench_growth import _server_times  # noqa: E402
from bench.bench_order_list import in_process  # noqa: E402
from bench.generate import DEFAULT_SERVER, Park, ensure_park  # noqa: E402
from bench.servers import Server, app_server, get, request_headers  # noqa: E402

PLANS_SHOWN = 6


async def _busiest(url: str) -> dict[str, int]:
    """The team with the most open orders, the providers with the most and the fewest orders."""
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        team = await connection.fetchval(
            "SELECT team_id FROM orders WHERE status NOT IN ('COMPLETED', 'CANCELLED') "
            "AND team_id IS NOT NULL GROUP BY team_id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        providers = await connection.fetch(
            "SELECT provider_id FROM orders WHERE provider_id IS NOT NULL "
            "GROUP BY provider_id ORDER BY COUNT(*) DESC"
        )
    finally:
        await connection.close()
    return {"team": team, "provider": providers[0][0], "small provider": providers[-1][0]}


def cases(park: Park) -> list[dict[str, Any]]:
    busiest = asyncio.run(_busiest(park.url))
    team = encode_global_id("Team", busiest["team"])
    provider = encode_global_id("Provider", busiest["provider"])
    small_provider = encode_global_id("Provider", busiest["small provider"])
    today = date.today()
    month = {
        "done_from": (today - timedelta(days=90)).isoformat(),
        "done_to": (today - timedelta(days=61)).isoformat(),
    }
    year_ago = {
        "done_from": (today - timedelta(days=365)).isoformat(),
        "done_to": (today - timedelta(days=336)).isoformat(),
    }
    queue = [
        ("queue", {}),
        ("queue: overdue", {"due": "overdue"}),
        ("queue: due soon", {"due": "soon"}),
        ("queue: a team", {"team": team}),
        ("queue: a team, overdue", {"team": team, "due": "overdue"}),
        ("queue: the busier provider", {"provider": provider}),
        ("queue: the quieter provider", {"provider": small_provider}),
        ("queue: completed in a month, 2 months ago", month),
        ("queue: completed in a month, a year ago", year_ago),
        ("queue: open", {"open": "1"}),
        ("queue: by due date, open", {"open": "1", "sort": "DUE_AT_ASC"}),
    ]
    found = [
        {"name": name, "method": "GET", "path": "/orders" + (f"?{urlencode(q)}" if q else "")}
        for name, q in queue
    ]
    return [*found, {"name": "unassigned", "method": "GET", "path": "/supervision/unassigned"}]


def time_cases(
    server: Server, park: Park, found: list[dict[str, Any]], requests: int
) -> dict[str, dict[str, float]]:
    headers = request_headers(park.supervisor_cookie)
    results: dict[str, dict[str, float]] = {}
    for case in found:
        ids: list[str] = []
        client: list[float] = []
        for i in range(requests + 3):
            request_id = f"bench-{uuid.uuid4().hex[:16]}"
            status, elapsed = get(
                f"{server.url}{case['path']}", {**headers, "X-Request-Id": request_id}
            )
            if status != 200:
                raise SystemExit(f"{case['name']}: {status}")
            if i >= 3:
                ids.append(request_id)
                client.append(elapsed)
        times = _server_times(server.log)
        server_times = [times[r] for r in ids if r in times]
        results[case["name"]] = {
            "server": statistics.median(server_times) if server_times else float("nan"),
            "min": min(server_times) if server_times else float("nan"),
            "client": statistics.median(client),
        }
        print(f"  {case['name']}: {results[case['name']]}", file=sys.stderr, flush=True)
    return results


def report(park: Park, timings: dict[str, dict[str, float]], plans: dict[str, Any]) -> str:
    lines = [
        f"{park.database} ({park.orders:,} orders), supervisor, one request at a time; server "
        "time (access log), median (min)",
        "",
        "| case | server ms | client ms |",
        "| --- | ---: | ---: |",
    ]
    for name, t in timings.items():
        lines.append(f"| {name} | {t['server']:.1f} ({t['min']:.1f}) | {t['client']:.1f} |")
    if not plans:
        return "\n".join(lines)
    lines += [
        "",
        "SELECTs, EXPLAIN (ANALYZE, BUFFERS), ms:",
        "",
        "| case | # | planning | execution | statement |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    ranked = []
    for case, captured in plans.items():
        for i, plan in enumerate(captured["plans"], start=1):
            ranked.append((case, i, plan))
            text = " ".join(plan["query"].split())[:110].replace("|", "\\|")
            lines.append(
                f"| {case} | {i} | {plan['planning_ms']:.2f} | {plan['execution_ms']:.2f} "
                f"| `{text}` |"
            )
    ranked.sort(key=lambda item: -(item[2]["execution_ms"] + item[2]["planning_ms"]))
    seen: set[str] = set()
    for case, i, plan in ranked:
        key = plan["query"] + json.dumps(plan["args"], ensure_ascii=False)
        if key in seen or len(seen) >= PLANS_SHOWN:
            continue
        seen.add(key)
        lines += [
            "",
            f"### {case} #{i}: {plan['planning_ms']:.1f} + {plan['execution_ms']:.1f} ms",
            "",
            "```sql",
            plan["query"].strip(),
            f"-- arguments: {json.dumps(plan['args'], ensure_ascii=False)[:300]}",
            "```",
            "",
            "```",
            *plan["plan"],
            "```",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--no-explain", action="store_true")
    arguments = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    park = asyncio.run(ensure_park(arguments.orders, server=arguments.server, log=log))
    found = cases(park)
    with app_server(park.url, arguments.app_root.resolve()) as server:
        timings = time_cases(server, park, found, arguments.requests)
    plans: dict[str, Any] = {}
    if not arguments.no_explain:
        captured = in_process(
            arguments.app_root.resolve(),
            {"url": park.url, "cookie": park.supervisor_cookie, "capture": found, "explain": True},
        )
        plans = captured["captured"]
    print(report(park, timings, plans))


if __name__ == "__main__":
    main()
