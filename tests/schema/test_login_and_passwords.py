"""Login, password changes ending other sessions, and login throttling through the real app."""

from __future__ import annotations

import pytest

from backend.models.accounts import Notification, Session, User
from backend.services.notifications import notifications
from tests.conftest import PASSWORD, Api

ME = "{ me { id name } }"
CHANGE = """mutation($input: ChangePasswordInput!) { changePassword(input: $input) {
    user { id version } userErrors { field code message } } }"""
NEW_PASSWORD = "a much better passphrase"


async def _login_codes(api: Api, identifier: str, password: str) -> list[str]:
    return [e["code"] for e in (await api.login(identifier, password))["userErrors"]]


async def test_login_signs_in_and_logout_signs_out(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    other = new_api()
    assert (await other.gql(ME))["me"] is None
    result = await other.login("13800138000")
    assert result["userErrors"] == []
    assert (await other.gql(ME))["me"]["name"] == "赵磊"
    logout = await other.gql("mutation { logout { ok } }")
    assert logout["logout"]["ok"] is True
    assert (await other.gql(ME))["me"] is None
    # Logging out one browser leaves the other signed in.
    assert (await api.gql(ME))["me"]["name"] == "赵磊"


@pytest.mark.postgres
async def test_changing_the_password_ends_the_other_sessions_only(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    laptop = new_api()
    assert (await laptop.login("13800138000"))["userErrors"] == []
    assert await Session.filter().count() == 2
    result = (
        await api.gql(CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}})
    )["changePassword"]
    assert result["userErrors"] == []
    assert result["user"]["version"] == 2
    assert (await api.gql(ME))["me"]["name"] == "赵磊"
    assert (await laptop.gql(ME))["me"] is None
    assert await Session.filter().count() == 1
    # The old password no longer works; the new one does.
    fresh = new_api("198.51.100.77")
    assert await _login_codes(fresh, "13800138000", PASSWORD) == ["WRONG_CREDENTIALS"]
    assert await _login_codes(fresh, "13800138000", NEW_PASSWORD) == []


@pytest.mark.postgres
async def test_changing_the_password_notifies_in_the_same_transaction(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.sign_up("赵磊", "13800138000")
    ok = await api.gql(
        CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}
    )
    assert ok["changePassword"]["userErrors"] == []
    assert await Notification.filter(kind="PASSWORD_CHANGED").count() == 1

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr(notifications, "notify", broken)
    response = await api.post(
        CHANGE, {"input": {"currentPassword": NEW_PASSWORD, "newPassword": PASSWORD}}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    user = await User.get(phone="13800138000")
    assert user.version == 2, "the password change was rolled back with its notification"


async def test_changing_the_password_checks_the_current_one_and_the_new_one(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    result = (
        await api.gql(CHANGE, {"input": {"currentPassword": "wrong one", "newPassword": "123"}})
    )["changePassword"]
    assert {(tuple(e["field"]), e["code"]) for e in result["userErrors"]} == {
        (("currentPassword",), "WRONG_PASSWORD"),
        (("newPassword",), "WEAK_PASSWORD"),
    }
    assert result["user"] is None


async def test_a_signed_out_visitor_cannot_change_a_password(api: Api) -> None:
    result = (
        await api.gql(CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}})
    )["changePassword"]
    assert [e["code"] for e in result["userErrors"]] == ["NOT_AUTHENTICATED"]


