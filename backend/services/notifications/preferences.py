"""How a person hears of their notices: in the app only, or by e-mail too.

E-mail is offered when the park has a mail server (`SERVICEHALL_SMTP_URL`) and only to people
whose address is confirmed. Every notice mail carries a signed link that stops e-mail in one
click (RFC 8058), without signing in: the link is the proof.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.accounts import User
from backend.services.core import events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, register_messages
from backend.services.core.transactions import in_transaction

register_messages(
    {
        "EMAIL_NOT_CONFIRMED": N_(
            "Confirm your e-mail address first: open the link we send to it."
        ),
        "MAIL_OFF": N_("This park sends no e-mail: notices are in the app only."),
        "INVALID_LINK": N_(
            "This link is not valid: it was changed or is not one of ours. Use the link "
            "from the e-mail as it is."
        ),
    }
)

_UNSUBSCRIBE_SALT = "servicehall.unsubscribe"


class _Mail:
    """Whether this process sends mail; set from the settings when the app is made."""

    on = False


def configure(smtp_url: str | None) -> None:
    _Mail.on = bool(smtp_url)


def mail_offered() -> bool:
    return _Mail.on


async def wants_mail(conn: BaseDBAsyncClient, user_id: int) -> bool:
    """Whether a notice to `user_id` goes by e-mail too: mail is on, and they chose it for a
    confirmed address."""
    if not _Mail.on:
        return False
    return (
        await User.filter(
            id=user_id,
            email_notifications=True,
            email__isnull=False,
            email_confirmed_at__isnull=False,
        )
        .using_db(conn)
        .exists()
    )


async def set_email_notifications(actor: Actor, email_too: bool) -> User:
    """The signed-in person chooses in-app only (False) or e-mail too (True)."""
    user_id = require_user(actor)
    async with in_transaction() as conn:
        user = await User.filter(id=user_id).using_db(conn).select_for_update().get()
        if email_too and not _Mail.on:
            raise Invalid.at("emailToo", "MAIL_OFF")
        if email_too and (user.email is None or user.email_confirmed_at is None):
            raise Invalid.at("emailToo", "EMAIL_NOT_CONFIRMED")
        if user.email_notifications != email_too:
            user.email_notifications = email_too
            await user.save(using_db=conn, update_fields=["email_notifications"])
            await events.record(
                conn, actor, "user", user_id, "NOTICE_DELIVERY_SET", {"emailToo": email_too}
            )
    return user


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(secret_key: str, user_id: int) -> str:
    """The token of a person's one-click "stop e-mail" link. It does not expire: mail is read
    long after it is sent, and stopping mail must always work."""
    return _serializer(secret_key).dumps({"u": user_id})


def _unsubscribing(secret_key: str, token: str) -> int:
    try:
        payload: Any = _serializer(secret_key).loads(token) if len(token) <= 300 else None
    except BadSignature:
        payload = None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if not isinstance(user_id, int):
        raise Invalid.at("token", "INVALID_LINK")
    return user_id


async def unsubscribe(actor: Actor, secret_key: str, token: str) -> User:
    """Stops e-mail for the person the token names, whoever follows the link."""
    user_id = _unsubscribing(secret_key, token)
    async with in_transaction() as conn:
        user = await User.filter(id=user_id).using_db(conn).select_for_update().first()
        if user is None:
            raise Invalid.at("token", "INVALID_LINK")
        if user.email_notifications:
            user.email_notifications = False
            await user.save(using_db=conn, update_fields=["email_notifications"])
            await events.record(
                conn, actor, "user", user_id, "NOTICE_DELIVERY_SET",
                {"emailToo": False, "by": "unsubscribe link"},
            )  # fmt: skip
    return user
