"""Sessions: expired ones are deleted, not just refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.models.accounts import Role, Session
from backend.services.accounts import sessions
from tests import builders


async def _session(user_id: int, secret: str, expires_in: timedelta) -> str:
    key = sessions.session_key(secret)
    await Session.create(id=key, user_id=user_id, expires_at=datetime.now(UTC) + expires_in)
    return key


async def test_signing_in_deletes_every_expired_session(db: str) -> None:
    someone, other = await builders.user(Role.APPLICANT), await builders.user(Role.HANDLER)
    expired = [
        await _session(someone.id, "old-1", -timedelta(days=1)),
        await _session(other.id, "old-2", -timedelta(seconds=1)),
    ]
    live = await _session(other.id, "live", timedelta(days=3))

    secret = await sessions.start(someone, days=14, user_agent="test", address="203.0.113.7")

    kept = set(await Session.all().values_list("id", flat=True))
    assert kept == {live, sessions.session_key(secret)}
    assert not kept & set(expired)


async def test_an_expired_session_met_on_lookup_is_refused_and_deleted(db: str) -> None:
    someone = await builders.user(Role.APPLICANT)
    key = await _session(someone.id, "stale-secret", -timedelta(minutes=1))
    live = await _session(someone.id, "live-secret", timedelta(days=1))

    assert await sessions.resume("stale-secret") is None
    assert not await Session.exists(id=key)
    resumed = await sessions.resume("live-secret")
    assert resumed is not None and resumed.session_id == live
