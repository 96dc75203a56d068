"""`retryJob`: an admin runs a failed job again."""

from __future__ import annotations

import strawberry

from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.jobs.errors import JobError
from backend.schema.jobs.types import JobType
from backend.schema.relay import decode_id_of
from backend.services.core.errors import Invalid
from backend.services.jobs import jobs


@strawberry.input
class RetryJobInput:
    job_id: strawberry.ID


@strawberry.type
class JobPayload:
    job: JobType | None
    user_errors: list[JobError]


@strawberry.type
class JobMutations:
    @strawberry.mutation(description="Runs a failed job again, its attempts counted afresh.")
    async def retry_job(self, info: strawberry.Info, input: RetryJobInput) -> JobPayload:
        context = context_of(info)

        async def change() -> JobPayload:
            job_id = decode_id_of(input.job_id, "Job")
            if job_id is None:
                raise Invalid.at("jobId", "NOT_FOUND")
            job = await jobs.retry(context.actor, job_id)
            return JobPayload(job=JobType.of(job), user_errors=[])

        return await run_mutation(
            info, JobError, change, lambda errors: JobPayload(job=None, user_errors=errors)
        )
