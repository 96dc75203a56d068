"""The worker: due jobs run once, failures retry with backoff and give up, a dead worker's
jobs are taken again after its lease, and a commit wakes an idle worker."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from backend.models.jobs import Job, JobStatus
from backend.services.core.clock import moved_to
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun
from backend.services.jobs.worker import backoff
from tests.services.jobs.helpers import START, worker


async def _enqueue(kind: str, **extra: object) -> None:
    async with in_transaction() as conn:
        await jobs.enqueue(conn, kind, {}, **extra)  # type: ignore[arg-type]


@pytest.mark.postgres
async def test_a_job_runs_when_it_is_due_and_once(db: str) -> None:
    with moved_to(START) as clock:
        ran: list[int] = []

        async def note(run: JobRun) -> None:
            ran.append(run.attempt)

        later = START + timedelta(hours=24)
        await _enqueue("note", run_at=later)
        w = worker({"note": note})
        assert await w.tick() == 0
        clock.set(later - timedelta(seconds=1))
        assert await w.tick() == 0
        clock.set(later)
        assert await w.tick() == 1
        assert await w.tick() == 0
        assert ran == [1]
        job = await Job.get()
        assert (job.status, job.attempts, job.finished_at) == (JobStatus.DONE, 1, later)


def test_backoff_doubles_up_to_the_cap_spread_by_at_most_a_tenth() -> None:
    assert backoff(1, 30, 3600) == 30
    assert backoff(4, 30, 3600) == 240
    assert backoff(20, 30, 3600) == 3600
    spread = {backoff(3, 30, 3600, job_id) for job_id in range(50)}
    assert len(spread) > 5 and min(spread) == 120 and max(spread) <= 132


@pytest.mark.postgres
async def test_a_failing_job_retries_with_backoff_then_succeeds(db: str) -> None:
    with moved_to(START) as clock:
        attempts: list[int] = []

        async def flaky(run: JobRun) -> None:
            attempts.append(run.attempt)
            if run.attempt < 3:
                raise ConnectionRefusedError("the server is down")

        await _enqueue("flaky")
        w = worker({"flaky": flaky})
        assert await w.tick() == 1
        job = await Job.get()
        assert job.status is JobStatus.PENDING and job.attempts == 1
        assert job.run_at == START + timedelta(seconds=backoff(1, 30, 3600, job.id))
        assert "ConnectionRefusedError: the server is down" in job.last_error
        assert await w.tick() == 0  # not due yet
        clock.set(job.run_at)
        assert await w.tick() == 1
        second = await Job.get()
        assert second.run_at == job.run_at + timedelta(seconds=backoff(2, 30, 3600, job.id))
        assert second.run_at - job.run_at > job.run_at - START  # it waits longer each time
        clock.set(second.run_at)
        assert await w.tick() == 1
        done = await Job.get()
        assert (done.status, done.attempts) == (JobStatus.DONE, 3)
        assert attempts == [1, 2, 3]


@pytest.mark.postgres
async def test_a_job_that_keeps_failing_gives_up_after_its_attempts(db: str) -> None:
    with moved_to(START) as clock:
        calls = 0

        async def broken(run: JobRun) -> None:
            nonlocal calls
            calls += 1
            raise RuntimeError(f"attempt {run.attempt} failed")

        await _enqueue("broken")
        w = worker({"broken": broken}, jobs_max_attempts=4)
        for _ in range(10):
            await w.tick()
            clock.move(hours=2)
        job = await Job.get()
        assert (job.status, job.attempts, calls) == (JobStatus.FAILED, 4, 4)
        assert job.last_error == "RuntimeError: attempt 4 failed"
        # A job may ask for its own number of attempts.
        await _enqueue("broken", max_attempts=2)
        for _ in range(5):
            await w.tick()
            clock.move(hours=2)
        assert await Job.filter(status=JobStatus.FAILED).values_list("attempts", flat=True) == [
            4,
            2,
        ]


@pytest.mark.postgres
async def test_give_up_and_an_unknown_kind_fail_at_once_with_a_clear_error(db: str) -> None:
    with moved_to(START):

        async def refuse(run: JobRun) -> None:
            raise jobs.GiveUp("the address is refused for good")

        await _enqueue("refuse")
        await _enqueue("nobody.handles.this")
        await worker({"refuse": refuse}).tick()
        failed = {j.kind: j for j in await Job.all()}
        assert failed["refuse"].status is JobStatus.FAILED
        assert failed["refuse"].attempts == 1
        assert failed["refuse"].last_error == "GiveUp: the address is refused for good"
        unknown = failed["nobody.handles.this"]
        assert unknown.status is JobStatus.FAILED and unknown.attempts == 1
        assert unknown.last_error == "no handler is registered for kind nobody.handles.this"


@pytest.mark.postgres
async def test_a_dead_workers_job_is_taken_by_another_once_its_lease_has_passed(db: str) -> None:
    with moved_to(START) as clock:
        ran: list[str] = []

        async def note(run: JobRun) -> None:
            ran.append(f"attempt {run.attempt}")

        await _enqueue("note")
        dead = worker({"note": note}, name="dead")
        # It takes the job (lease and all) and dies before running it.
        taken = await dead._take()
        assert [j.locked_by for j in taken] == ["dead"]
        survivor = worker({"note": note}, name="survivor")
        assert await survivor.tick() == 0  # the lease still holds
        clock.move(seconds=299)
        assert await survivor.tick() == 0
        clock.move(seconds=1)
        assert await survivor.tick() == 1
        assert ran == ["attempt 2"]  # the dead worker's take counted as an attempt
        job = await Job.get()
        assert (job.status, job.locked_by) == (JobStatus.DONE, "survivor")
        # Had the first worker only been slow, its late report changes nothing now.
        await dead._end(taken[0], JobStatus.FAILED, "late")
        assert (await Job.get()).status is JobStatus.DONE


@pytest.mark.postgres
async def test_the_worker_state_survives_a_restart(db: str) -> None:
    """Nothing lives in the worker: a new one (a restarted process) picks up the retry."""
    with moved_to(START) as clock:
        calls: list[int] = []

        async def flaky(run: JobRun) -> None:
            calls.append(run.attempt)
            if run.attempt == 1:
                raise OSError("down")

        await _enqueue("flaky")
        await worker({"flaky": flaky}, name="before").tick()
        clock.move(hours=1)
        assert await worker({"flaky": flaky}, name="after").tick() == 1
        assert calls == [1, 2]
        assert (await Job.get()).status is JobStatus.DONE


async def test_a_handler_that_outruns_its_lease_is_stopped_and_retried(db: str) -> None:
    with moved_to(START):

        async def stuck(run: JobRun) -> None:
            await asyncio.sleep(60)

        await _enqueue("stuck")
        await worker({"stuck": stuck}, jobs_lease_seconds=0.2).tick()
        job = await Job.get()
        assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
        assert job.last_error.startswith("TimeoutError")


@pytest.mark.postgres
async def test_a_batch_runs_together_and_every_job_once(db: str) -> None:
    with moved_to(START):
        ran: Counter[int] = Counter()

        async def note(run: JobRun) -> None:
            await asyncio.sleep(0.01)
            ran[run.payload["n"]] += 1

        async with in_transaction() as conn:
            for n in range(20):
                await jobs.enqueue(conn, "note", {"n": n})
        w = worker({"note": note}, jobs_batch=8)
        assert [await w.tick() for _ in range(4)] == [8, 8, 4, 0]
        assert ran == Counter(range(20))


@pytest.mark.postgres
async def test_an_idle_worker_is_woken_by_a_commit_and_not_before(db: str) -> None:
    with moved_to(START):
        ran = asyncio.Event()

        async def note(run: JobRun) -> None:
            ran.set()

        w = worker({"note": note}, jobs_poll_seconds=60.0)
        w.start()
        try:
            await asyncio.sleep(0.05)  # its first round found nothing; it waits a minute
            async with in_transaction() as conn:
                await jobs.enqueue(conn, "note", {})
                assert not w._wake.is_set()
                await asyncio.sleep(0.2)
                assert not ran.is_set()  # not committed: nothing to wake for
            await asyncio.wait_for(ran.wait(), 5)
        finally:
            await w.stop()
        assert (await Job.get()).status is JobStatus.DONE


async def test_stopping_lets_a_running_job_finish(db: str) -> None:
    with moved_to(START):
        started, finished = asyncio.Event(), asyncio.Event()

        async def slow(run: JobRun) -> None:
            started.set()
            await asyncio.sleep(0.2)
            finished.set()

        async with in_transaction() as conn:
            await jobs.enqueue(conn, "slow", {})
        w = worker({"slow": slow})
        w.start()
        await asyncio.wait_for(started.wait(), 5)
        await w.stop(grace_seconds=5)
        assert finished.is_set()
        assert (await Job.get()).status is JobStatus.DONE


@pytest.mark.postgres
async def test_finished_jobs_are_forgotten_after_the_kept_days_failed_ones_are_not(
    db: str,
) -> None:
    with moved_to(START) as clock:

        async def note(run: JobRun) -> None:
            if run.payload.get("fail"):
                raise jobs.GiveUp("no")

        async with in_transaction() as conn:
            await jobs.enqueue(conn, "note", {}, key="k1")
            await jobs.enqueue(conn, "note", {"fail": True})
        w = worker({"note": note}, jobs_keep_days=14)
        await w.tick()
        clock.move(days=13)
        await worker({"note": note}).tick()
        assert await Job.all().count() == 2
        clock.move(days=2)
        await worker({"note": note}).tick()
        assert await Job.all().values_list("status", flat=True) == [JobStatus.FAILED]
