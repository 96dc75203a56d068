"""Server-side sessions. The cookie carries a random secret; the table keeps its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.models.accounts import Role, Session, User, UserRole
from backend.services.core.transactions import in_transaction
from backend.services.live import publishing

# Refresh `last_seen_at` at most this often, so reading pages does not write on every request.
TOUCH_EVERY = timedelta(minutes=5)


def session_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    session_id: str
    user: User
    roles: frozenset[Role]


async def start(user: User, *, days: int, user_agent: str, address: str) -> str:
    """Opens a session and returns the secret for the cookie.

    Signing in is when sessions are made, so it is also when the expired ones are swept out:
    the table holds live sessions and the few expired ones nobody has signed in since.
    """
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        await Session.filter(expires_at__lte=now).using_db(conn).delete()
        await Session.create(
            id=session_key(secret),
            user=user,
            expires_at=now + timedelta(days=days),
            user_agent=user_agent[:255],
            address=address[:64],
            using_db=conn,
        )
    return secret


async def resume(secret: str) -> SignedIn | None:
    """The live session behind a cookie, with its user and roles, in two queries."""
    if not secret or len(secret) > 100:
        return None
    now = datetime.now(UTC)
    session = await Session.get_or_none(id=session_key(secret)).select_related("user")
    if session is None:
        return None
    if session.expires_at <= now:
        await end(session.id)
        return None
    if not session.user.is_active:
        return None
    roles = await UserRole.filter(user_id=session.user.id).values_list("role", flat=True)
    if now - session.last_seen_at > TOUCH_EVERY:
        await Session.filter(id=session.id).update(last_seen_at=now)
    return SignedIn(session.id, session.user, frozenset(Role(str(r)) for r in roles))


async def end(session_id: str) -> None:
    """Ends the session, and with it every live connection it opened."""
    await Session.filter(id=session_id).delete()
    publishing.session_ended(session_id)