@pytest.mark.postgres
async def test_five_failures_throttle_the_account_from_that_address_only(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    attacker = new_api("198.51.100.20")
    for _ in range(5):
        assert await _login_codes(attacker, "13800138000", "wrong password") == [
            "WRONG_CREDENTIALS"
        ]
    response = await attacker.post(
        """mutation($i: LoginInput!) { login(input: $i) { user { id }
             userErrors { code message } } }""",
        {"i": {"identifier": "13800138000", "password": PASSWORD}},
    )
    assert response.status_code == 200
    payload = response.json()["data"]["login"]
    assert payload["user"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["THROTTLED"]
    assert "15" in payload["userErrors"][0]["message"]
    # The owner signing in from anywhere else is not locked out by the attacker.
    assert await _login_codes(new_api("198.51.100.21"), "13800138000", PASSWORD) == []


@pytest.mark.postgres
async def test_guessing_spread_over_many_addresses_trips_the_ceiling_and_tells_the_owner(
    api: Api, new_api
) -> None:
    """The test ceiling is 50 an hour; every bot stays under the five per address."""
    await api.sign_up("赵磊", "13800138000")
    for bot in range(50):
        address = f"192.0.2.{bot}"
        assert await _login_codes(new_api(address), "13800138000", "wrong") == ["WRONG_CREDENTIALS"]
    user = await User.get(phone="13800138000")
    notices = await Notification.filter(user_id=user.id, kind="SIGN_IN_PAUSED")
    assert [n.params for n in notices] == [{"minutes": 60}]
    assert await _login_codes(new_api("198.51.100.50"), "13800138000", PASSWORD) == ["THROTTLED"]
    # Tripped once, told once.
    assert await _login_codes(new_api("192.0.2.200"), "13800138000", "wrong") == ["THROTTLED"]
    assert await Notification.filter(user_id=user.id, kind="SIGN_IN_PAUSED").count() == 1
    # The owner, still signed in where they were, reads how to proceed in their language.
    inbox = await api.gql("{ notifications(first: 5) { edges { node { message } } } }")
    messages = [e["node"]["message"] for e in inbox["notifications"]["edges"]]
    assert any("暂停" in m and "60" in m for m in messages), messages
    # A browser that has signed in to the account before still can (its device cookie); one
    # that has signed in only as someone else cannot.
    await api.gql("mutation { logout { ok } }")
    assert await _login_codes(api, "13800138000", PASSWORD) == []
    someone = new_api("198.51.100.51")
    assert (await someone.sign_up("钱七", "13900139000"))["userErrors"] == []
    await someone.gql("mutation { logout { ok } }")
    assert await _login_codes(someone, "13800138000", PASSWORD) == ["THROTTLED"]


async def test_the_account_count_does_not_care_how_the_number_is_written(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    attacker = new_api("198.51.100.20")
    for spelling in [
        "13800138000",
        "138 0013 8000",
        "+8613800138000",
        "138-0013-8000",
        " 13800138000",
    ]:
        assert await _login_codes(attacker, spelling, "wrong password") == ["WRONG_CREDENTIALS"]
    assert await _login_codes(attacker, "+86 138 0013 8000", PASSWORD) == ["THROTTLED"]


async def test_a_success_clears_the_account_count(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    person = new_api("198.51.100.30")
    for _ in range(4):
        assert await _login_codes(person, "13800138000", "wrong password") == ["WRONG_CREDENTIALS"]
    assert await _login_codes(person, "13800138000", PASSWORD) == []
    for _ in range(4):
        assert await _login_codes(person, "13800138000", "wrong password") == ["WRONG_CREDENTIALS"]
    assert await _login_codes(person, "13800138000", PASSWORD) == []


async def test_login_is_throttled_after_twenty_failures_per_address(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    sprayer = new_api("198.51.100.40")
    for i in range(20):
        account = f"1390000{i // 4:04d}"  # four tries on each of five accounts
        assert await _login_codes(sprayer, account, "wrong password") == ["WRONG_CREDENTIALS"]
    assert await _login_codes(sprayer, "13800138000", PASSWORD) == ["THROTTLED"]
    # The account itself is not locked: its owner elsewhere signs in.
    assert await _login_codes(new_api("198.51.100.41"), "13800138000", PASSWORD) == []


async def test_logging_in_again_replaces_the_session(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    assert await Session.filter().count() == 1
    assert (await api.login("13800138000"))["userErrors"] == []
    assert await Session.filter().count() == 1
    assert (await api.gql(ME))["me"]["name"] == "赵磊"


@pytest.mark.postgres
async def test_sign_up_writes_the_welcome_in_the_same_transaction(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr(notifications, "notify", broken)
    response = await api.post(
        """mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }""",
        {"input": {"name": "赵磊", "contact": "13800138000", "password": PASSWORD}},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert not await User.filter(phone="13800138000").exists()


@pytest.mark.postgres
async def test_an_app_on_redis_throttles_logins(settings, redis_url: str) -> None:
    import dataclasses
    import random

    import httpx2

    from backend.app import create_app
    from tests.conftest import SECRET

    app = create_app(dataclasses.replace(settings, redis_url=redis_url), manage_database=False)
    address = f"198.18.{random.randrange(256)}.{random.randrange(256)}"
    phone = f"137{random.randrange(10**8):08d}"
    transport = httpx2.ASGITransport(app=app, client=(address, 50000))
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
            person = Api(c, SECRET)
            assert (await person.sign_up("赵磊", phone))["userErrors"] == []
            await person.gql("mutation { logout { ok } }")
            for _ in range(5):
                assert await _login_codes(person, phone, "wrong password") == ["WRONG_CREDENTIALS"]
            assert await _login_codes(person, phone, PASSWORD) == ["THROTTLED"]
    finally:
        await app.state.throttle.close()
        await app.state.cost_limiter.close()
