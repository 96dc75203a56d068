"""Confirming a person's e-mail address: a signed, expiring link sent to it by mail.

Only a confirmed address is offered notices by e-mail. The link names the person and the
address, so it confirms nothing once the address has changed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from backend.i18n import N_
from backend.models.accounts import User
from backend.services.core import events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, register_messages
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.notifications import preferences

register_messages(
    {
        "NO_EMAIL": N_("Your account has no e-mail address to confirm."),
        "EMAIL_ALREADY_CONFIRMED": N_("Your e-mail address is already confirmed."),
        "LINK_EXPIRED": N_(
            "This confirmation link has expired. Ask for a new one on your account page."
        ),
    }
)

# The job that mails the link (handled in `notifications.mail`).
MAIL_CONFIRMATION = "mail.confirm_email"
_SALT = "servicehall.confirm-email"
# One confirmation mail per person in each window: asking again sooner sends nothing more.
RESEND_WINDOW = timedelta(minutes=10)


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def confirmation_token(secret_key: str, user_id: int, email: str, expires_at: datetime) -> str:
    return _serializer(secret_key).dumps(
        {"u": user_id, "e": email, "x": int(expires_at.timestamp())}
    )


def read_confirmation(secret_key: str, token: str, now: datetime) -> tuple[int, str]:
    """The person and address a confirmation token names; a forged or expired one is refused."""
    try:
        payload: Any = _serializer(secret_key).loads(token) if len(token) <= 500 else None
    except BadSignature:
        payload = None
    if not isinstance(payload, dict):
        raise Invalid.at("token", "INVALID_LINK")
    user_id, email, expires = payload.get("u"), payload.get("e"), payload.get("x")
    if not isinstance(user_id, int) or not isinstance(email, str) or not isinstance(expires, int):
        raise Invalid.at("token", "INVALID_LINK")
    if now.timestamp() >= expires:
        raise Invalid.at("token", "LINK_EXPIRED")
    return user_id, email


async def request_confirmation(actor: Actor, *, now: datetime | None = None) -> User:
    """Mails the signed-in person a link that confirms their address."""
    user_id = require_user(actor)
    now = now or datetime.now(UTC)
    user = await User.get(id=user_id)
    if not preferences.mail_offered():
        raise Invalid.at("email", "MAIL_OFF")
    if user.email is None:
        raise Invalid.at("email", "NO_EMAIL")
    if user.email_confirmed_at is not None:
        raise Invalid.at("email", "EMAIL_ALREADY_CONFIRMED")
    window = int(now.timestamp() // RESEND_WINDOW.total_seconds())
    async with in_transaction() as conn:
        await jobs.enqueue(
            conn,
            MAIL_CONFIRMATION,
            {"userId": user_id, "email": user.email},
            key=f"{MAIL_CONFIRMATION}:{user_id}:{window}",
        )
    return user


async def confirm(
    actor: Actor, secret_key: str, token: str, *, now: datetime | None = None
) -> User:
    """Confirms the address the token was sent to, whoever opens it (the link is the proof)."""
    now = now or datetime.now(UTC)
    user_id, email = read_confirmation(secret_key, token, now)
    async with in_transaction() as conn:
        user = await User.filter(id=user_id).using_db(conn).select_for_update().first()
        if user is None or user.email != email:
            raise Invalid.at("token", "INVALID_LINK")
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now
            await user.save(using_db=conn, update_fields=["email_confirmed_at"])
            await events.record(conn, actor, "user", user_id, "EMAIL_CONFIRMED", {"email": email})
    return user
