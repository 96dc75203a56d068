"""Job workers in several server processes never run one job twice (PostgreSQL only).

SQLite runs as one server process, so this is a PostgreSQL behaviour: `FOR UPDATE SKIP LOCKED`
and the lease split the due jobs between the processes' own connection pools.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

import pytest

from backend.models.jobs import Job, JobStatus
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.settings import ROOT

PROCESSES = 3
JOBS = 300

pytestmark = [pytest.mark.postgres, pytest.mark.postgres_only]


async def test_workers_in_three_processes_run_each_of_many_due_jobs_exactly_once(
    db: str, tmp_path: Path
) -> None:
    async with in_transaction() as conn:
        for n in range(JOBS):
            await jobs.enqueue(conn, "race", {"n": n})
    start = tmp_path / "start"
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.job_race_worker",
            db,
            f"worker-{n}",
            str(start),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for n in range(PROCESSES)
    ]
    await asyncio.sleep(1.5)  # every process has connected and waits for the start
    start.touch()
    outputs = [await asyncio.wait_for(w.communicate(), timeout=120) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
    runs = [[int(i) for i in out.decode().split()] for out, _ in outputs]
    counted = Counter(i for ran in runs for i in ran)
    ids = await Job.all().values_list("id", flat=True)
    assert sorted(counted) == sorted(ids)
    assert set(counted.values()) == {1}, [i for i, n in counted.items() if n > 1][:10]
    # They raced: every process ran some of the jobs.
    assert all(ran for ran in runs), [len(ran) for ran in runs]
    assert await Job.filter(status=JobStatus.DONE).count() == JOBS
    assert set(await Job.all().values_list("attempts", flat=True)) == {1}
