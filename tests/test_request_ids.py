"""Every response names its request id, and every log line of the request carries it."""

from __future__ import annotations

import logging

import pytest

from backend.logs import RequestIdFilter
from tests.conftest import Api


async def test_each_response_carries_a_fresh_request_id(api: Api) -> None:
    first = await api.client.get("/graphql", params={"query": "{ me { id } }"})
    second = await api.client.get("/graphql", params={"query": "{ me { id } }"})
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert len(first.headers["x-request-id"]) >= 8


async def test_a_callers_request_id_is_kept_so_traces_join_up(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": "{ me { id } }"}, headers={"X-Request-ID": "trace-0123456789"}
    )
    assert response.headers["x-request-id"] == "trace-0123456789"
    hostile = await api.client.get(
        "/graphql",
        params={"query": "{ me { id } }"},
        headers={"X-Request-ID": "<script>x</script>"},
    )
    assert hostile.headers["x-request-id"] != "<script>x</script>"


async def test_every_request_gets_an_access_line_with_its_id_and_status(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="servicehall.access"):
        response = await api.client.get("/no-such-page")
    lines = [r for r in caplog.records if r.name == "servicehall.access"]
    assert len(lines) == 1
    assert lines[0].getMessage().startswith("GET /no-such-page 404 ")
    assert lines[0].request_id == response.headers["x-request-id"]


async def test_log_lines_written_during_a_request_carry_its_id(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="servicehall.http"):
        api.client.cookies.set("sh_session", "not-a-live-session")
        response = await api.client.post("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "servicehall.http"]
    assert records, "the CSRF refusal is logged"
    assert all(r.request_id == response.headers["x-request-id"] for r in records)
