"""Confirming an address: a signed, expiring link mailed to it, that names the address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from backend.models.accounts import Role, User
from backend.models.jobs import Job
from backend.services.accounts import email
from backend.services.core.actors import Actor
from backend.services.core.clock import moved_to
from backend.services.core.errors import Invalid
from backend.services.jobs.worker import Worker
from backend.services.notifications import preferences
from tests import builders
from tests.conftest import SECRET
from tests.services.jobs.helpers import START, job_settings
from tests.smtp import smtp_server, text_of

PUBLIC = "https://hall.example.cn"


@pytest.fixture
def mail_on() -> Iterator[None]:
    preferences.configure("smtp://127.0.0.1:25")
    yield
    preferences.configure(None)


def actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, roles=frozenset({Role.APPLICANT}))


def problem(exc: pytest.ExceptionInfo[Invalid]) -> tuple[str, tuple[str, ...]]:
    [found] = exc.value.problems
    return found.code, found.field


@pytest.mark.postgres
async def test_the_mailed_link_confirms_the_address_in_the_persons_language(
    db: str, mail_on: None
) -> None:
    user = await builders.user(Role.APPLICANT, "Ada")
    user.language = "en"
    await user.save()
    await email.request_confirmation(actor(user), now=START)
    await email.request_confirmation(actor(user), now=START + timedelta(minutes=1))
    assert await Job.all().count() == 1  # asking twice at once sends one mail
    with smtp_server() as (mailbox, port):
        settings = replace(
            job_settings(), smtp_url=f"smtp://127.0.0.1:{port}", public_url=PUBLIC,
            secret_key=SECRET, email_confirmation_hours=48,
        )  # fmt: skip
        with moved_to(START):
            assert await Worker(settings).run_due() == 1
    [message] = mailbox.messages
    assert message["To"] == user.email
    assert message["Subject"] == "Service Hall: Confirm your e-mail address"
    assert message["List-Unsubscribe"] is None  # not a notice: nothing to unsubscribe from
    body = text_of(message)
    assert f"To confirm that {user.email} is your e-mail address" in body
    assert "48 hours" in body
    [link] = [line for line in body.splitlines() if line.startswith(PUBLIC)]
    prefix = f"{PUBLIC}/account/confirm-email/"
    assert link.startswith(prefix)
    token = link.removeprefix(prefix)

    # Anyone with the link confirms it (the link is the proof), until it expires.
    confirmed = await email.confirm(Actor(), SECRET, token, now=START + timedelta(hours=47))
    assert confirmed.email_confirmed_at == START + timedelta(hours=47)
    with pytest.raises(Invalid) as again:
        await email.request_confirmation(actor(user))
    assert problem(again) == ("EMAIL_ALREADY_CONFIRMED", ("email",))


@pytest.mark.postgres
async def test_a_forged_expired_or_outdated_link_is_refused_with_a_clear_error(
    db: str, mail_on: None
) -> None:
    user = await builders.user(Role.APPLICANT)
    assert user.email is not None
    expires = START + timedelta(hours=48)
    token = email.confirmation_token(SECRET, user.id, user.email, expires)
    forged = [
        email.confirmation_token("another-secret-we-never-used", user.id, user.email, expires),
        email.confirmation_token(SECRET, user.id, user.email, expires)[:-3] + "abc",
        "not-a-token",
    ]
    for bad in forged:
        with pytest.raises(Invalid) as refused:
            await email.confirm(Actor(), SECRET, bad, now=START)
        assert problem(refused) == ("INVALID_LINK", ("token",))
    with pytest.raises(Invalid) as late:
        await email.confirm(Actor(), SECRET, token, now=expires)
    assert problem(late) == ("LINK_EXPIRED", ("token",))
    assert late.value.problems[0].message("en").startswith("This confirmation link has expired")
    # A link for the address the account had before confirms nothing.
    await User.filter(id=user.id).update(email="new@build.cn")
    with pytest.raises(Invalid) as outdated:
        await email.confirm(Actor(), SECRET, token, now=START)
    assert problem(outdated) == ("INVALID_LINK", ("token",))
    assert (await User.get(id=user.id)).email_confirmed_at is None


async def test_no_confirmation_without_an_address_or_a_mail_server(db: str) -> None:
    user = await builders.user(Role.APPLICANT)
    with pytest.raises(Invalid) as off:
        await email.request_confirmation(actor(user))
    assert problem(off) == ("MAIL_OFF", ("email",))
    preferences.configure("smtp://127.0.0.1:25")
    try:
        await User.filter(id=user.id).update(email=None, phone="13800000000")
        with pytest.raises(Invalid) as none:
            await email.request_confirmation(actor(user))
        assert problem(none) == ("NO_EMAIL", ("email",))
    finally:
        preferences.configure(None)
    assert await Job.all().count() == 0
