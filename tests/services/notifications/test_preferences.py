"""In-app only or e-mail too: offered for a confirmed address, stopped by the mail's link."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from backend.models.accounts import Role, User
from backend.models.events import Event
from backend.services.core.actors import Actor
from backend.services.core.errors import Invalid, NotAuthenticated
from backend.services.notifications import preferences
from tests import builders
from tests.conftest import SECRET


@pytest.fixture
def mail_on() -> Iterator[None]:
    preferences.configure("smtp://127.0.0.1:25")
    yield
    preferences.configure(None)


def actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, roles=frozenset({Role.APPLICANT}))


def code(exc: pytest.ExceptionInfo[Invalid]) -> tuple[str, tuple[str, ...]]:
    [problem] = exc.value.problems
    return problem.code, problem.field


@pytest.mark.postgres
async def test_an_unconfirmed_address_cannot_opt_in_to_email(db: str, mail_on: None) -> None:
    user = await builders.user(Role.APPLICANT)
    with pytest.raises(Invalid) as refused:
        await preferences.set_email_notifications(actor(user), True)
    assert code(refused) == ("EMAIL_NOT_CONFIRMED", ("emailToo",))
    assert not (await User.get(id=user.id)).email_notifications
    user.email_confirmed_at = datetime.now(UTC)
    await user.save()
    assert (await preferences.set_email_notifications(actor(user), True)).email_notifications
    assert (await User.get(id=user.id)).email_notifications
    assert await Event.filter(aggregate_id=user.id, kind="NOTICE_DELIVERY_SET").count() == 1
    assert not (await preferences.set_email_notifications(actor(user), False)).email_notifications


async def test_without_a_mail_server_nobody_can_opt_in(db: str) -> None:
    user = await builders.user(Role.APPLICANT)
    user.email_confirmed_at = datetime.now(UTC)
    await user.save()
    with pytest.raises(Invalid) as refused:
        await preferences.set_email_notifications(actor(user), True)
    assert code(refused) == ("MAIL_OFF", ("emailToo",))
    with pytest.raises(NotAuthenticated):
        await preferences.set_email_notifications(Actor(), False)


@pytest.mark.postgres
async def test_the_unsubscribe_link_stops_email_and_a_forged_one_is_refused(
    db: str, mail_on: None
) -> None:
    user = await builders.user(Role.APPLICANT)
    other = await builders.user(Role.APPLICANT)
    for person in (user, other):
        person.email_confirmed_at, person.email_notifications = datetime.now(UTC), True
        await person.save()
    token = preferences.unsubscribe_token(SECRET, user.id)
    forged = [
        preferences.unsubscribe_token("another-secret-key-of-another-site-entirely", user.id),
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "",
        "x" * 1000,
    ]
    for bad in forged:
        with pytest.raises(Invalid) as refused:
            await preferences.unsubscribe(Actor(), SECRET, bad)
        assert code(refused) == ("INVALID_LINK", ("token",))
    assert (await User.get(id=user.id)).email_notifications
    await preferences.unsubscribe(Actor(), SECRET, token)
    assert not (await User.get(id=user.id)).email_notifications
    assert (await User.get(id=other.id)).email_notifications
    await preferences.unsubscribe(Actor(), SECRET, token)  # a second click changes nothing
    assert await Event.filter(aggregate_id=user.id, kind="NOTICE_DELIVERY_SET").count() == 1
