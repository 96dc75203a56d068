"""E-mail through the API: confirm the address by the mailed link, then choose e-mail too;
stop it by the unsubscribe link. Each refusal a userError."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from backend.models.accounts import User
from backend.services.core.clock import moved_to
from backend.services.jobs.worker import Worker
from backend.services.notifications import notifications, preferences
from backend.settings import Settings
from tests.conftest import Api, settings_for
from tests.schema.helpers import signed_in
from tests.services.jobs.helpers import START
from tests.smtp import Mailbox, smtp_server, text_of

pytestmark = pytest.mark.postgres

PUBLIC = "https://hall.example.cn"
ME = "{ me { email emailConfirmed emailNotifications emailOffered } }"
REQUEST = """mutation { requestEmailConfirmation {
    user { emailConfirmed } userErrors { field code message } } }"""
CONFIRM = """mutation($token: String!) { confirmEmail(input: {token: $token}) {
    user { emailConfirmed } userErrors { field code message } } }"""
CHOOSE = """mutation($on: Boolean!) { setNotificationPreference(input: {emailToo: $on}) {
    emailToo userErrors { field code message } } }"""
STOP = """mutation($token: String!) { unsubscribeFromEmail(input: {token: $token}) {
    emailToo userErrors { field code message } } }"""


@pytest.fixture
def mail() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def settings(db: str, mail: tuple[Mailbox, int]) -> Iterator[Settings]:
    yield replace(settings_for(db), smtp_url=f"smtp://127.0.0.1:{mail[1]}", public_url=PUBLIC)
    preferences.configure(None)


def errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def _mailed_token(settings: Settings, mailbox: Mailbox, path: str) -> str:
    with moved_to(START):
        await Worker(settings).run_due()
    found = re.search(rf"{re.escape(PUBLIC)}{path}(\S+)", text_of(mailbox.messages[-1]))
    assert found, text_of(mailbox.messages[-1])
    return found.group(1)


async def test_confirm_by_the_mailed_link_then_choose_email_then_stop_it_by_its_link(
    api: Api, new_api: Any, settings: Settings, mail: tuple[Mailbox, int]
) -> None:
    mailbox, _ = mail
    await api.sign_up("韩梅梅", "hmm@example.cn")
    me = (await api.gql(ME))["me"]
    assert me == {
        "email": "hmm@example.cn", "emailConfirmed": False, "emailNotifications": False,
        "emailOffered": True,
    }  # fmt: skip

    refused = (await api.gql(CHOOSE, {"on": True}))["setNotificationPreference"]
    assert errors(refused) == [(["emailToo"], "EMAIL_NOT_CONFIRMED")]
    assert refused["userErrors"][0]["message"] == "请先确认您的电子邮箱：打开我们发到该邮箱的链接。"

    requested = (await api.gql(REQUEST))["requestEmailConfirmation"]
    assert requested == {"user": {"emailConfirmed": False}, "userErrors": []}
    token = await _mailed_token(settings, mailbox, "/account/confirm-email/")
    assert mailbox.messages[-1]["To"] == "hmm@example.cn"

    forged = (await new_api().gql(CONFIRM, {"token": token[:-4] + "AAAA"}))["confirmEmail"]
    assert errors(forged) == [(["token"], "INVALID_LINK")]
    # The link works in a browser that is not signed in; it answers no one's account there.
    confirmed = (await new_api().gql(CONFIRM, {"token": token}))["confirmEmail"]
    assert confirmed == {"user": None, "userErrors": []}
    assert (await api.gql(ME))["me"]["emailConfirmed"] is True
    again = (await api.gql(REQUEST))["requestEmailConfirmation"]
    assert errors(again) == [(["email"], "EMAIL_ALREADY_CONFIRMED")]

    chosen = (await api.gql(CHOOSE, {"on": True}))["setNotificationPreference"]
    assert chosen == {"emailToo": True, "userErrors": []}
    user = await User.get(email="hmm@example.cn")
    await notifications.notify(user.id, "TEAM_JOINED", {"team": "一组"})
    stop = await _mailed_token(settings, mailbox, "/mail/unsubscribe/")
    assert mailbox.messages[-1]["List-Unsubscribe"] == f"<{PUBLIC}/mail/unsubscribe/{stop}>"

    bad = (await new_api().gql(STOP, {"token": "made-up"}))["unsubscribeFromEmail"]
    assert errors(bad) == [(["token"], "INVALID_LINK")]
    stopped = (await new_api().gql(STOP, {"token": stop}))["unsubscribeFromEmail"]
    assert stopped == {"emailToo": False, "userErrors": []}
    assert (await api.gql(ME))["me"]["emailNotifications"] is False


async def test_an_admin_sees_whether_the_address_is_confirmed_and_not_the_choice(
    api: Api, new_api: Any
) -> None:
    signed = await api.sign_up("韩梅梅", "hmm@example.cn")
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    query = """query($id: ID!) { node(id: $id) { ... on User {
        emailConfirmed emailNotifications emailOffered } } }"""
    by_admin = (await admin.gql(query, {"id": signed["user"]["id"]}))["node"]
    assert by_admin == {"emailConfirmed": False, "emailNotifications": None, "emailOffered": None}


async def test_signed_out_people_cannot_request_or_choose(api: Api) -> None:
    request = (await api.gql(REQUEST))["requestEmailConfirmation"]
    assert errors(request) == [(None, "NOT_AUTHENTICATED")]
    choose = (await api.gql(CHOOSE, {"on": False}))["setNotificationPreference"]
    assert errors(choose) == [(None, "NOT_AUTHENTICATED")]
