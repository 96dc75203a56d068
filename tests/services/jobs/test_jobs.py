"""Enqueueing: in the causing transaction, at most once per key, seen by admins when failed."""

from __future__ import annotations

import pytest

from backend.models.accounts import Role
from backend.models.jobs import Job, JobStatus
from backend.services.core.actors import Actor
from backend.services.core.clock import moved_to
from backend.services.core.errors import ForbiddenTransition, PermissionDenied
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun
from backend.services.jobs.policies import failed_jobs_visible_to
from tests.services.jobs.helpers import START, worker

ADMIN = Actor(user_id=1, name="admin", roles=frozenset({Role.ADMIN}))
HANDLER = Actor(user_id=2, name="handler", roles=frozenset({Role.HANDLER}))


class Boom(RuntimeError):
    pass


@pytest.mark.postgres
async def test_a_job_exists_only_if_its_transaction_commits(db: str) -> None:
    with moved_to(START):
        with pytest.raises(Boom):
            async with in_transaction() as conn:
                await jobs.enqueue(conn, "noted", {"n": 1})
                raise Boom
        assert await Job.all().count() == 0
        async with in_transaction() as conn:
            assert await jobs.enqueue(conn, "noted", {"n": 2})
        job = await Job.get()
        assert (job.kind, job.payload, job.status) == ("noted", {"n": 2}, JobStatus.PENDING)
        assert job.run_at == START


@pytest.mark.postgres
async def test_a_key_enqueues_a_job_once(db: str) -> None:
    with moved_to(START):
        async with in_transaction() as conn:
            assert await jobs.enqueue(conn, "remind", {"n": 1}, key="remind:7")
            assert not await jobs.enqueue(conn, "remind", {"n": 2}, key="remind:7")
        async with in_transaction() as conn:
            assert not await jobs.enqueue(conn, "remind", {"n": 3}, key="remind:7")
            assert await jobs.enqueue(conn, "remind", {"n": 4}, key="remind:8")
        rows = await Job.all().order_by("id").values_list("key", "payload")
        assert rows == [("remind:7", {"n": 1}), ("remind:8", {"n": 4})]


async def test_a_bad_kind_is_a_bug(db: str) -> None:
    async with in_transaction() as conn:
        with pytest.raises(ValueError, match="kind"):
            await jobs.enqueue(conn, "", {})
        with pytest.raises(ValueError, match="kind"):
            await jobs.enqueue(conn, "k" * 51, {})


async def _a_failed_job() -> Job:
    async def refuse(run: JobRun) -> None:
        raise jobs.GiveUp("the address is refused for good")

    async with in_transaction() as conn:
        await jobs.enqueue(conn, "refuse", {})
    assert await worker({"refuse": refuse}).tick() == 1
    return await Job.get()


@pytest.mark.postgres
async def test_failed_jobs_are_for_admins_and_an_admin_can_run_one_again(db: str) -> None:
    with moved_to(START) as clock:
        failed = await _a_failed_job()
        assert failed.status is JobStatus.FAILED
        assert [j.id for j in await failed_jobs_visible_to(ADMIN)] == [failed.id]
        assert await failed_jobs_visible_to(HANDLER).count() == 0
        with pytest.raises(PermissionDenied):
            await jobs.retry(HANDLER, failed.id)

        clock.move(hours=1)
        again = await jobs.retry(ADMIN, failed.id)
        assert (again.status, again.attempts, again.run_at) == (JobStatus.PENDING, 0, clock.now())
        assert await failed_jobs_visible_to(ADMIN).count() == 0
        with pytest.raises(ForbiddenTransition):
            await jobs.retry(ADMIN, failed.id)  # not failed (any more)
