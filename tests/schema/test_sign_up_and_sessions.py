"""Sign-up, login and logout through the real app."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx2
import pytest

from backend.app import create_app
from backend.models.accounts import User
from backend.schema.context import SESSION_COOKIE
from backend.settings import Settings
from tests.conftest import SECRET, Api

ME = "{ me { id name roles unreadNotificationCount } }"


async def test_sign_up_signs_the_applicant_in(api: Api) -> None:
    result = await api.sign_up("赵磊", "138 0013 8000")
    assert result["userErrors"] == []
    assert result["user"]["roles"] == ["APPLICANT"]
    me = (await api.gql(ME))["me"]
    assert me["name"] == "赵磊"
    assert me["unreadNotificationCount"] == 1


async def test_sign_up_reports_every_problem_at_once_in_chinese(api: Api) -> None:
    result = await api.sign_up("", "not-a-phone", "123")
    errors = {tuple(e["field"]): e for e in result["userErrors"]}
    assert set(errors) == {("name",), ("contact",), ("password",)}
    assert errors[("contact",)]["code"] == "INVALID_CONTACT"
    assert errors[("password",)]["code"] == "WEAK_PASSWORD"
    assert result["user"] is None


@pytest.mark.postgres
async def test_a_contact_signs_up_once(api: Api, new_api) -> None:
    assert (await api.sign_up("甲", "user@example.com"))["userErrors"] == []
    other = new_api()
    result = await other.sign_up("乙", "USER@example.com")
    assert [e["code"] for e in result["userErrors"]] == ["CONTACT_TAKEN"]


async def test_logout_ends_the_session(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    await api.gql("mutation { logout { ok } }")
    assert (await api.gql(ME))["me"] is None


@pytest.mark.postgres
async def test_a_session_cookie_replayed_after_logout_is_signed_out(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    stolen = api.client.cookies.get(SESSION_COOKIE)
    assert stolen
    assert (await api.gql("mutation { logout { ok } }"))["logout"]["ok"] is True
    replay = new_api()
    replay.client.cookies.set(SESSION_COOKIE, stolen)
    response = await replay.client.get("/graphql", params={"query": ME})
    assert response.json()["data"]["me"] is None


@pytest.mark.postgres
async def test_a_registered_contact_is_not_revealed_to_an_incomplete_sign_up(
    api: Api, new_api
) -> None:
    assert (await api.sign_up("甲", "13800138000"))["userErrors"] == []
    prober = new_api()
    weak = await prober.sign_up("乙", "13800138000", "123")
    assert [(e["field"], e["code"]) for e in weak["userErrors"]] == [
        (["password"], "WEAK_PASSWORD")
    ]
    nameless = await prober.sign_up("", "13800138000")
    assert [e["code"] for e in nameless["userErrors"]] == ["REQUIRED"]
    assert await User.filter(phone="13800138000").count() == 1


@pytest.fixture
async def strict_sign_ups(settings: Settings) -> Any:
    app = create_app(
        dataclasses.replace(settings, sign_ups_per_address="3/hour"), manage_database=False
    )
    clients: list[httpx2.AsyncClient] = []

    def make(address: str) -> Api:
        transport = httpx2.ASGITransport(app=app, client=(address, 50000))
        client = httpx2.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        return Api(client, SECRET)

    yield make
    for client in clients:
        await client.aclose()


@pytest.mark.postgres
async def test_sign_up_attempts_are_throttled_per_address(strict_sign_ups: Any) -> None:
    prober = strict_sign_ups("198.51.100.60")
    for phone in ("13800138001", "13800138002"):
        assert (await prober.sign_up("甲", phone, "123"))["userErrors"][0]["code"] == (
            "WEAK_PASSWORD"
        )
    assert (await prober.sign_up("甲", "13800138003"))["userErrors"] == []
    refused = await prober.sign_up("乙", "13800138004")
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(None, "TOO_MANY_SIGN_UPS")]
    assert "60" in refused["userErrors"][0]["message"]
    assert not await User.filter(phone="13800138004").exists()
    # Someone at another address signs up as usual.
    other = strict_sign_ups("198.51.100.61")
    assert (await other.sign_up("丙", "13800138004"))["userErrors"] == []


async def test_login_with_a_wrong_password_is_refused_without_saying_which_part(
    api: Api,
) -> None:
    await api.sign_up("赵磊", "13800138000")
    await api.gql("mutation { logout { ok } }")
    result = await api.login("13800138000", "wrong password")
    assert [e["code"] for e in result["userErrors"]] == ["WRONG_CREDENTIALS"]
    unknown = await api.login("13900000000", "wrong password")
    assert unknown["userErrors"][0]["message"] == result["userErrors"][0]["message"]
    assert (await api.login("13800138000"))["userErrors"] == []


async def test_the_language_is_remembered_and_an_unknown_one_refused(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    set_language = """mutation($l: String!) { setLanguage(input: {language: $l}) {
      user { language } userErrors { field code } } }"""
    refused = (await api.gql(set_language, {"l": "fr"}))["setLanguage"]
    assert refused == {"user": None, "userErrors": [{"field": ["language"], "code": "INVALID"}]}
    kept = (await api.gql(set_language, {"l": "en"}))["setLanguage"]
    assert kept == {"user": {"language": "en"}, "userErrors": []}
