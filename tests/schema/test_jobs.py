"""Failed jobs in the API: admins read them and run one again; nobody else sees any."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.jobs import Job, JobStatus
from backend.services.core.clock import moved_to
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun
from tests.conftest import Api
from tests.schema.helpers import global_id, signed_in, token_client
from tests.services.jobs.helpers import START, worker

pytestmark = pytest.mark.postgres

FAILED = """{ failedJobs(first: 10) { totalCount edges { node {
    id kind status attempts lastError key } } } }"""
RETRY = """mutation($id: ID!) { retryJob(input: {jobId: $id}) {
    job { status attempts lastError } userErrors { field code message } } }"""


async def _failed(kind: str = "mail.notice") -> Job:
    async def refuse(run: JobRun) -> None:
        raise jobs.GiveUp("550 no such mailbox")

    with moved_to(START):
        async with in_transaction() as conn:
            await jobs.enqueue(conn, kind, {"notificationId": 1}, key=f"{kind}:1")
        await worker({kind: refuse}).tick()
        return await Job.get(key=f"{kind}:1")


async def test_admins_see_failed_jobs_and_run_one_again(api: Api, new_api: Any) -> None:
    job = await _failed()
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    listed = (await admin.gql(FAILED))["failedJobs"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == {
        "id": global_id("Job", job.id), "kind": "mail.notice", "status": "FAILED",
        "attempts": 1, "lastError": "GiveUp: 550 no such mailbox", "key": "mail.notice:1",
    }  # fmt: skip
    retried = (await admin.gql(RETRY, {"id": global_id("Job", job.id)}))["retryJob"]
    assert retried == {
        "job": {"status": "PENDING", "attempts": 0, "lastError": ""},
        "userErrors": [],
    }
    assert (await admin.gql(FAILED))["failedJobs"]["totalCount"] == 0
    again = (await admin.gql(RETRY, {"id": global_id("Job", job.id)}))["retryJob"]
    assert [e["code"] for e in again["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    missing = (await admin.gql(RETRY, {"id": global_id("Job", 999999)}))["retryJob"]
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]


async def test_nobody_but_admins_sees_or_retries_failed_jobs(api: Api, new_api: Any) -> None:
    job = await _failed()
    supervisor = await signed_in(new_api, "sup@example.cn", ["SUPERVISOR"])
    assert (await supervisor.gql(FAILED))["failedJobs"] == {"totalCount": 0, "edges": []}
    node = await supervisor.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": global_id("Job", job.id)}
    )
    assert node["node"] is None
    refused = (await supervisor.gql(RETRY, {"id": global_id("Job", job.id)}))["retryJob"]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    anonymous = (await api.gql(RETRY, {"id": global_id("Job", job.id)}))["retryJob"]
    assert [e["code"] for e in anonymous["userErrors"]] == ["NOT_AUTHENTICATED"]
    assert (await Job.get(id=job.id)).status is JobStatus.FAILED


async def test_an_admins_token_needs_the_jobs_scope(api: Api, new_api: Any) -> None:
    await _failed()
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    without = await token_client(new_api, admin, ["accounts:read"])
    body = (await without.post(FAILED)).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"
    with_scope = await token_client(new_api, admin, ["jobs:read"])
    assert (await with_scope.gql(FAILED))["failedJobs"]["totalCount"] == 1
