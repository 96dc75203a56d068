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
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.files import StoredFile
from backend.models.orders import (
    Order,
    OrderDocument,
    OrderDocumentPurpose,
    OrderInformationRequest,
    OrderStatus,
)
from backend.services.core import clock
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    NotFound,
    Problem,
    Problems,
    register_messages,
)
from backend.services.core.reach import Reach, reach_of
from backend.services.core.transactions import in_transaction
from backend.services.files.uploads import ORDER_DOCUMENT_POLICY, UploadPolicy
from backend.services.orders import orders, owed, time_limits
from backend.services.orders.policies import orders_visible_to
from backend.services.orders.states import ORDER

MAX_REASON = 500  # a decline's or a cancellation's reason
MAX_TEXT = 2000  # a question, an answer
MAX_RESULT = 5000  # the result in words
MAX_FILES = 10

register_messages(
    {
        "UNKNOWN_FILE_TYPE": N_(
            "Not a file type the platform takes: {value}. Choose from {allowed}."
        ),
        "FILE_NOT_YOURS": N_("Choose a file you uploaded yourself."),
        "FILE_ALREADY_USED": N_("This file is already attached to an order. Upload it again."),
        "FILES_WANTED": N_("The handler asked for files ({wanted}): attach at least one."),
        "TOO_MANY_FILES": N_("Attach at most {max} files."),
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
    order = await orders_visible_to(actor).using_db(conn).get_or_none(id=order_id)
    if order is None:
        raise NotFound([Problem("NOT_FOUND", ("orderId",))])
    reach = await reach_of(actor, conn)
    ORDER.check(actor, order, action, reach, expected_version=expected_version)
    return order, reach


async def _files(
    conn: BaseDBAsyncClient, actor: Actor, file_ids: Sequence[int], policy: UploadPolicy
) -> list[StoredFile]:
    """The files named, each uploaded by the actor, of a type `policy` takes, and not yet any
    order's; else the problems, at `fileIds` (each at its position)."""
    ids = list(dict.fromkeys(file_ids))
    if len(ids) > MAX_FILES:
        raise Invalid.at("fileIds", "TOO_MANY_FILES", max=MAX_FILES)
    found = {f.id: f for f in await StoredFile.filter(id__in=ids).using_db(conn)}
    used = {
        int(str(f))
        for f in await OrderDocument.filter(file_id__in=ids)
        .using_db(conn)
        .values_list("file_id", flat=True)
    }
    problems = Problems()
    for i, file_id in enumerate(ids):
        stored = found.get(file_id)
        at = ("fileIds", str(i))
        if stored is None or stored.uploaded_by_id != actor.user_id:
            problems.add(at, "FILE_NOT_YOURS")
        elif not policy.accepts(stored.mime_type):
            problems.add(at, "FILE_TYPE_NOT_ALLOWED", allowed=policy.allowed_names())
        elif file_id in used:
            problems.add(at, "FILE_ALREADY_USED")
    problems.raise_if_any()
    return [found[i] for i in ids]


async def _attach(
    conn: BaseDBAsyncClient,
    actor: Actor,
    order: Order,
    files: Sequence[StoredFile],
    purpose: OrderDocumentPurpose,
    request_id: int | None = None,
) -> None:
    for stored in files:
        await OrderDocument.create(
            order_id=order.id,
            file_id=stored.id,
            purpose=purpose,
            request_id=request_id,
            added_by_id=actor.user_id,
            using_db=conn,
        )


async def accept(actor: Actor, order_id: int, expected_version: int) -> Order:
    """The assignee starts work: ASSIGNED -> IN_PROGRESS."""
    require_user(actor)
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "ACCEPT", expected_version)
        await ORDER.apply(
            conn, actor, order, "ACCEPT", expected_version=expected_version, reach=reach
        )
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
        now = datetime.now(UTC)
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
    offered = ORDER_DOCUMENT_POLICY.mime_types
    for i, mime in enumerate(wanted):
        if mime not in offered:
            problems.add(
                ("fileTypes", str(i)),
                "UNKNOWN_FILE_TYPE",
                value=mime,
                allowed=ORDER_DOCUMENT_POLICY.allowed_names(),
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
    return order


def _wanted_policy(file_types: Sequence[str]) -> UploadPolicy:
    """What an answer's files may be: the types asked for (any order document type if none)."""
    offered: Mapping[str, str] = ORDER_DOCUMENT_POLICY.mime_types
    if not file_types:
        return ORDER_DOCUMENT_POLICY
    return UploadPolicy(
        mime_types={m: offered.get(m, m) for m in file_types},
        max_bytes=ORDER_DOCUMENT_POLICY.max_bytes,
    )


async def answer_information(
    actor: Actor,
    order_id: int,
    answer: str,
    file_ids: Sequence[int],
    expected_version: int,
    *,
    timezone: str,
) -> Order:
    """The applicant's enterprise answers the open question, in words, files, or both (files
    are uploaded first as ORDER_DOCUMENT, then named here): WAITING_ON_APPLICANT ->
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
        files = await _files(conn, actor, file_ids, policy)
        if wanted and not files:
            raise Invalid.at("fileIds", "FILES_WANTED", wanted=policy.allowed_names())
        if not text and not files:
            raise Invalid.at("answer", "REQUIRED")
        days, due = await time_limits.end_pause(conn, order, timezone, now)
        await ORDER.apply(
            conn, actor, order, "ANSWER", expected_version=expected_version, reach=reach,
            changes={"waiting_since": None, "due_at": due},
            data={"note": text, "files": len(files), "pausedWorkingDays": days},
        )  # fmt: skip
        if request is not None:
            await (
                OrderInformationRequest.filter(id=request.id)
                .using_db(conn)
                .update(answer=text, answered_by_id=actor.user_id, answered_at=now)
            )
        await _attach(
            conn, actor, order, files, OrderDocumentPurpose.ANSWER, request.id if request else None
        )
    return order


async def complete(
    actor: Actor, order_id: int, result: str, file_ids: Sequence[int], expected_version: int
) -> Order:
    """The assignee completes the order with the result in words and its documents:
    IN_PROGRESS -> COMPLETED; refused while an owed material is not yet accepted
    (`owed.require_none_outstanding`)."""
    require_user(actor)
    problems = Problems()
    text = _text(problems, result, "result", MAX_RESULT)
    problems.raise_if_any()
    async with in_transaction() as conn:
        order, reach = await _start(conn, actor, order_id, "COMPLETE", expected_version)
        files = await _files(conn, actor, file_ids, ORDER_DOCUMENT_POLICY)
        await owed.require_none_outstanding(conn, order)
        await ORDER.apply(
            conn, actor, order, "COMPLETE", expected_version=expected_version, reach=reach,
            changes={"completed_at": datetime.now(UTC), "result": text},
            data={"note": text, "files": len(files)},
        )  # fmt: skip
        await _attach(conn, actor, order, files, OrderDocumentPurpose.RESULT)
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
    return order
