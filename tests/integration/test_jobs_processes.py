"""Job workers in several server processes never run one job twice (PostgreSQL only).

SQLite runs as one server process, so this is a PostgreSQL behaviour: `FOR UPDATE SKIP LOCKED`
and the lease split the due jobs between the processes' own connection pools.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

import pytest

from backend.models.jobs import Job, JobStatus
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.settings import ROOT

PROCESSES = 3
JOBS = 300

pytestmark = [pytest.mark.postgres, pytest.mark.postgres_only]


async def test_workers_in_three_processes_run_each_of_many_due_jobs_exactly_once(
    db: str,
) -> None:
    async with in_transaction() as conn:
        for n in range(JOBS):
            await jobs.enqueue(conn, "race", {"n": n})
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.job_race_worker",
            db,
            f"worker-{n}",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for n in range(PROCESSES)
    ]
    for worker in workers:  # every process has connected and waits for the start
        assert worker.stdout is not None
        assert await asyncio.wait_for(worker.stdout.readline(), timeout=60) == b"ready\n"
    outputs = await asyncio.wait_for(
        asyncio.gather(*(w.communicate(b"go\n") for w in workers)), timeout=120
    )
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
