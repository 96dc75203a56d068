"""Owed materials (容缺): what the enterprise promised to hand in later, handed in and reviewed.

An owed material's own states, as data (the order's action table says who may take each step
and from which order states; this table says from which states of the material):

    OUTSTANDING ─supply─▶ SUPPLIED ─accept─▶ ACCEPTED
    RETURNED    ─supply─▶ SUPPLIED ─return─▶ RETURNED (with a reason: to supply again)

The desk's supplement of an approved application hands one in as ACCEPTED at once
(applications.reviews.supplement). Each step is one conditional UPDATE (from the states the
table allows) in one transaction with its order event, so two reviewers at once cannot both
decide: the second is refused with the state the first left. Only ACCEPTED is settled:
`outstanding` is what the order's completion waits for.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from backend.i18n import N_
from backend.models.applications import Application, OwedMaterial, OwedStatus
from backend.models.catalog import ServiceItemVersion
from backend.models.files import StoredFile
from backend.models.orders import Order
from backend.services.applications.applications import AttachmentInput, replace_attachments
from backend.services.applications.audit import AttachmentFact, material_problems
from backend.services.core import clock, events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    ForbiddenTransition,
    Invalid,
    NotFound,
    Problem,
    Problems,
    register_messages,
)
from backend.services.core.global_ids import encode_global_id
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.enterprises.enterprises import local_today
from backend.services.orders import forwarding, notices
from backend.services.orders.policies import orders_visible_to
from backend.services.orders.states import ORDER, OrderEventKind
from backend.services.webhooks import events as webhook_events

register_messages(
    {
        "RETURN_REASON_REQUIRED": N_(
            "Say what is wrong with it, so that it can be handed in again."
        ),
        "OWED_MATERIALS_OUTSTANDING": N_(
            "The enterprise still owes materials it was allowed to hand in later: {materials}. "
            "The order can be completed once they are supplied and accepted."
        ),
    }
)

W = OwedStatus
MAX_RETURN_REASON = 500
# Not yet handed in, or handed back: what the enterprise may (still) supply.
STILL_OWED = frozenset({W.OUTSTANDING, W.RETURNED})


class Review(StrEnum):
    ACCEPT = "ACCEPT"
    RETURN = "RETURN"


@dataclass(frozen=True)
class Step:
    order_action: str  # the row of the order's action table
    sources: frozenset[OwedStatus]
    target: OwedStatus


STEPS: dict[str, Step] = {
    "SUPPLY": Step("SUPPLY_OWED_MATERIAL", STILL_OWED, W.SUPPLIED),
    Review.ACCEPT: Step("ACCEPT_OWED_MATERIAL", frozenset({W.SUPPLIED}), W.ACCEPTED),
    Review.RETURN: Step("RETURN_OWED_MATERIAL", frozenset({W.SUPPLIED}), W.RETURNED),
}
EVENTS = {
    "SUPPLY": OrderEventKind.ORDER_OWED_MATERIAL_SUPPLIED,
    Review.ACCEPT: OrderEventKind.ORDER_OWED_MATERIAL_ACCEPTED,
    Review.RETURN: OrderEventKind.ORDER_OWED_MATERIAL_RETURNED,
}


# What the enterprise has handed in and nobody has refused since.
HANDED_IN = frozenset({OwedStatus.SUPPLIED, OwedStatus.ACCEPTED})


def is_handed_in(status: OwedStatus) -> bool:
    return status in HANDED_IN


def may_take(step: str, status: OwedStatus) -> bool:
    """Whether a material in `status` can take `step` ("SUPPLY", or "REVIEW": accept or
    return): the material's half of a `viewerCan` flag, the order's table the other."""
    sources = STEPS[Review.ACCEPT if step == "REVIEW" else step].sources
    return status in sources


def is_past_deadline(status: OwedStatus, due_on: date, today: date) -> bool:
    """Still owed (not handed in, or handed back) after the day it was due (the park's
    `today`): what supervisors are told of (`timers.OWED_PAST_DEADLINE`)."""
    return status in STILL_OWED and today > due_on


def past_deadline_condition(today: date) -> Q:
    """`is_past_deadline` as a filter on `OwedMaterial` (the cockpit's count, the order list's
    `owedPastDue`)."""
    return Q(status__in=list(STILL_OWED), due_on__lt=today)


def material_name(form: dict[str, Any] | None, kind: str) -> dict[str, str]:
    """The owed kind's name in the item's form, in both languages (the kind's code if none)."""
    labels = {k["kind"]: k.get("label") or {} for k in (form or {}).get("attachments") or []}
    label = labels.get(kind, {})
    zh = label.get("zh") or kind
    return {"zh": zh, "en": label.get("en") or zh}


async def outstanding(conn: BaseDBAsyncClient | None, application_id: int) -> list[OwedMaterial]:
    """The application's owed materials not yet supplied and accepted, by due date: an order
    is not completed while this is not empty. Pass the completing transaction's connection."""
    return (
        await OwedMaterial.filter(application_id=application_id)
        .exclude(status=W.ACCEPTED)
        .using_db(conn)
        .order_by("due_on", "id")
    )


async def require_none_outstanding(conn: BaseDBAsyncClient, order: Order) -> None:
    """What completing `order` waits for: OWED_MATERIALS_OUTSTANDING naming each owed material
    not yet accepted (by its label in the item's form), if any. Call in the completing
    transaction."""
    owed = await outstanding(conn, order.application_id)
    if not owed:
        return
    version = await ServiceItemVersion.get(id=order.item_version_id, using_db=conn)
    names = [material_name(version.form, o.kind) for o in owed]
    zh = [n["zh"] for n in names]
    en = [n["en"] for n in names]
    # Not a field's fault: the order is not ready, so the problem stands at no field.
    materials = {"zh": "、".join(zh), "en": ", ".join(en)}
    raise Invalid([Problem("OWED_MATERIALS_OUTSTANDING", (), {"materials": materials})])


async def _owed_and_order(actor: Actor, owed_id: int) -> tuple[OwedMaterial, Order]:
    """The owed material and its order, if the actor may see the order; else NOT_FOUND."""
    owed = await OwedMaterial.get_or_none(id=owed_id)
    order = (
        await orders_visible_to(actor).get_or_none(application_id=owed.application_id)
        if owed is not None
        else None
    )
    if owed is None or order is None:
        raise NotFound([Problem("NOT_FOUND", ("owedMaterialId",))])
    return owed, order


def _from(owed: OwedMaterial, step: Step) -> None:
    if owed.status not in step.sources:
        raise ForbiddenTransition(status=OwedStatus(owed.status).value)


async def _take(
    conn: BaseDBAsyncClient, owed: OwedMaterial, step: Step, **changes: object
) -> OwedMaterial:
    """The step's UPDATE, from the states it allows; refused with the state someone else left."""
    updated = (
        await OwedMaterial.filter(id=owed.id, status__in=list(step.sources))
        .using_db(conn)
        .update(status=step.target, **changes)
    )
    if not updated:
        now = await OwedMaterial.get(id=owed.id, using_db=conn)
        raise ForbiddenTransition(status=OwedStatus(now.status).value)
    return await OwedMaterial.get(id=owed.id, using_db=conn)


async def supply(
    actor: Actor,
    owed_id: int,
    file_id: int | None,
    expires_on: date | None,
    *,
    timezone: str,
) -> OwedMaterial:
    """A member of the applicant's enterprise hands in an owed material: their own upload,
    checked as a material of its kind is on submit, against the item version applied for."""
    user_id = require_user(actor)
    owed, order = await _owed_and_order(actor, owed_id)
    step = STEPS["SUPPLY"]
    ORDER.check(actor, order, step.order_action, await reach_of(actor))
    _from(owed, step)
    stored = await StoredFile.get_or_none(id=file_id) if file_id is not None else None
    problems = Problems()
    if stored is None or stored.uploaded_by_id != user_id:
        problems.add("fileId", "ATTACHMENT_NOT_YOURS")
    else:
        version = await ServiceItemVersion.get(id=order.item_version_id)
        fact = AttachmentFact(owed.kind, stored.mime_type, stored.size, expires_on)
        problems.items.extend(material_problems(version.form, fact, local_today(timezone)))
    problems.raise_if_any()
    assert stored is not None
    async with in_transaction() as conn:
        supplied = await _take(
            conn, owed, step, supplied_file_id=stored.id, supplied_at=clock.now(),
            supplied_by_id=user_id, supplied_expires_on=expires_on, return_reason="",
            reviewed_by_id=None, reviewed_at=None,
        )  # fmt: skip
        await events.record(
            conn, actor, "order", order.id, EVENTS["SUPPLY"],
            {"owedMaterial": owed.id, "kind": owed.kind, "file": stored.id},
        )  # fmt: skip
        await forwarding.tell_provider(
            conn,
            order,
            webhook_events.ORDER_OWED_MATERIAL_SUPPLIED,
            {"material": {"kind": owed.kind, "fileId": encode_global_id("File", stored.id)}},
        )
        await notices.tell_assignee(
            conn, actor, order, "OWED_MATERIAL_SUPPLIED",
            {"material": material_name(version.form, owed.kind)},
        )  # fmt: skip
    return supplied


def _checked_reason(decision: Review, reason: str) -> str:
    cleaned = reason.strip()
    if decision is Review.RETURN and not cleaned:
        raise Invalid.at("reason", "RETURN_REASON_REQUIRED")
    if len(cleaned) > MAX_RETURN_REASON:
        raise Invalid.at("reason", "TOO_LONG", max=MAX_RETURN_REASON)
    return cleaned


async def review(actor: Actor, owed_id: int, decision: Review, reason: str) -> OwedMaterial:
    """The assignee or the desk accepts a supplied material (it joins the application's
    materials), or returns it with a reason (the enterprise supplies it again)."""
    user_id = require_user(actor)
    owed, order = await _owed_and_order(actor, owed_id)
    step = STEPS[decision]
    ORDER.check(actor, order, step.order_action, await reach_of(actor))
    note = _checked_reason(decision, reason)
    _from(owed, step)
    async with in_transaction() as conn:
        reviewed = await _take(
            conn, owed, step, reviewed_by_id=user_id, reviewed_at=clock.now(),
            return_reason=note if decision is Review.RETURN else "",
        )  # fmt: skip
        if decision is Review.ACCEPT and reviewed.supplied_file_id is not None:
            # Accepted, it is one of the application's materials like those handed in at first.
            application = await Application.get(id=owed.application_id, using_db=conn)
            material = AttachmentInput(
                owed.kind, reviewed.supplied_file_id, reviewed.supplied_expires_on
            )
            await replace_attachments(
                conn, application, [material], reviewed.supplied_by_id, {owed.kind}
            )
        data: dict[str, object] = {"owedMaterial": owed.id, "kind": owed.kind}
        if note:
            data["note"] = note
        await events.record(conn, actor, "order", order.id, EVENTS[decision], data)
        version = await ServiceItemVersion.get(id=order.item_version_id, using_db=conn)
        told: dict[str, object] = {"material": material_name(version.form, owed.kind)}
        if decision is Review.RETURN:
            told["reason"] = note
        kind = "OWED_MATERIAL_RETURNED" if decision is Review.RETURN else "OWED_MATERIAL_ACCEPTED"
        await notices.tell_enterprise(conn, actor, order, kind, told)
    return reviewed


async def owed_of(application_ids: Collection[int]) -> dict[int, list[OwedMaterial]]:
    """The owed materials of the applications behind orders the caller checked visible, by
    application, each by due date, with the file supplied and who supplied and reviewed it."""
    rows = (
        await OwedMaterial.filter(application_id__in=list(application_ids))
        .select_related("supplied_file", "supplied_by", "reviewed_by")
        .order_by("due_on", "id")
    )
    found: dict[int, list[OwedMaterial]] = {pk: [] for pk in application_ids}
    for row in rows:
        found[row.application_id].append(row)
    return found
