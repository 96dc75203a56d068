"""The in-app inbox. Later features call `notify`; people read and mark entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_, translate
from backend.models.accounts import Notification
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import localized
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.live import publishing
from backend.services.notifications import preferences
from backend.services.notifications.links import link_for
from backend.services.notifications.policies import notifications_visible_to

# The job that mails a notice to a person who chose e-mail too (handled in `mail`).
MAIL_NOTICE = "mail.notice"

# The words of each kind of notification, with the params they take.
KINDS: dict[str, str] = {
    "WELCOME": N_("Welcome to Service Hall, {name}. Register your enterprise to start applying."),
    "STAFF_WELCOME": N_("Welcome, {name}. Your roles: {roles}."),
    "ROLES_CHANGED": N_("Your roles are now: {roles}."),
    "TEAM_JOINED": N_("You were added to the team {team}."),
    "PASSWORD_CHANGED": N_("Your password was changed and your other sessions were ended."),
    "SIGN_IN_PAUSED": N_(
        "Someone entered wrong passwords for your account many times from several places, so "
        "signing in to it is paused for {minutes} minutes, except in browsers you have signed in "
        "with before. Where you are signed in, you stay signed in. If it was you, sign in from one "
        "of those browsers or wait. If it was not, your password was not guessed; to be safe, "
        "change it to a long one you use nowhere else, and tell the park's administrator."
    ),
    "ORDER_ASSIGNED": N_("Order {number} was assigned to you."),
    "ORDER_TAKEN_AWAY": N_("Order {number} was given to another handler by a supervisor."),
    # Webhooks
    "WEBHOOK_ENDPOINT_FAILING": N_(
        "The webhook endpoint of {provider} was disabled: a delivery failed on every retry. "
        "Check the endpoint, enable it again and redeliver."
    ),
    "WEBHOOK_ENDPOINT_GONE": N_(
        "The webhook endpoint of {provider} answered 410 Gone and was disabled."
    ),
    # Processing (backend/services/orders/notices.py): to the applicant's enterprise
    "ORDER_ACCEPTED": N_("The handler started work on order {number}."),
    "ORDER_INFORMATION_REQUESTED": N_(
        "The handler of order {number} asks you for information: {question} The time limit "
        "is paused until you answer on the order's page."
    ),
    "ORDER_PROGRESS": N_("Progress on order {number}: {note}"),
    "ORDER_MESSAGE": N_("New messages on order {number}."),
    "ORDER_COMPLETED": N_("Order {number} is completed: {result}"),
    "ORDER_CANCELLED": N_("Order {number} was cancelled: {reason}"),
    "OWED_MATERIAL_RETURNED": N_(
        "{material} for order {number} was returned: {reason} Supply it again."
    ),
    "OWED_MATERIAL_ACCEPTED": N_("{material} for order {number} was accepted."),
    "OWED_MATERIAL_REMINDER": N_(
        "{material} for {number} is due by {due}. Supply it on the order's page."
    ),
    # ... to the handler
    "ORDER_INFORMATION_ANSWERED": N_("The applicant answered your question on order {number}."),
    "OWED_MATERIAL_SUPPLIED": N_("{material} for order {number} was supplied: review it."),
    # ... to the handler and the team's supervisors
    "ORDER_DUE_SOON": N_("Order {number} is due soon: by the end of {due}."),
    "ORDER_OVERDUE": N_("Order {number} passed its due date ({due}) and is not completed."),
    "OWED_MATERIAL_PAST_DEADLINE": N_(
        "{enterprise} has not supplied {material} for order {number}, due on {due}."
    ),
    # Enterprises
    "ENTERPRISE_VERIFIED": N_("{enterprise} is verified. Its members can now apply for services."),
    "ENTERPRISE_REJECTED": N_(
        "The registration of {enterprise} was rejected: {reason} Correct it and resubmit."
    ),
    "MEMBER_JOINED": N_("{name} joined {enterprise} with an invitation."),
    "MEMBER_REMOVED": N_("You are no longer a member of {enterprise}."),
    # Applications
    "APPLICATION_UNDER_REVIEW": N_(
        "Application {number} passed the checks and is waiting for the service desk's review."
    ),
    "APPLICATION_RETURNED": N_(
        "Application {number} was returned to you. See the reasons, correct it and submit again."
    ),
    "APPLICATION_APPROVED": N_("Application {number} was approved; order {order} was opened."),
    "APPLICATION_REJECTED": N_("Application {number} was rejected. See the reasons given."),
    "MATERIALS_OWED": N_(
        "Application {number} was accepted with materials to hand in later: {materials}."
    ),
    "APPLICATION_FILED_FOR": N_(
        "{staff} of the service desk filed application {number} for {enterprise}."
    ),
    "APPLICATION_SUPPLEMENTED": N_(
        "{staff} of the service desk added to application {number} of {enterprise}."
    ),
    # Requests for new services
    "SERVICE_REQUEST_ANSWERED": N_("The park answered your request for a new service: {title}."),
    "SERVICE_REQUEST_DECLINED": N_("Your request for a new service was declined: {title}."),
    "SERVICE_REQUEST_MERGED": N_(
        "Your request for {title} was merged with a like request, {into}. "
        "You will hear what comes of it."
    ),
    "REQUESTED_SERVICE_PUBLISHED": N_(
        "The service you asked for is now offered: {item}. Open it to apply."
    ),
    # Evaluations (好差评)
    "RECTIFICATION_OPENED": N_(
        "Order {number} received a bad review: call the applicant back and put it right."
    ),
    "RECTIFICATION_OVERDUE": N_("The rectification of order {number} is past its deadline."),
    "RECTIFICATION_CLOSED": N_(
        "Your review of order {number} was followed up and put right. You may add a follow-up "
        "review."
    ),
    "EVALUATION_APPEALED": N_("The review of order {number} was appealed: decide on it."),
    "APPEAL_UPHELD": N_("Your appeal of the review of order {number} was refused: {reason}"),
    "APPEAL_VOIDED": N_("Your appeal of the review of order {number} was granted: {reason}"),
    # Appointments
    "APPOINTMENT_REMINDER": N_(
        "Reminder: your appointment, queue number {queueNumber}, is on {day} at {start}, at "
        "{location}."
    ),
    "APPOINTMENT_CLOSED": N_(
        "{day} became a holiday ({holiday}): your appointment {queueNumber} was cancelled. "
        "Book another time."
    ),
    "APPOINTMENT_WITHDRAWN": N_(
        "Appointments at {start} on {day} are no longer offered: your appointment "
        "{queueNumber} was cancelled. Book another time."
    ),
}


# Role codes in params are shown by name, in the reader's language (the pages use the same ids).
ROLE_NAMES: dict[str, str] = {
    "APPLICANT": N_("Applicant"),
    "AUDITOR": N_("Auditor"),
    "HANDLER": N_("Handler"),
    "SUPERVISOR": N_("Supervisor"),
    "ADMIN": N_("Administrator"),
    "PROVIDER": N_("Service provider"),
}


def _shown(value: object, language: str) -> object:
    if isinstance(value, dict):
        return localized(value, language)
    if isinstance(value, list):
        names = [translate(language, ROLE_NAMES.get(str(v), str(v))) for v in value]
        return "、".join(names) if language == "zh-CN" else ", ".join(names)
    return value


def render(notification: Notification, language: str) -> str:
    template = KINDS.get(notification.kind)
    if template is None:
        return notification.kind
    params = {key: _shown(value, language) for key, value in notification.params.items()}
    try:
        return translate(language, template, **params)
    except (KeyError, IndexError):
        return translate(language, template.split("{")[0])


async def notify(
    user_id: int,
    kind: str,
    params: dict[str, Any] | None = None,
    link: str = "",
    *,
    using_db: BaseDBAsyncClient | None = None,
    key: str | None = None,
    while_unread: bool = False,
) -> Notification:
    """Writes a notice to `user_id`'s inbox, linking to what it is about (`link`, or the kind's
    link from its params), and a mail job when they chose e-mail too. A notice with a `key` is
    written once per person: later calls with the same key return the first. `while_unread`:
    nothing is written while the person has an unread notice of the same kind and link (new
    messages on an order: one notice says there are some until it is read)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind}")
    params = params or {}
    link = link or link_for(kind, params)
    if using_db is None:
        async with in_transaction() as conn:
            return await _write(conn, user_id, kind, params, link, key, while_unread)
    return await _write(using_db, user_id, kind, params, link, key, while_unread)


