"""The order's life after assignment (journey step 6): the assignee accepts or declines, asks the
applicant for information and completes; the applicant's enterprise answers; the applicant or a
supervisor cancels.

Each step is one row of the order's action table (`states.ORDER`), taken by `ORDER.apply` with
the version the actor saw, in one transaction with everything it writes: a refusal of any kind
(input, table, policy, version, an owed material) leaves nothing behind. The order is looked up
among those the actor may see, so someone else's order is NOT_FOUND, never a hint it exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.orders import (
    AttachedTo,
    AttachmentAudience,
    Order,
    OrderInformationRequest,
    OrderStatus,
)
from backend.services.core import clock
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, Problems, register_messages
from backend.services.core.global_ids import encode_global_id
from backend.services.core.reach import Reach, reach_of
from backend.services.core.transactions import in_transaction
from backend.services.evaluations import defaults as evaluation_defaults
from backend.services.files.uploads import ORDER_ATTACHMENT_POLICY, UploadPolicy
from backend.services.orders import (
    attachments,
    day_counts,
    forwarding,
    notices,
    orders,
    owed,
    time_limits,
    timers,
)
from backend.services.orders.policies import visible_order
from backend.services.orders.states import ORDER
from backend.services.webhooks import events as webhook_events

MAX_REASON = 500  # a decline's or a cancellation's reason
MAX_TEXT = 2000  # a question, an answer
MAX_RESULT = 5000  # the result in words

register_messages(
    {
        "UNKNOWN_FILE_TYPE": N_(
            "Not a file type the platform takes: {value}. Choose from {allowed}."
        ),
        "FILES_WANTED": N_("The handler asked for files ({wanted}): attach at least one."),
    }
)


@dataclass(frozen=True)
class Declined:
    order: Order
    # The handler it went to instead; None: nobody is left and it waits for a supervisor.
    new_assignee_id: int | None


def _text(
    problems: Problems, value: str, field: str, maximum: int, *, one_line: bool = False
) -> str:
    """`value` trimmed (a reason on one line); REQUIRED when empty, TOO_LONG past `maximum`."""
    cleaned = " ".join(value.split()) if one_line else value.strip()
    if not cleaned:
        problems.add(field, "REQUIRED")
    elif len(cleaned) > maximum:
        problems.add(field, "TOO_LONG", max=maximum)
    return cleaned


async def _start(
    conn: BaseDBAsyncClient, actor: Actor, order_id: int, action: str, expected_version: int
) -> tuple[Order, Reach]:
    """The order, if the actor may see it (else NOT_FOUND at orderId), once the version, the
    table and the policy allow `action` (STALE, FORBIDDEN_TRANSITION, FORBIDDEN): checked
    before the step's own checks, so a refusal names the first thing wrong."""
    order = await visible_order(actor, order_id, conn)
    reach = await reach_of(actor, conn)
    ORDER.check(actor, order, action, reach, expected_version=expected_version)
    return order, reach


async def accept(actor: Actor, order_id: int, expected_version: int) -> Order:
    """The assignee starts work: ASSIGNED -> IN_PROGRESS."""
    require_user(actor)
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "ACCEPT", expected_version)
        await ORDER.apply(
            conn, actor, order, "ACCEPT", expected_version=expected_version, reach=reach
        )
        await notices.tell_enterprise(conn, actor, order, "ORDER_ACCEPTED")
    return order


async def decline(actor: Actor, order_id: int, reason: str, expected_version: int) -> Declined:
    """The assignee hands an ASSIGNED order back, saying why. The automatic choice runs again
    without them (and without anyone who declined it before), in the same step: it lands with
    the next handler, or, with nobody left, waits in PENDING_ASSIGNMENT and the assignment
    reason says so. The reason is for the park's staff (`readers.READING`)."""
    user_id = require_user(actor)
    problems = Problems()
    note = _text(problems, reason, "reason", MAX_REASON, one_line=True)
    problems.raise_if_any()
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "DECLINE", expected_version)
        choice = await orders.choose_handler(conn, order, also_declined=user_id)
        member = choice.member
        declined_by = [*(order.declined_by or []), user_id]
        now = clock.now()
        await ORDER.apply(
            conn, actor, order, "DECLINE", expected_version=expected_version, reach=reach,
            to=OrderStatus.ASSIGNED if member else OrderStatus.PENDING_ASSIGNMENT,
            changes={
                "assignee_id": member.user.id if member else None,
                "assigned_at": now if member else None,
                "assignment_reason": choice.reason.as_json(),
                "declined_by": declined_by,
            },
            data={"note": note, "assignee": member.user.id if member else None},
        )  # fmt: skip
        if member is not None:
            await orders.handed_to(conn, order, member)
    return Declined(order, member.user.id if member else None)


