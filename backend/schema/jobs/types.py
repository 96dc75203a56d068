"""A job as admins see it: what it was for, how often it was tried, and why it failed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from backend.models.jobs import Job as JobModel
from backend.models.jobs import JobStatus
from backend.schema.nodes import Node, global_id, register
from backend.services.core.actors import Actor
from backend.services.jobs.policies import can_manage_jobs

strawberry.enum(JobStatus, name="JobStatus", description="Where a background job stands.")


@strawberry.type(name="Job", description="Work done after a commit, at a time (mail, reminders).")
class JobType(Node):
    kind: str
    status: JobStatus
    key: str | None = strawberry.field(description="What the job is for; one job per key.")
    attempts: int
    last_error: str = strawberry.field(description="Why the last attempt failed.")
    run_at: datetime = strawberry.field(description="When it runs (or last ran) at the earliest.")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: JobModel) -> JobType:
        return cls(
            id=global_id("Job", job.id),
            kind=job.kind,
            status=job.status,
            key=job.key,
            attempts=job.attempts,
            last_error=job.last_error,
            run_at=job.run_at,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    if not can_manage_jobs(actor):
        return {}
    return {job.id: JobType.of(job) for job in await JobModel.filter(id__in=list(pks))}


register("Job", _load, "jobs:read")
