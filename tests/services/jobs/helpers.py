"""A worker with test settings and its own handlers; tests move the process clock
(`backend.services.core.clock.moved_to`) from START."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from backend.services.jobs.jobs import Handler
from backend.services.jobs.worker import Worker
from backend.settings import Settings

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def job_settings(**changes: object) -> Settings:
    base = Settings(
        jobs_poll_seconds=60.0,
        jobs_lease_seconds=300.0,
        jobs_batch=8,
        jobs_max_attempts=4,
        jobs_retry_base_seconds=30.0,
        jobs_retry_max_seconds=3600.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def worker(
    handlers: Mapping[str, Handler],
    name: str = "test-worker",
    **changes: object,
) -> Worker:
    return Worker(job_settings(**changes), handlers=handlers, name=name)
