"""One server process of the job race: runs a worker until no job is left, printing the id of
each job its handler ran, one a line.

Run as `python -m tests.integration.job_race_worker <database url> <worker name>`; it starts
working when a line arrives on its standard input, so the processes race from the same moment.
"""

from __future__ import annotations

import asyncio
import sys

from tortoise.context import TortoiseContext

from backend.db import tortoise_config
from backend.models.jobs import Job, JobStatus
from backend.services.jobs.jobs import JobRun
from backend.services.jobs.worker import Worker
from backend.settings import Settings


async def main(url: str, name: str) -> None:
    ran: list[int] = []

    async def race(run: JobRun) -> None:
        await asyncio.sleep(0.005)  # long enough for the other process to try the same rows
        ran.append(run.id)

    settings = Settings(database_url=url, jobs_batch=5, jobs_lease_seconds=120.0)
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        worker = Worker(settings, handlers={"race": race}, name=name)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        while await Job.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING]).exists():
            await worker.tick()
    print("\n".join(str(i) for i in ran), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
