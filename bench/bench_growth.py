"""How lists, searches and pages grow from a small park to a large one, in one run.

    .venv/bin/python bench/bench_growth.py [--small 10000] [--large 1000000] [--requests 30]
        [--app-root DIR] [--no-explain]

For each park (made by `bench/generate.py` when missing; the 1M park takes several minutes the
first time) the real app runs under uvicorn (production settings) and is asked, one request at a
time, signed in as the supervisor:
  list            `bench/order_list.py`'s 50 newest orders, unfiltered
  filtered        the same, filtered by status (COMPLETED), the busiest category and a 150-day
                  window ending 30 days ago
  keyword         search for a common two-character keyword (科技)
  rare keyword    search for a two-character brand few enterprises carry
  enterprise      search for one enterprise's full name
  catalog home    GET /catalog
  order queue     GET /orders
The figure is the server's own time for the request (the app's access log, by request id), the
median of `--requests` after 3 warm-up requests; client time is shown too. Then, at the large
park, every SELECT each case sends is captured at the driver and run again under
EXPLAIN (ANALYZE, BUFFERS) with the same arguments; the slowest are printed with their plans.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import statistics
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_order_list import in_process  # noqa: E402
from bench.generate import DEFAULT_SERVER, Park, ensure_park  # noqa: E402
from bench.order_list import request_body  # noqa: E402
from bench.servers import Server, app_server, get, post_json, request_headers  # noqa: E402

PLANS_SHOWN = 8


def cases(park: Park) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    category = base64.urlsafe_b64encode(f"Category:{park.busy_category_id}".encode()).decode()
    filtered = {
        "status": ["COMPLETED"],
        "categoryId": category.rstrip("="),
        "createdAfter": (now - timedelta(days=180)).isoformat(),
        "createdBefore": (now - timedelta(days=30)).isoformat(),
    }
    return [
        {"name": "list", "method": "POST", "path": "/graphql", "body": request_body()},
        {
            "name": "filtered",
            "method": "POST",
            "path": "/graphql",
            "body": request_body(filter=filtered),
        },
        {
            "name": "keyword",
            "method": "POST",
            "path": "/graphql",
            "body": request_body(filter={"search": park.common_keyword}),
        },
        {
            "name": "rare keyword",
            "method": "POST",
            "path": "/graphql",
            "body": request_body(filter={"search": park.rare_keyword}),
        },
        {
            "name": "enterprise",
            "method": "POST",
            "path": "/graphql",
            "body": request_body(filter={"search": park.enterprise_name}),
        },
        {"name": "catalog home", "method": "GET", "path": "/catalog"},
        {"name": "order queue", "method": "GET", "path": "/orders"},
    ]


def _server_times(log: Path) -> dict[str, float]:
    """Request id -> the app's own time for it, from its access log lines."""
    found = {}
    pattern = re.compile(r"\[([0-9A-Za-z._-]+)\] servicehall\.access: \S+ \S+ \d+ ([\d.]+)ms")
    for line in log.read_text(errors="replace").splitlines():
        if match := pattern.search(line):
            found[match.group(1)] = float(match.group(2))
    return found


def time_cases(server: Server, park: Park, requests: int) -> dict[str, dict[str, float]]:
    headers = request_headers(park.supervisor_cookie)
    results: dict[str, dict[str, float]] = {}
    for case in cases(park):
        ids: list[str] = []
        client: list[float] = []
        for i in range(requests + 3):
            request_id = f"bench-{uuid.uuid4().hex[:16]}"
            sent = {**headers, "X-Request-Id": request_id}
            if case["method"] == "POST":
                started = datetime.now(UTC)
                status, answer = post_json(f"{server.url}{case['path']}", case["body"], sent)
                elapsed = (datetime.now(UTC) - started).total_seconds() * 1000
                if status != 200 or answer.get("errors"):
                    raise SystemExit(f"{case['name']}: {status} {json.dumps(answer)[:1000]}")
                rows = len(answer["data"]["orders"]["edges"])
            else:
                status, elapsed = get(f"{server.url}{case['path']}", sent)
                rows = -1
                if status != 200:
                    raise SystemExit(f"{case['name']}: {status}")
            if i >= 3:
                ids.append(request_id)
                client.append(elapsed)
        times = _server_times(server.log)
        server_times = [times[r] for r in ids if r in times]
        results[case["name"]] = {
            "server": statistics.median(server_times) if server_times else float("nan"),
            "client": statistics.median(client),
            "rows": rows,
        }
        print(f"  {park.database} {case['name']}: {results[case['name']]}", file=sys.stderr)
    return results


def report(
    small: Park, large: Park, timings: dict[str, dict[str, dict[str, float]]], plans: dict[str, Any]
) -> str:
    s, big = timings[small.database], timings[large.database]
    lines = [
        f"{small.database} ({small.orders:,} orders) → {large.database} ({large.orders:,}), "
        "supervisor, one request at a time; server time (access log), median",
        "",
        f"| case | rows at the large | {small.database} ms | {large.database} ms | × | "
        "client ms at the large |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in s:
        rows = "" if big[name]["rows"] < 0 else f"{big[name]['rows']:.0f}"
        lines.append(
            f"| {name} | {rows} | {s[name]['server']:.1f} | {big[name]['server']:.1f} | "
            f"{big[name]['server'] / s[name]['server']:.2f} | {big[name]['client']:.1f} |"
        )
    if plans:
        lines += [
            "",
            f"SELECTs at {large.database}, EXPLAIN (ANALYZE, BUFFERS) (ms):",
            "",
            "| case | # | planning | execution | statement |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        ranked = []
        for case, found in plans.items():
            for i, plan in enumerate(found["plans"], start=1):
                ranked.append((case, i, plan))
                text = " ".join(plan["query"].split())[:110].replace("|", "\\|")
                lines.append(
                    f"| {case} | {i} | {plan['planning_ms']:.2f} | {plan['execution_ms']:.2f} "
                    f"| `{text}` |"
                )
        ranked.sort(key=lambda item: -(item[2]["execution_ms"] + item[2]["planning_ms"]))
        seen: set[str] = set()
        shown = 0
        for case, i, plan in ranked:
            key = plan["query"] + json.dumps(plan["args"], ensure_ascii=False)
            if key in seen or shown >= PLANS_SHOWN:
                continue
            seen.add(key)
            shown += 1
            lines += [
                "",
                f"### {case} #{i}: {plan['execution_ms']:.1f} ms",
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
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--no-explain", action="store_true")
    arguments = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    parks = [
        asyncio.run(ensure_park(n, server=arguments.server, log=log))
        for n in (arguments.small, arguments.large)
    ]
    timings = {}
    for park in parks:
        with app_server(park.url, arguments.app_root.resolve()) as server:
            timings[park.database] = time_cases(server, park, arguments.requests)
    plans: dict[str, Any] = {}
    if not arguments.no_explain:
        large = parks[1]
        found = in_process(
            arguments.app_root.resolve(),
            {
                "url": large.url,
                "cookie": large.supervisor_cookie,
                "capture": cases(large),
                "explain": True,
            },
        )
        plans = found["captured"]
    print(report(parks[0], parks[1], timings, plans))


if __name__ == "__main__":
    main()
