"""Python function calls per request for each case of `bench_lists.py`: a count, not a time.

The machines here are too noisy to see a few per cent in req/s; the number of calls a request
makes is the same on every run, so two checkouts can be compared exactly:

    .venv/bin/python bench/calls_per_request.py            # in each checkout, from its root
"""

from __future__ import annotations

import contextlib
import cProfile
import importlib.util
import io
import pstats
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

WARM_UP, MEASURED = 5, 40
CASES = iter(
    [
        "baseline (Tortoise .values() + json)",
        "a. { __typename }",
        "b. notifications(first: 50)",
        "c. teams(first: 20) with members",
    ]
)


async def counted(run: Callable[[], Awaitable[object]], seconds: float) -> tuple[float, float]:
    """Stands in for `bench_lists.timed`: warm up, then count the calls of MEASURED requests."""
    for _ in range(WARM_UP):
        await run()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(MEASURED):
        await run()
    profile.disable()
    calls = pstats.Stats(profile).total_calls / MEASURED
    print(f"{next(CASES):<40} {calls:>10,.0f} calls per request", file=sys.__stdout__, flush=True)
    return (1.0, 1.0)


def main() -> None:
    path = Path(__file__).resolve().parent / "bench_lists.py"
    spec = importlib.util.spec_from_file_location("bench_lists", path)
    assert spec is not None and spec.loader is not None
    lists = importlib.util.module_from_spec(spec)
    sys.argv = [str(path)]
    spec.loader.exec_module(lists)
    lists.timed = counted
    with contextlib.redirect_stdout(io.StringIO()):  # its table of times means nothing here
        lists.main(1.0)


if __name__ == "__main__":
    main()