async def request_information(
    actor: Actor,
    order_id: int,
    question: str,
    file_types: Sequence[str],
    expected_version: int,
) -> Order:
    """The assignee asks the applicant (words, and the types of file wanted, if any):
    IN_PROGRESS -> WAITING_ON_APPLICANT. The clock stops: a pause begins."""
    require_user(actor)
    problems = Problems()
    text = _text(problems, question, "question", MAX_TEXT)
    wanted = list(dict.fromkeys(t.strip().lower() for t in file_types))
    offered = ORDER_ATTACHMENT_POLICY.mime_types
    for i, mime in enumerate(wanted):
        if mime not in offered:
            problems.add(
                ("fileTypes", str(i)),
                "UNKNOWN_FILE_TYPE",
                value=mime,
                allowed=ORDER_ATTACHMENT_POLICY.allowed_names(),
            )
    problems.raise_if_any()
    now = clock.now()
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "REQUEST_INFORMATION", expected_version)
        request = await OrderInformationRequest.create(
            order_id=order.id,
            question=text,
            file_types=wanted,
            asked_by_id=actor.user_id,
            asked_at=now,
            using_db=conn,
        )
        await ORDER.apply(
            conn, actor, order, "REQUEST_INFORMATION", expected_version=expected_version,
            reach=reach, changes={"waiting_since": now},
            data={"note": text, "fileTypes": wanted, "request": request.id},
        )  # fmt: skip
        await time_limits.start_pause(conn, order, request.id, now)
        await notices.tell_enterprise(
            conn, actor, order, "ORDER_INFORMATION_REQUESTED", {"question": notices.quoted(text)}
        )
    return order


def _wanted_policy(file_types: Sequence[str]) -> UploadPolicy:
    """What an answer's files may be: the types asked for (any an order takes if none)."""
    offered: Mapping[str, str] = ORDER_ATTACHMENT_POLICY.mime_types
    if not file_types:
        return ORDER_ATTACHMENT_POLICY
    return UploadPolicy(
        mime_types={m: offered.get(m, m) for m in file_types},
        max_bytes=ORDER_ATTACHMENT_POLICY.max_bytes,
    )


async def answer_information(
    actor: Actor,
    order_id: int,
    answer: str,
    file_ids: Sequence[int | None],
    expected_version: int,
    *,
    timezone: str,
) -> Order:
    """The applicant's enterprise answers the open question, in words, files, or both (files
    are uploaded first as ORDER_ATTACHMENT, then named here): WAITING_ON_APPLICANT ->
    IN_PROGRESS. The pause ends and the due date moves by the working days it cost."""
    require_user(actor)
    problems = Problems()
    text = answer.strip()
    if len(text) > MAX_TEXT:
        problems.add("answer", "TOO_LONG", max=MAX_TEXT)
    problems.raise_if_any()
    now = clock.now()
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "ANSWER", expected_version)
        request = (
            await OrderInformationRequest.filter(order_id=order.id, answered_at__isnull=True)
            .using_db(conn)
            .order_by("-asked_at", "-id")
            .first()
        )
        wanted = list(request.file_types) if request is not None else []
        policy = _wanted_policy(wanted)
        files = await attachments.checked_files(actor, file_ids, policy=policy, conn=conn)
        if wanted and not files:
            raise Invalid.at("attachmentIds", "FILES_WANTED", wanted=policy.allowed_names())
        if not text and not files:
            raise Invalid.at("answer", "REQUIRED")
        days, due = await time_limits.end_pause(conn, order, timezone, now)
        await ORDER.apply(
            conn, actor, order, "ANSWER", expected_version=expected_version, reach=reach,
            changes={"waiting_since": None, "due_at": due},
            data={"note": text, "files": len(files), "pausedWorkingDays": days},
        )  # fmt: skip
        await timers.schedule_order(conn, order, due, timezone)
        if request is not None:
            await (
                OrderInformationRequest.filter(id=request.id)
                .using_db(conn)
                .update(answer=text, answered_by_id=actor.user_id, answered_at=now)
            )
        await attachments.attach(
            conn, order.id, files, AttachedTo.ANSWER, AttachmentAudience.ORDER_VIEWERS,
            request_id=request.id if request else None,
        )  # fmt: skip
        await forwarding.tell_provider(
            conn, order, webhook_events.ORDER_INFORMATION_ANSWERED,
            {"answer": text, "fileIds": [encode_global_id("File", f.id) for f in files],
             "dueAt": due.isoformat()},
        )  # fmt: skip
        await notices.tell_assignee(conn, actor, order, "ORDER_INFORMATION_ANSWERED")
    return order