async def _write(
    conn: BaseDBAsyncClient,
    user_id: int,
    kind: str,
    params: dict[str, Any],
    link: str,
    key: str | None,
    while_unread: bool = False,
) -> Notification:
    if key is not None:
        sent = await Notification.filter(user_id=user_id, key=key).using_db(conn).first()
        if sent is not None:
            return sent
    if while_unread:
        unread = (
            await Notification.filter(user_id=user_id, kind=kind, link=link, read_at__isnull=True)
            .using_db(conn)
            .first()
        )
        if unread is not None:
            return unread
    notice = await Notification.create(
        user_id=user_id, kind=kind, params=params, link=link, key=key, using_db=conn
    )
    publishing.notice_arrived(user_id, notice.id)
    if await preferences.wants_mail(conn, user_id):
        await jobs.enqueue(
            conn, MAIL_NOTICE, {"notificationId": notice.id}, key=f"{MAIL_NOTICE}:{notice.id}"
        )
    return notice


async def unread_count(actor: Actor) -> int:
    if actor.user_id is None:
        return 0
    return await notifications_visible_to(actor).filter(read_at__isnull=True).count()


async def mark_read(actor: Actor, ids: list[int] | None) -> int:
    """Marks the given entries (or all, when `ids` is None) read; returns how many changed."""
    require_user(actor)
    query = notifications_visible_to(actor).filter(read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=ids)
    changed = await query.update(read_at=datetime.now(UTC))
    if changed and actor.user_id is not None:
        publishing.notices_read(actor.user_id)
    return changed


async def mark_read_by_link(conn: BaseDBAsyncClient, user_id: int, kind: str, link: str) -> int:
    """Marks `user_id`'s unread notices of `kind` linking to `link` read (the thing they
    announce was seen where it is); how many changed."""
    changed = (
        await Notification.filter(user_id=user_id, kind=kind, link=link, read_at__isnull=True)
        .using_db(conn)
        .update(read_at=datetime.now(UTC))
    )
    if changed:
        publishing.notices_read(user_id)
    return changed
