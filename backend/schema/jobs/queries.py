"""`failedJobs`: the jobs that gave up, newest first; admins only (empty for anyone else)."""

from __future__ import annotations

import strawberry

from backend.schema.context import context_of
from backend.schema.jobs.types import JobType
from backend.schema.relay import Connection, connection, fetch_page
from backend.services.jobs.policies import failed_jobs_visible_to


@strawberry.type
class JobQueries:
    @strawberry.field(description="Background jobs that gave up, newest first; admins only.")
    async def failed_jobs(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[JobType]:
        query = failed_jobs_visible_to(context_of(info).actor)
        page = await fetch_page(query, first=first, after=after)
        return connection(page, JobType.of, query)
