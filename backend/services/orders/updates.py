"""Processing information: what the handler reports on an order while working it.

A progress note is for the applicant (and everyone else who may see the order); an internal
note is for the park's own people who may see the order, never the applicant and never a
provider. Either may carry files. Posting one is an event without a version: it never makes
anyone's open page of the order stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

from backend.i18n import N_
from backend.models.orders import (
    AttachedTo,
    AttachmentAudience,
    OrderUpdate,
    OrderUpdateKind,
)
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    ServiceError,
    register_messages,
)
from backend.services.core.reach import reach_of
from backend.services.orders import attachments, notices, readers
from backend.services.orders.policies import visible_order
from backend.services.orders.states import ORDER, OrderEventKind

register_messages({"NOTE_REQUIRED": N_("Write what was done or what is next.")})

MAX_NOTE = 4000

ACTIONS = {
    OrderUpdateKind.PROGRESS: ("POST_PROGRESS_NOTE", OrderEventKind.ORDER_PROGRESS_NOTED),
    OrderUpdateKind.INTERNAL: ("POST_INTERNAL_NOTE", OrderEventKind.ORDER_INTERNAL_NOTE_ADDED),
}
AUDIENCES = {
    OrderUpdateKind.PROGRESS: AttachmentAudience.ORDER_VIEWERS,
    OrderUpdateKind.INTERNAL: AttachmentAudience.PARK_STAFF,
}


@dataclass(frozen=True)
class UpdateInput:
    order_id: int
    kind: OrderUpdateKind
    body: str
    file_ids: Sequence[int | None] = ()
    idempotency_key: str | None = None


def reads_internal_notes(actor: Actor) -> bool:
    """Who, among those who may see an order, reads its internal notes: its event's readers."""
    return readers.reads_note(actor, OrderEventKind.ORDER_INTERNAL_NOTE_ADDED)


def checked_note(body: str) -> str:
    cleaned = body.strip()
    if not cleaned:
        raise Invalid.at("body", "NOTE_REQUIRED")
    if len(cleaned) > MAX_NOTE:
        raise Invalid.at("body", "TOO_LONG", max=MAX_NOTE)
    return cleaned


async def post_update(actor: Actor, request: UpdateInput) -> OrderUpdate:
    """The assignee (or a supervisor) posts a progress note or an internal note, with files."""
    require_user(actor)
    claim = await idempotency.claim(actor, request.idempotency_key, "postOrderUpdate", OrderUpdate)
    if claim.first is not None:
        return claim.first
    action, kind = ACTIONS[request.kind]
    try:
        order = await visible_order(actor, request.order_id)
        # Who may, from which state, before the input is judged: a refusal says the real reason.
        ORDER.check(actor, order, action, await reach_of(actor))
        body = checked_note(request.body)
        files = await attachments.checked_files(actor, request.file_ids)
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> OrderUpdate:
        update = await OrderUpdate.create(
            order_id=order.id, kind=request.kind, body=body, author_id=actor.user_id,
            using_db=conn,
        )  # fmt: skip
        await attachments.attach(
            conn, order.id, files, AttachedTo.UPDATE, AUDIENCES[request.kind], update_id=update.id
        )
        await events.record(
            conn, actor, "order", order.id, kind,
            {"note": body, "update": update.id, "files": [f.id for f in files]},
        )  # fmt: skip
        if request.kind is OrderUpdateKind.PROGRESS:  # an internal note is not the applicant's
            await notices.tell_enterprise(
                conn, actor, order, "ORDER_PROGRESS", {"note": notices.quoted(body)}
            )
        return update

    update, _ = await claim.run(write)
    return update


def updates_readable_by(actor: Actor) -> QuerySet[OrderUpdate]:
    """The updates `actor` reads on the orders they may see (the caller narrows it to orders
    already checked visible): internal notes for park staff only."""
    if reads_internal_notes(actor):
        return OrderUpdate.all()
    return OrderUpdate.filter(kind=OrderUpdateKind.PROGRESS)
