"""What a reader types into an address or a form, when the API refuses it (web/shell.py `run`):
a malformed id or cursor, or a missing one, is the 404 page; refused text is the 400 page. The
access line carries the status really sent, and no exception escapes the app (an escaped one
ends the keep-alive connection)."""

from __future__ import annotations

import logging

import httpx2
import pytest

from backend.logs import RequestIdFilter
from backend.models.accounts import User
from tests.conftest import PASSWORD, Api, make_user
from tests.web.helpers import sign_in_by_form, submit


@pytest.fixture
async def admin(api: Api) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    assert (await sign_in_by_form(api, "admin@example.cn", PASSWORD)).status_code == 303
    return api


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "servicehall.access"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "path", ["/catalog/items/x", "/catalog/categories/x", "/catalog?after=zzz", "/catalog/items/"]
)
async def test_a_malformed_address_is_the_404_page_for_anyone(
    api: Api, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO, logger="servicehall.access"):
        response = await api.client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.text or "Page not found" in response.text
    [line] = access_lines(caplog)
    assert line.startswith(f"GET {path.split('?')[0]} 404 ")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "path",
    [
        "/admin/catalog/items/new",
        "/admin/catalog/items/new?category=",
        "/admin/catalog/items/new?category=zzz",
        "/admin/catalog/items/x/edit",
    ],
)
async def test_a_malformed_admin_address_is_the_404_page(
    admin: Api, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO, logger="servicehall.access"):
        response = await admin.client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.text
    [line] = access_lines(caplog)
    assert line.startswith(f"GET {path.split('?')[0]} 404 ")


async def test_refused_text_in_a_query_parameter_is_the_400_page(api: Api) -> None:
    response = await api.client.get("/catalog", params={"q": "a\x00b"})
    assert response.status_code == 400
    assert "提交的内容无法接受" in response.text
    api.client.cookies.set("sh_lang", "en")
    response = await api.client.get("/catalog", params={"q": "a\x1bb"})
    assert response.status_code == 400
    assert "What was sent could not be accepted" in response.text


async def test_refused_text_in_a_form_post_is_the_400_page_and_nothing_is_created(
    api: Api,
) -> None:
    fields = {"name": "张\x01三", "contact": "a@example.cn", "password": PASSWORD}
    response = await submit(api, "/signup", fields)
    assert response.status_code == 400
    assert "提交的内容无法接受" in response.text
    assert await User.all().count() == 0


async def test_a_name_posted_decomposed_is_stored_composed(api: Api) -> None:
    fields = {"name": "Ren\u0065\u0301", "contact": "b@example.cn", "password": PASSWORD}
    assert (await submit(api, "/signup", fields)).status_code == 303
    assert (await User.get()).name == "Ren\u00e9"


async def test_the_access_line_of_a_500_says_500(
    raw_client: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="servicehall.access"):
        response = await raw_client.get("/broken")
    assert response.status_code == 500
    [line] = access_lines(caplog)
    assert line.startswith("GET /broken 500 ")
