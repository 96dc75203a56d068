"""Who sees the jobs that failed: admins, who can run one again."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.jobs import Job, JobStatus
from backend.services.core.actors import Actor


def can_manage_jobs(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def failed_jobs_visible_to(actor: Actor) -> QuerySet[Job]:
    """Jobs that gave up, for admins (empty for anyone else)."""
    if not can_manage_jobs(actor):
        return Job.filter(id=-1)
    return Job.filter(status=JobStatus.FAILED)