async def complete(
    actor: Actor,
    order_id: int,
    result: str,
    file_ids: Sequence[int | None],
    expected_version: int,
    *,
    timezone: str,
) -> Order:
    """The assignee completes the order with the result in words and its documents:
    IN_PROGRESS -> COMPLETED; refused while an owed material is not yet accepted
    (`owed.require_none_outstanding`). The working days it took are kept with it
    (`time_limits.processing_days`), for the cockpit's figures."""
    require_user(actor)
    problems = Problems()
    text = _text(problems, result, "result", MAX_RESULT)
    problems.raise_if_any()
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "COMPLETE", expected_version)
        files = await attachments.checked_files(actor, file_ids, conn=conn)
        await owed.require_none_outstanding(conn, order)
        now = clock.now()
        days = await time_limits.processing_days(conn, order, timezone, now)
        await ORDER.apply(
            conn, actor, order, "COMPLETE", expected_version=expected_version, reach=reach,
            changes={"completed_at": now, "result": text, "processing_days": days},
            data={"note": text, "files": len(files)},
        )  # fmt: skip
        await day_counts.completed(conn, order, now, days, timezone)
        await attachments.attach(
            conn, order.id, files, AttachedTo.RESULT, AttachmentAudience.ORDER_VIEWERS
        )
        # Not rated within the period: recorded as BASIC by default (evaluations/defaults.py).
        await evaluation_defaults.schedule(conn, order)
        await notices.tell_enterprise(
            conn, actor, order, "ORDER_COMPLETED", {"result": notices.quoted(text)}
        )
    return order


async def cancel(
    actor: Actor, order_id: int, reason: str, expected_version: int, *, timezone: str
) -> Order:
    """The applicant's enterprise (before work starts) or a supervisor (until it is completed)
    cancels the order, saying why. A pause under way ends with it."""
    require_user(actor)
    problems = Problems()
    note = _text(problems, reason, "reason", MAX_REASON, one_line=True)
    problems.raise_if_any()
    now = clock.now()
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "CANCEL", expected_version)
        changes: dict[str, object] = {}
        if order.waiting_since is not None:
            # Recorded for the pause's history; a cancelled order's due date no longer matters.
            await time_limits.end_pause(conn, order, timezone, now)
            changes["waiting_since"] = None
        await ORDER.apply(
            conn, actor, order, "CANCEL", expected_version=expected_version, reach=reach,
            changes=changes, data={"note": note},
        )  # fmt: skip
        await day_counts.cancelled(conn, order, timezone)
        await forwarding.tell_provider(
            conn, order, webhook_events.ORDER_CANCELLED, {"reason": note}
        )
        # The applicant's side and the handler: whoever of them did not cancel it.
        await notices.tell_enterprise(conn, actor, order, "ORDER_CANCELLED", {"reason": note})
        await notices.tell_assignee(conn, actor, order, "ORDER_CANCELLED", {"reason": note})
    return order
