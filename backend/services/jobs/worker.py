"""The worker each server process runs: takes due jobs, runs their handlers, records the end.

Taking a job is one short transaction that marks it RUNNING with a lease (`locked_until`) and
counts the attempt; the handler then runs with no transaction and no connection held. On
PostgreSQL the due rows are read `FOR UPDATE SKIP LOCKED`, so workers in several processes
take disjoint jobs without waiting on each other; the update is also conditional on the row
being still due, which is what keeps the one process on SQLite (no row locks) honest. A worker
that dies leaves its jobs RUNNING: once their lease has passed, any worker takes them again.
Every write that ends a run names the worker, so one that lost its lease changes nothing.

Between rounds the worker waits on an event, holding no connection: the poll interval passes,
or a job committed in this process wakes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from backend.models.jobs import Job, JobStatus
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.jobs.jobs import HANDLERS, GiveUp, Handler, JobRun
from backend.settings import Settings

log = logging.getLogger(__name__)

# A handler is stopped this far short of its lease, so no other worker takes a job that is
# still running.
LEASE_MARGIN = 0.9
PURGE_EVERY = timedelta(hours=1)
MAX_ERROR = 2000


def backoff(attempt: int, base: float, cap: float, job_id: int = 0) -> float:
    """Seconds before the attempt after `attempt` (1-based): doubling from `base` up to `cap`,
    spread by up to a tenth by the job's id so a burst of failures does not retry in step."""
    delay: float = min(cap, base * 2.0 ** (attempt - 1))
    return delay * (1 + (job_id % 11) / 100)


def _due(now: datetime) -> Q:
    return Q(status=JobStatus.PENDING, run_at__lte=now) | Q(
        status=JobStatus.RUNNING, locked_until__lte=now
    )


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        handlers: Mapping[str, Handler] | None = None,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        self.handlers = HANDLERS if handlers is None else handlers
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_purge: datetime | None = None

    # Running in the background -------------------------------------------------------------

    def start(self) -> None:
        jobs._wakers.add(self._wake)
        self._task = asyncio.create_task(self._loop(), name=f"job worker {self.name}")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Lets the running jobs finish (up to `grace_seconds`), then stops."""
        self._stopping = True
        self._wake.set()
        jobs._wakers.discard(self._wake)
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        except TimeoutError:
            # Whatever it was running keeps its lease and is taken again once that passes.
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                ran = await self.tick()
            except Exception:
                log.exception("job worker %s: a round failed", self.name)
                ran = 0
            if ran >= self.settings.jobs_batch or self._stopping:
                continue  # more may be due at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.jobs_poll_seconds)

    # One round -----------------------------------------------------------------------------

    async def tick(self) -> int:
        """Takes the jobs due now (a batch), runs them together, and answers how many ran."""
        await self._purge()
        taken = await self._take()
        if taken:
            await asyncio.gather(*(self._run(job) for job in taken))
        return len(taken)

    async def run_due(self, rounds: int = 100) -> int:
        """Rounds until nothing is due (tests and the CLI); answers how many jobs ran."""
        total = 0
        for _ in range(rounds):
            ran = await self.tick()
            total += ran
            if ran == 0:
                break
        return total

    async def _take(self) -> list[Job]:
        now = clock.now()
        lease = now + timedelta(seconds=self.settings.jobs_lease_seconds)
        async with in_transaction() as conn:
            query = (
                Job.filter(_due(now))
                .order_by("run_at", "id")
                .limit(self.settings.jobs_batch)
                .using_db(conn)
            )
            if connections.get("default").capabilities.support_for_update:
                query = query.select_for_update(skip_locked=True)
            ids = [job.id for job in await query]
            if not ids:
                return []
            await (
                Job.filter(_due(now), id__in=ids)
                .using_db(conn)
                .update(
                    status=JobStatus.RUNNING,
                    locked_until=lease,
                    locked_by=self.name,
                    attempts=F("attempts") + 1,
                )
            )
            return list(
                await Job.filter(
                    id__in=ids,
                    status=JobStatus.RUNNING,
                    locked_by=self.name,
                    locked_until=lease,
                )
                .order_by("run_at", "id")
                .using_db(conn)
            )

    async def _run(self, job: Job) -> None:
        handle = self.handlers.get(job.kind)
        if handle is None:
            await self._end(job, JobStatus.FAILED, f"no handler is registered for kind {job.kind}")
            log.error("job %s: no handler is registered for kind %s", job.id, job.kind)
            return
        run = JobRun(
            id=job.id,
            kind=job.kind,
            payload=dict(job.payload),
            attempt=job.attempts,
            settings=self.settings,
        )
        limit = self.settings.jobs_lease_seconds * LEASE_MARGIN
        try:
            await asyncio.wait_for(handle(run), limit)
        except GiveUp as exc:
            log.warning("job %s (%s) gave up: %s", job.id, job.kind, exc)
            await self._end(job, JobStatus.FAILED, _describe(exc))
        except Exception as exc:
            await self._failed(job, exc)
        else:
            await self._end(job, JobStatus.DONE, "")

    async def _failed(self, job: Job, exc: Exception) -> None:
        most = job.max_attempts or self.settings.jobs_max_attempts
        if job.attempts >= most:
            log.error("job %s (%s) failed %s times; giving up", job.id, job.kind, job.attempts)
            await self._end(job, JobStatus.FAILED, _describe(exc))
            return
        delay = backoff(
            job.attempts,
            self.settings.jobs_retry_base_seconds,
            self.settings.jobs_retry_max_seconds,
            job.id,
        )
        log.info("job %s (%s) failed, retrying in %.0f s: %s", job.id, job.kind, delay, exc)
        await self._held(job).update(
            status=JobStatus.PENDING,
            run_at=clock.now() + timedelta(seconds=delay),
            locked_until=None,
            locked_by="",
            last_error=_describe(exc),
        )

    async def _end(self, job: Job, status: JobStatus, error: str) -> None:
        changed = await self._held(job).update(
            status=status,
            finished_at=clock.now(),
            locked_until=None,
            last_error=error,
        )
        if not changed:
            log.warning("job %s ran past its lease; another worker holds it now", job.id)

    def _held(self, job: Job) -> QuerySet[Job]:
        """The job's row while this worker still holds it."""
        return Job.filter(id=job.id, status=JobStatus.RUNNING, locked_by=self.name)

    async def _purge(self) -> None:
        """Forgets finished jobs older than `jobs_keep_days`, at most once an hour."""
        now = clock.now()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY:
            return
        self._last_purge = now
        cutoff = now - timedelta(days=self.settings.jobs_keep_days)
        await Job.filter(status=JobStatus.DONE, finished_at__lt=cutoff).delete()


def _describe(exc: BaseException) -> str:
    words = str(exc) or ("timed out" if isinstance(exc, TimeoutError) else "")
    return f"{type(exc).__name__}: {words}"[:MAX_ERROR]
