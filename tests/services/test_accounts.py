"""Account services: each change and the notification it sends commit or fail together."""

from __future__ import annotations

import pytest

from backend.models.accounts import Notification, Role, User
from backend.models.events import Event
from backend.services.accounts import accounts
from backend.services.core.actors import Actor
from backend.services.notifications import notifications
from tests.conftest import PASSWORD, make_user


async def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("the inbox is down")


@pytest.mark.postgres
async def test_roles_and_their_notification_commit_together(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await make_user("admin@example.com", ["ADMIN"])
    staff = await make_user("staff@example.com", ["AUDITOR"])
    actor = Actor(user_id=admin.id, roles=frozenset({Role.ADMIN}))
    monkeypatch.setattr(notifications, "notify", _broken)
    with pytest.raises(RuntimeError):
        await accounts.set_roles(actor, staff.id, [Role.HANDLER], 1)
    assert await accounts.roles_of(staff.id) == {Role.AUDITOR}
    assert (await User.get(id=staff.id)).version == 1
    assert not await Event.filter(aggregate_type="user", aggregate_id=staff.id).exists()


@pytest.mark.postgres
async def test_a_staff_account_and_its_welcome_commit_together(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await make_user("admin@example.com", ["ADMIN"])
    actor = Actor(user_id=admin.id, roles=frozenset({Role.ADMIN}))
    monkeypatch.setattr(notifications, "notify", _broken)
    with pytest.raises(RuntimeError):
        await accounts.create_staff(
            actor, "李静", "new@example.com", None, PASSWORD, [Role.AUDITOR]
        )
    assert not await User.filter(email="new@example.com").exists()
    assert not await Event.filter(kind="STAFF_CREATED").exists()
    assert await Notification.filter().count() == 0
