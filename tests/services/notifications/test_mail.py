"""Notices by e-mail: received by a real SMTP server, in the reader's language, with the link
to what they are about; sent by the worker, so a mail server that is down delays the mail and
never the action."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backend.i18n import translate
from backend.models.accounts import Notification, Role, User
from backend.models.jobs import Job, JobStatus
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.core.clock import moved_to
from backend.services.jobs.worker import Worker
from backend.services.notifications import mail, notifications, preferences
from backend.settings import Settings
from tests import builders
from tests.conftest import SECRET
from tests.schema.order_helpers import Park, open_order, park
from tests.services.jobs.helpers import START, job_settings
from tests.smtp import free_port, html_of, smtp_server, text_of

PUBLIC = "https://hall.example.cn"


@pytest.fixture
def mail_on() -> Iterator[None]:
    preferences.configure("smtp://127.0.0.1:25")
    yield
    preferences.configure(None)


def mail_settings(port: int) -> Settings:
    return replace(
        job_settings(), smtp_url=f"smtp://127.0.0.1:{port}", public_url=PUBLIC, secret_key=SECRET
    )


async def wants_email(user: User, language: str = "zh-CN") -> User:
    user.language = language
    user.email_confirmed_at = datetime(2026, 11, 1, tzinfo=UTC)
    user.email_notifications = True
    await user.save()
    return user


async def _two_orders(p: Park) -> dict[int, Order]:
    """One order for each handler (least-loaded first): handler id → their order."""
    opened = [await open_order(p), await open_order(p)]
    return {o.assignee_id: o for o in opened if o.assignee_id is not None}


@pytest.mark.postgres
async def test_a_notice_arrives_by_mail_in_the_readers_language_with_its_link(
    db: str, mail_on: None
) -> None:
    p = await park(handlers=2)
    chinese = await wants_email(p.handlers[0], "zh-CN")
    english = await wants_email(p.handlers[1], "en")
    orders = await _two_orders(p)
    assert set(orders) == {chinese.id, english.id}
    with smtp_server() as (mailbox, port), moved_to(START):
        assert await Worker(mail_settings(port)).run_due() == 2
    assert len(mailbox.messages) == 2

    zh_number, en_number = orders[chinese.id].number, orders[english.id].number
    [zh] = mailbox.to(chinese.email or "")
    zh_words = translate("zh-CN", "Order {number} was assigned to you.", number=zh_number)
    assert zh_words != f"Order {zh_number} was assigned to you."  # really Chinese
    assert zh["Subject"] == f"服务大厅: {zh_words}"
    assert zh_words in text_of(zh) and zh_words in html_of(zh)
    assert f"{chinese.name}，您好" in text_of(zh)
    assert f"{PUBLIC}/orders/{zh_number}" in text_of(zh)
    assert f'href="{PUBLIC}/orders/{zh_number}"' in html_of(zh)

    [en] = mailbox.to(english.email or "")
    assert en["Subject"] == f"Service Hall: Order {en_number} was assigned to you."
    assert f"Hello {english.name}," in text_of(en)
    assert f"Open it: {PUBLIC}/orders/{en_number}" in text_of(en)
    assert f'href="{PUBLIC}/orders/{en_number}"' in html_of(en)
    # RFC 8058: a one-click unsubscribe link the mail program can POST to.
    assert en["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = en["List-Unsubscribe"].strip("<>")
    assert stop.startswith(f"{PUBLIC}/mail/unsubscribe/") and stop in text_of(en)
    assert zh["List-Unsubscribe"] != en["List-Unsubscribe"]
    assert await Job.filter(status=JobStatus.DONE).count() == 2


@pytest.mark.postgres
async def test_with_the_mail_server_down_the_action_succeeds_and_the_mail_goes_once_it_is_back(
    db: str, mail_on: None
) -> None:
    p = await park(handlers=1)
    handler = await wants_email(p.handlers[0], "en")
    port = free_port()  # nothing listens there yet
    order = await open_order(p)  # the action: nothing waits for the mail server
    assert order.assignee_id == handler.id
    with moved_to(START) as clock:
        worker = Worker(mail_settings(port))
        assert await worker.tick() == 1
        job = await Job.get(kind=notifications.MAIL_NOTICE)
        assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
        assert "ConnectionRefusedError" in job.last_error
        clock.move(minutes=10)
        assert await worker.tick() == 1  # still down: it waits longer
        job = await Job.get(kind=notifications.MAIL_NOTICE)
        assert (job.status, job.attempts) == (JobStatus.PENDING, 2)
        with smtp_server(port) as (mailbox, _):
            assert await worker.tick() == 0  # not due yet
            clock.set(job.run_at)
            assert await worker.tick() == 1
        [message] = mailbox.messages
        assert f"{PUBLIC}/orders/{order.number}" in text_of(message)
        assert (await Job.get(kind=notifications.MAIL_NOTICE)).status is JobStatus.DONE


@pytest.mark.postgres
async def test_only_a_person_who_chose_mail_for_a_confirmed_address_gets_a_mail_job(
    db: str, mail_on: None
) -> None:
    chose = await wants_email(await builders.user(Role.HANDLER))
    in_app = await builders.user(Role.HANDLER)
    unconfirmed = await wants_email(await builders.user(Role.HANDLER))
    unconfirmed.email_confirmed_at = None
    await unconfirmed.save()
    for user in (chose, in_app, unconfirmed):
        await notifications.notify(user.id, "TEAM_JOINED", {"team": "一组"})
    notice = await Notification.get(user_id=chose.id)
    assert await Job.all().values_list("kind", "payload") == [
        ("mail.notice", {"notificationId": notice.id})
    ]
    preferences.configure(None)  # no mail server: nobody gets mail, whatever they chose
    await notifications.notify(chose.id, "TEAM_JOINED", {"team": "二组"})
    assert await Job.all().count() == 1


@pytest.mark.postgres
async def test_a_mail_queued_before_the_person_stopped_email_is_not_sent(
    db: str, mail_on: None
) -> None:
    user = await wants_email(await builders.user(Role.HANDLER))
    await notifications.notify(user.id, "TEAM_JOINED", {"team": "一组"})
    token = preferences.unsubscribe_token(SECRET, user.id)
    await preferences.unsubscribe(Actor(), SECRET, token)
    with smtp_server() as (mailbox, port), moved_to(START):
        assert await Worker(mail_settings(port)).run_due() == 1
    assert mailbox.messages == []
    assert (await Job.get(kind=notifications.MAIL_NOTICE)).status is JobStatus.DONE


@pytest.mark.postgres
async def test_an_address_the_server_refuses_for_good_gives_the_job_up(
    db: str, mail_on: None
) -> None:
    user = await wants_email(await builders.user(Role.HANDLER))
    await notifications.notify(user.id, "TEAM_JOINED", {"team": "一组"})
    with smtp_server() as (mailbox, port), moved_to(START):
        mailbox.refuse = "550 5.1.1 No such mailbox"
        await Worker(mail_settings(port)).tick()
    job = await Job.get(kind=notifications.MAIL_NOTICE)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert "refused the address" in job.last_error


def test_smtp_urls_name_the_server_the_security_and_the_login() -> None:
    plain = mail.SmtpServer.parse("smtp://mail.park.cn")
    assert (plain.scheme, plain.host, plain.port, plain.username) == (
        "smtp", "mail.park.cn", 25, None,
    )  # fmt: skip
    tls = mail.SmtpServer.parse("smtp+starttls://hall%40park.cn:p%2Fss@mail.park.cn:2525")
    assert (tls.port, tls.username, tls.password) == (2525, "hall@park.cn", "p/ss")
    assert mail.SmtpServer.parse("smtps://mail.park.cn").port == 465
    with pytest.raises(ValueError, match="not an SMTP URL"):
        mail.SmtpServer.parse("http://mail.park.cn")
