"""Work that happens after a commit and at a time: one row per job, run by the worker."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class JobStatus(StrEnum):
    PENDING = "PENDING"  # waiting for `run_at`
    RUNNING = "RUNNING"  # a worker holds it until `locked_until`
    DONE = "DONE"
    FAILED = "FAILED"  # gave up: out of attempts, or nothing handles its kind


class Job(Model):
    """A job, written in the transaction that causes it: the row is all its state.

    A restarted process carries on where the last one stopped.
    """

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=50)
    payload: dict[str, object] = fields.JSONField(default=dict)
    # Enqueueing a job whose key is already in the table does nothing.
    key = fields.CharField(max_length=200, null=True, unique=True)
    status = fields.CharEnumField(JobStatus, max_length=10, default=JobStatus.PENDING)
    run_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    # None: the worker's `jobs_max_attempts`.
    max_attempts = fields.IntField(null=True)
    locked_until = fields.DatetimeField(null=True)
    locked_by = fields.CharField(max_length=100, default="")
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "jobs"
        indexes = (("status", "run_at"),)
