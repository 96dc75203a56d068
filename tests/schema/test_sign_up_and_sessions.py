"""Sign-up, login and logout through the real app."""

from __future__ import annotations

import pytest

from tests.conftest import Api

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
