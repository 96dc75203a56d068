"""One checkout's app run in-process on a park: its SQL statements per request, and a profile.

Run by `bench_order_list.py` and `bench_growth.py` as a subprocess with the checkout under
test first on the import path (`--root`), so an older checkout can be measured by the same
harness: statements are counted at the driver by giving every asyncpg connection a query logger
(`asyncpg.Connection.__init__` wrapped), which needs nothing from the checkout itself.

    python bench/in_process.py --root DIR < {"url", "cookie", "body", "profile", "capture"}

prints {"statements": [...], "captured": {...}, "profile": "..."} as JSON: with `capture`, a
list of {"name", "method", "path", "body"}, each request's statements, and with `explain` the
EXPLAIN (ANALYZE, BUFFERS) of each of its SELECTs, run with the arguments the app sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
CALL_REQUESTS = 10


def _encodable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_encodable(v) for v in value]
    return {"__repr__": repr(value), "__type__": type(value).__name__, "text": str(value)}


class Recorder:
    def __init__(self) -> None:
        self.records: list[tuple[str, tuple[Any, ...]]] = []
        self.on = False

    def __call__(self, record: Any) -> None:
        if self.on:
            self.records.append((str(record.query), tuple(record.args or ())))


async def explain(url: str, records: list[tuple[str, tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each SELECT, with the arguments it was sent with."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    plans = []
    try:
        for query, args in records:
            if (
                not query.lstrip().upper().startswith(("SELECT", "WITH"))
                or ";" in query.strip()[:-1]
            ):
                continue
            rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {query}", *args)
            lines = [row[0] for row in rows]
            timing = {
                line.split(":")[0].strip(): float(line.split(":")[1].split()[0])
                for line in lines
                if line.startswith(("Planning Time", "Execution Time"))
            }
            plans.append(
                {
                    "query": query,
                    "args": [_encodable(a) for a in args],
                    "planning_ms": timing.get("Planning Time", 0.0),
                    "execution_ms": timing.get("Execution Time", 0.0),
                    "plan": lines,
                }
            )
    finally:
        await connection.close()
    return plans


def watch_every_connection(recorder: Recorder) -> None:
    import asyncpg

    original = asyncpg.connection.Connection.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.add_query_logger(recorder)

    asyncpg.connection.Connection.__init__ = __init__


async def _profile(request: Callable[[], Awaitable[None]], count: int) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            await request()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        return f"cProfile, {count} requests one at a time (own time)\n{out.getvalue()}"
    profiler = Profiler(async_mode="enabled", interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(count):
            await request()
    each = (time.perf_counter() - started) / count * 1000
    tree = profiler.output_text(time="percent_of_total").splitlines()
    flat = profiler.output_text(time="percent_of_total", flat=True, show_all=True).splitlines()
    # The flat list after its banner, without the time spent waiting (the event loop idle
    # while PostgreSQL works, awaits of the pool): what is left is Python's own work.
    flat = flat[next((i for i, line in enumerate(flat) if line.startswith("Profile at")), 0) + 1 :]
    flat = [line for line in flat if line.strip() and not re.search(r"\[(self|await)\]", line)]
    return "\n".join(
        [
            f"pyinstrument, {count} requests one at a time, {each:.1f} ms each (wall clock)",
            *tree[:70],
            "",
            "own time by function, waiting left out (top 30, % of the wall time above):",
            *flat[:30],
        ]
    )


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    recorder = Recorder()
    watch_every_connection(recorder)
    import httpx2
    from tortoise.context import TortoiseContext

    from backend.app import create_app
    from backend.db import tortoise_config
    from backend.security import csrf_token_for
    from backend.settings import Settings

    cookie = spec["cookie"]
    headers = {
        "Cookie": f"sh_session={cookie}; sh_csrf=bench-visitor",
        "X-CSRF-Token": csrf_token_for(SECRET, session_cookie=cookie, visitor_id="bench-visitor"),
    }
    settings = Settings(env="production", secret_key=SECRET, database_url=spec["url"])
    result: dict[str, Any] = {}
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(spec["url"]))
        app = create_app(settings, manage_database=False)
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def send(method: str, path: str, body: Any = None) -> None:
                if method == "POST":
                    response = await client.post(path, json=body, headers=headers)
                else:
                    response = await client.get(path, headers=headers)
                assert response.status_code == 200, response.text[:1000]
                if method == "POST":
                    assert "errors" not in response.json(), response.text[:1000]

            async def counted(
                method: str, path: str, body: Any = None
            ) -> list[tuple[str, tuple[Any, ...]]]:
                await send(method, path, body)  # warm: documents parsed, caches filled
                recorder.records.clear()
                recorder.on = True
                await send(method, path, body)
                await asyncio.sleep(0.05)  # query loggers are called soon after, not at once
                recorder.on = False
                return list(recorder.records)

            if spec.get("cpu_requests") and spec.get("body") is not None:
                # Python's own CPU per request, one at a time (PostgreSQL's is another process):
                # steadier on a shared machine than throughput under load.
                for _ in range(5):
                    await send("POST", "/graphql", spec["body"])
                cpu = time.process_time()
                for _ in range(int(spec["cpu_requests"])):
                    await send("POST", "/graphql", spec["body"])
                result["cpu_ms"] = (time.process_time() - cpu) / int(spec["cpu_requests"]) * 1000
                # Python function calls per request: the same on every run, so two checkouts
                # compare exactly where the times above move with the machine's load.
                import cProfile
                import pstats

                profile = cProfile.Profile()
                profile.enable()
                for _ in range(CALL_REQUESTS):
                    await send("POST", "/graphql", spec["body"])
                profile.disable()
                result["calls"] = pstats.Stats(profile).total_calls / CALL_REQUESTS  # type: ignore[attr-defined]
            if spec.get("body") is not None:
                result["statements"] = [
                    q for q, _ in await counted("POST", "/graphql", spec["body"])
                ]
            captured = {}
            for item in spec.get("capture") or []:
                records = await counted(item["method"], item["path"], item.get("body"))
                captured[item["name"]] = {
                    "statements": [q for q, _ in records],
                    "plans": await explain(spec["url"], records) if spec.get("explain") else [],
                }
            result["captured"] = captured
            if spec.get("profile"):

                async def request() -> None:
                    await send("POST", "/graphql", spec["body"])

                result["profile"] = await _profile(request, int(spec["profile"]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, required=True)
    arguments = parser.parse_args()
    sys.path.insert(0, str(arguments.root.resolve()))
    spec = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(run(spec)), ensure_ascii=False))


if __name__ == "__main__":
    main()
