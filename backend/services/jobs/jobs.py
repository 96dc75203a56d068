"""Jobs: enqueued in the transaction that causes them, handled by kind, seen by admins when
they fail.

A handler is an async function of a `JobRun`, registered for a kind with `@handler("kind")`. It
may run more than once (a worker that dies after the work and before recording it leaves the
job to be taken again), so it makes its effect safe to repeat where it can. Raising `GiveUp`
fails the job at once; any other exception retries it later, with backoff, until its attempts
are used up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.accounts import Role
from backend.models.jobs import Job, JobStatus
from backend.services.core import clock
from backend.services.core.actors import Actor, require_role
from backend.services.core.errors import ForbiddenTransition, NotFound
from backend.services.core.transactions import in_transaction, on_commit
from backend.settings import Settings


@dataclass(frozen=True)
class JobRun:
    """What a handler is given: the job's row as taken, and the worker's settings."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int  # 1 on the first run
    settings: Settings  # the worker's


Handler = Callable[[JobRun], Awaitable[None]]

# Every kind's handler, registered when its module is imported.
HANDLERS: dict[str, Handler] = {}


class GiveUp(Exception):
    """The job can never succeed (an address refused for good): fail it without retrying."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        if HANDLERS.get(kind, function) is not function:
            raise ValueError(f"job kind {kind} already has a handler")
        HANDLERS[kind] = function
        return function

    return register


# The event of each worker running in this process: set to wake it when a job is committed.
_wakers: set[Any] = set()


def wake_workers() -> None:
    for event in list(_wakers):
        event.set()


async def enqueue(
    conn: BaseDBAsyncClient,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    key: str | None = None,
    max_attempts: int | None = None,
) -> bool:
    """Adds a job in the caller's transaction (`conn`); it runs at `run_at` (now by default)
    once that commits. With a `key` already in the table, nothing is added and this answers
    False."""
    if not kind or len(kind) > 50:
        raise ValueError(f"a job kind is 1 to 50 characters: {kind!r}")
    if key is not None and await Job.filter(key=key).using_db(conn).exists():
        return False
    now = clock.now()
    job = Job(
        kind=kind,
        payload=payload or {},
        key=key,
        run_at=run_at or now,
        max_attempts=max_attempts,
        created_at=now,
    )
    if key is None:
        await job.save(using_db=conn)
    else:
        # Two transactions that both found no row: the unique key lets one in, quietly.
        await Job.bulk_create([job], ignore_conflicts=True, using_db=conn)
    on_commit(wake_workers)
    return True


async def retry(actor: Actor, job_id: int) -> Job:
    """An admin runs a failed job again, with its attempts counted afresh."""
    require_role(actor, Role.ADMIN)
    async with in_transaction() as conn:
        job = await Job.filter(id=job_id).using_db(conn).select_for_update().first()
        if job is None:
            raise NotFound()
        if job.status is not JobStatus.FAILED:
            raise ForbiddenTransition(status=job.status.value)
        job.status, job.attempts, job.run_at = JobStatus.PENDING, 0, clock.now()
        job.finished_at, job.last_error = None, ""
        await job.save(using_db=conn)
        on_commit(wake_workers)
    return job
