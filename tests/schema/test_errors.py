"""Unexpected failures are masked, carry the request id, and leak nothing."""

from __future__ import annotations

import logging

import pytest

from backend.services.notifications import notifications
from tests.conftest import Api
from tests.schema.helpers import codes


async def test_a_bug_is_masked_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await api.sign_up("赵磊", "13800138000")

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr(notifications, "unread_count", broken)
    with caplog.at_level(logging.ERROR):
        response = await api.post("{ me { name unreadNotificationCount } }")
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    assert codes(body) == ["INTERNAL_ERROR"]
    error = body["errors"][0]
    assert error["extensions"]["requestId"] == request_id
    assert request_id in error["message"]
    assert error["path"] == ["me", "unreadNotificationCount"]
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "db.internal" not in response.text
    # The rest of the answer is still there, and the details went to the log.
    assert body["data"]["me"] == {"name": "赵磊", "unreadNotificationCount": None}
    assert "hunter2" in caplog.text


async def test_a_bug_in_a_mutation_is_masked_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await api.sign_up("赵磊", "13800138000")

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(notifications, "mark_read", broken)
    response = await api.post(
        "mutation { markNotificationsRead(input: {}) { marked } }",
        headers={"X-Request-ID": "trace-abcdef123456"},
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "trace-abcdef123456"}
    assert response.headers["x-request-id"] == "trace-abcdef123456"
    assert "SELECT" not in response.text


async def test_expected_errors_are_not_masked(api: Api) -> None:
    body = (await api.post("{ notifications(first: 500) { totalCount } }")).json()
    assert codes(body) == ["BAD_PAGE_SIZE"]
    assert "requestId" not in body["errors"][0]["extensions"]


def _graphql_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("strawberry", "servicehall.graphql"))]


async def test_expected_refusals_are_logged_on_one_line_below_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    refusals = [
        "{ nothingHere }",  # validation
        '{ node(id: "not-an-id") { id } }',  # a malformed id
        "{ notifications(first: 500) { totalCount } }",  # a bad page size
        "query A { me { id } } query B { me { id } }",  # admission: which operation?
    ]
    with caplog.at_level(logging.DEBUG):
        for query in refusals:
            body = (await api.post(query)).json()
            assert "INTERNAL_ERROR" not in str(body), body
    records = _graphql_records(caplog)
    assert len(records) == len(refusals)
    assert {r.levelno for r in records} == {logging.INFO}
    assert not any(r.exc_info for r in records)
    messages = [r.getMessage() for r in records]
    assert any("BAD_PAGE_SIZE" in m for m in messages), messages
    assert any("OPERATION_NAME_REQUIRED" in m for m in messages), messages


async def test_a_bug_is_logged_at_error_with_its_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await api.sign_up("赵磊", "13800138000")

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr(notifications, "unread_count", broken)
    with caplog.at_level(logging.DEBUG):
        await api.post("{ me { unreadNotificationCount } }")
    records = _graphql_records(caplog)
    assert [r.levelno for r in records] == [logging.ERROR]
    exc_info = records[0].exc_info
    assert exc_info and isinstance(exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text
