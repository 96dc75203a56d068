"""The account page and the links mail carries, as plain forms; the inbox's notices as links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2
import pytest

from backend.models.accounts import User
from backend.services.core.clock import moved_to
from backend.services.jobs.worker import Worker
from backend.services.notifications import notifications, preferences
from backend.settings import Settings
from tests.conftest import Api, settings_for
from tests.services.jobs.helpers import START
from tests.smtp import Mailbox, smtp_server, text_of
from tests.web.helpers import submit

PUBLIC = "https://hall.example.cn"


@pytest.fixture
def mail() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def settings(db: str, mail: tuple[Mailbox, int]) -> Iterator[Settings]:
    yield replace(settings_for(db), smtp_url=f"smtp://127.0.0.1:{mail[1]}", public_url=PUBLIC)
    preferences.configure(None)


async def post_form(api: Api, html: str, action: str, **fields: str) -> httpx2.Response:
    """Posts the page's form for `action` as a browser does: its own hidden fields (the CSRF
    token the page rendered into it) and what the person chose."""
    form = html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert hidden.get("csrf_token"), form
    return await api.client.post(action, data={**hidden, **fields})


async def _send(settings: Settings, mailbox: Mailbox, path: str) -> str:
    """Runs the due jobs; the path (after `PUBLIC`) of the link in the last mail."""
    with moved_to(START):
        await Worker(settings).run_due()
    found = re.search(rf"{re.escape(PUBLIC)}({re.escape(path)}\S+)", text_of(mailbox.messages[-1]))
    assert found, text_of(mailbox.messages[-1])
    return found.group(1)


async def test_the_inbox_shows_each_notice_as_a_link_to_its_subject(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    user = await User.get(email="hmm@example.cn")
    await notifications.notify(user.id, "ORDER_ASSIGNED", {"number": "BJ-20261201-0001"})
    page = await api.client.get("/notifications")
    assert '<a href="/orders/BJ-20261201-0001">工单 BJ-20261201-0001 已分配给您。</a>' in page.text
    assert '<a href="/enterprises/new">' in page.text  # the welcome: register an enterprise


async def test_confirm_the_address_and_choose_email_with_plain_forms(
    api: Api, new_api: Any, settings: Settings, mail: tuple[Mailbox, int]
) -> None:
    mailbox, _ = mail
    await api.sign_up("韩梅梅", "hmm@example.cn")
    page = await api.client.get("/account")
    assert page.status_code == 200
    assert "hmm@example.cn" in page.text and "未确认" in page.text
    assert 'action="/account/confirm-email"' in page.text

    # E-mail too, before the address is confirmed: refused, in words.
    refused = await post_form(api, page.text, "/account/notifications", emailToo="true")
    assert refused.status_code == 422
    assert "请先确认您的电子邮箱" in refused.text

    sent = await post_form(api, page.text, "/account/confirm-email")
    assert sent.status_code == 303 and sent.headers["location"] == "/account"
    link = await _send(settings, mailbox, "/account/confirm-email/")
    # Opening the link only shows a button (link checkers confirm nothing); the button confirms.
    shown = await api.client.get(link)
    assert shown.status_code == 200 and f'action="{link}"' in shown.text
    assert (await User.get(email="hmm@example.cn")).email_confirmed_at is None
    confirmed = await post_form(api, shown.text, link)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/account"
    page = await api.client.get("/account")
    assert "已确认" in page.text and "您的电子邮箱已确认完成。" in page.text

    chosen = await post_form(api, page.text, "/account/notifications", emailToo="true")
    assert chosen.status_code == 303
    assert (await User.get(email="hmm@example.cn")).email_notifications


async def test_a_forged_or_changed_confirmation_link_is_refused_with_a_clear_error(
    api: Api,
) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    response = await submit(api, "/account/confirm-email/not-a-real-token", {})
    assert response.status_code == 422
    assert "此链接无效" in response.text
    assert (await User.get(email="hmm@example.cn")).email_confirmed_at is None


async def test_the_mails_unsubscribe_link_stops_email_in_one_click(
    api: Api, settings: Settings, mail: tuple[Mailbox, int], app: Any
) -> None:
    mailbox, _ = mail
    await api.sign_up("韩梅梅", "hmm@example.cn")
    user = await User.get(email="hmm@example.cn")
    user.email_confirmed_at, user.email_notifications = START, True
    await user.save()
    await notifications.notify(user.id, "TEAM_JOINED", {"team": "一组"})
    link = await _send(settings, mailbox, "/mail/unsubscribe/")
    assert mailbox.messages[-1]["List-Unsubscribe"] == f"<{PUBLIC}{link}>"

    # A mail program posts RFC 8058's body itself: no cookies, no CSRF token.
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as mailer:
        forged = await mailer.post(
            "/mail/unsubscribe/forged", data={"List-Unsubscribe": "One-Click"}
        )
        assert forged.status_code == 422 and "此链接无效" in forged.text
        assert (await User.get(id=user.id)).email_notifications
        stopped = await mailer.post(link, data={"List-Unsubscribe": "One-Click"})
    assert stopped.status_code == 200
    assert "您将不再收到电子邮件通知" in stopped.text
    assert not (await User.get(id=user.id)).email_notifications
    # Nothing else is exempt from CSRF that way.
    other = await api.client.post("/account/notifications", data={"emailToo": "false"})
    assert other.status_code == 403


async def test_the_unsubscribe_link_opened_in_a_browser_asks_first(
    api: Api, settings: Settings
) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    user = await User.get(email="hmm@example.cn")
    token = preferences.unsubscribe_token(settings.secret_key, user.id)
    page = await api.client.get(f"/mail/unsubscribe/{token}")
    assert page.status_code == 200
    assert "停止电子邮件" in page.text
    stopped = await post_form(api, page.text, f"/mail/unsubscribe/{token}")
    assert stopped.status_code == 200 and "您将不再收到电子邮件通知" in stopped.text


async def test_without_a_mail_server_the_account_page_offers_no_email(
    api: Api, settings: Settings, app: Any
) -> None:
    preferences.configure(None)
    await api.sign_up("韩梅梅", "hmm@example.cn")
    page = await api.client.get("/account")
    assert "本园区不发送电子邮件" in page.text
    assert 'action="/account/notifications"' not in page.text


async def test_the_account_page_needs_a_sign_in(api: Api) -> None:
    response = await api.client.get("/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
