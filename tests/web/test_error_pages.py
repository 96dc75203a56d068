"""The 500 page names the request id, in the reader's language."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.conftest import Api


async def test_a_page_that_raises_gives_the_500_page_with_the_request_id(
    raw_client: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await raw_client.get("/broken", headers={"X-Request-Id": "req-test-500"})
    assert response.status_code == 500
    assert "出错了" in response.text
    assert '<code class="request-id">req-test-500</code>' in response.text
    assert "a page that raises" not in response.text
    assert any("req-test-500" in r.getMessage() for r in caplog.records)


async def test_500_page_in_english(raw_client: httpx2.AsyncClient) -> None:
    raw_client.cookies.set("sh_lang", "en")
    response = await raw_client.get("/broken")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    request_id = response.headers.get("x-request-id")
    assert request_id and f'<code class="request-id">{request_id}</code>' in response.text


async def test_api_paths_keep_json_errors(raw_client: httpx2.AsyncClient) -> None:
    response = await raw_client.get("/files/not-a-token")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


async def test_when_the_500_page_itself_fails_plain_text_still_names_the_request(
    raw_client: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web import shell

    def broken_render(self: Any, values: Any) -> str:
        raise RuntimeError("the template broke")

    # The page renders in the handler, not as it is sent, so its failure is still caught there.
    monkeypatch.setattr(shell.jinja2.Template, "render", broken_render)
    response = await raw_client.get("/broken", headers={"X-Request-Id": "req-test-plain"})
    assert response.status_code == 500
    assert response.text == "Internal Server Error (request req-test-plain)"


async def test_an_error_page_keeps_the_header_of_the_signed_in_reader(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")  # welcomed with one unread message
    response = await api.client.get("/catalog/items/not-an-id")
    assert response.status_code == 404
    assert 'id="unread-badge"' in response.text and ">1</span>" in response.text
    assert 'href="/notifications"' in response.text
