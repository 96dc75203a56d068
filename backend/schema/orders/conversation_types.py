"""What an order shows of its notes and its conversation: progress and internal notes, the
messages and each side's read mark.

Each is loaded per request by a `RowLoader` (one or two statements for a page of orders), for
the viewer as the services say they may read it: internal notes for park staff only, the
conversation for its two sides and supervisors (null for anyone else).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import strawberry

from backend.models.orders import (
    ConversationSide,
    OrderMessage,
    OrderReadMark,
    OrderUpdate,
    OrderUpdateKind,
)
from backend.models.orders import Order as OrderModel
from backend.schema.context import context_of, viewer_reach
from backend.schema.enterprises.files import FileType
from backend.schema.nodes import global_id
from backend.schema.orders.refs import NamedRef
from backend.schema.orders.row_loaders import (
    RowLoader,
    attached_files,
    page_of,
    person,
    row_loader,
)
from backend.schema.relay import Connection, page_size
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.orders import conversation, parties, updates

strawberry.enum(
    OrderUpdateKind,
    name="OrderUpdateKind",
    description="PROGRESS: the applicant reads it; INTERNAL: only park staff who see the order.",
)
strawberry.enum(
    ConversationSide,
    name="ConversationSide",
    description="Who speaks in an order's conversation: the applicant's enterprise, or the "
    "order's handler.",
)


@strawberry.type(name="OrderUpdate", description="Processing information on an order.")
class OrderUpdateType:
    id: strawberry.ID
    kind: OrderUpdateKind
    body: str
    author: NamedRef | None
    attachments: list[FileType]
    posted_at: datetime
    _pk: strawberry.Private[int]


@strawberry.type(name="OrderMessage", description="A message of an order's conversation.")
class OrderMessageType:
    id: strawberry.ID
    sequence: int = strawberry.field(description="1, 2, 3, ... per order, in the order sent.")
    side: ConversationSide
    author: NamedRef | None
    body: str
    attachments: list[FileType]
    sent_at: datetime
    read_by_other_side: bool = strawberry.field(
        description="Someone of the other side has read up to this message."
    )


@strawberry.type(
    name="OrderReadMark", description="How far one side of an order's conversation has read."
)
class OrderReadMarkType:
    side: ConversationSide
    last_read_sequence: int = strawberry.field(description="0 when nothing was read yet.")
    read_by: NamedRef | None
    read_at: datetime | None


@dataclass(frozen=True)
class Conversation:
    messages: list[OrderMessageType]
    read_marks: list[OrderReadMarkType]


# -- updates --------------------------------------------------------------------------------------


def update_as_type(row: OrderUpdate) -> OrderUpdateType:
    return OrderUpdateType(
        id=global_id("OrderUpdate", row.id),
        kind=OrderUpdateKind(row.kind),
        body=row.body,
        author=person(row.author),
        attachments=attached_files(row.attachments),
        posted_at=row.created_at,
        _pk=row.id,
    )


def _updates_loader(actor: Actor) -> RowLoader[list[OrderUpdateType]]:
    async def load(rows: list[OrderModel]) -> list[list[OrderUpdateType]]:
        found = await updates.updates_of(actor, [r.id for r in rows])
        return [[update_as_type(u) for u in found[r.id]] for r in rows]

    return RowLoader(load)


async def updates_page(
    info: strawberry.Info, row: OrderModel, first: int | None, after: str | None
) -> Connection[OrderUpdateType]:
    page_size(first)  # a bad size is refused before anything loads
    actor = context_of(info).actor
    loader = row_loader(info, "orders.updates", lambda: _updates_loader(actor))
    found: list[OrderUpdateType] = await loader.load(row)
    return page_of(found, lambda u: u._pk, first, after)


# -- the conversation -----------------------------------------------------------------------------


def _conversation_loader(actor: Actor, reach: Reach) -> RowLoader[Conversation | None]:
    async def load(rows: list[OrderModel]) -> list[Conversation | None]:
        readable = [r for r in rows if parties.reads_conversation(actor, r, reach)]
        pks = [r.id for r in readable]
        messages = await conversation.messages_of(pks) if pks else {}
        marks = await conversation.read_marks_of(pks) if pks else {}
        result: list[Conversation | None] = []
        for row in rows:
            if row.id not in messages:
                result.append(None)
                continue
            sides = marks[row.id]
            result.append(
                Conversation(
                    messages=[message_as_type(m, sides) for m in messages[row.id]],
                    read_marks=[mark_as_type(side, sides.get(side)) for side in ConversationSide],
                )
            )
        return result

    return RowLoader(load)


def message_as_type(
    row: OrderMessage, marks: Mapping[ConversationSide, OrderReadMark]
) -> OrderMessageType:
    """`row` (with its author and files) as the schema shows it, given both sides' marks."""
    other = marks.get(_other(row.side))
    return OrderMessageType(
        id=global_id("OrderMessage", row.id),
        sequence=row.sequence,
        side=ConversationSide(row.side),
        author=person(row.author),
        body=row.body,
        attachments=attached_files(row.attachments),
        sent_at=row.created_at,
        read_by_other_side=other is not None and other.last_read_sequence >= row.sequence,
    )


def _other(side: str) -> ConversationSide:
    return (
        ConversationSide.HANDLER
        if side == ConversationSide.ENTERPRISE
        else ConversationSide.ENTERPRISE
    )


def mark_as_type(side: ConversationSide, mark: OrderReadMark | None) -> OrderReadMarkType:
    if mark is None:
        return OrderReadMarkType(side=side, last_read_sequence=0, read_by=None, read_at=None)
    return OrderReadMarkType(
        side=side,
        last_read_sequence=mark.last_read_sequence,
        read_by=person(mark.read_by),
        read_at=mark.read_at,
    )


async def conversation_of(info: strawberry.Info, row: OrderModel) -> Conversation | None:
    actor = context_of(info).actor
    reach = await viewer_reach(info)
    loader = row_loader(info, "orders.conversation", lambda: _conversation_loader(actor, reach))
    found: Conversation | None = await loader.load(row)
    return found


async def messages_page(
    info: strawberry.Info, row: OrderModel, first: int | None, after: str | None
) -> Connection[OrderMessageType] | None:
    page_size(first)
    found = await conversation_of(info, row)
    if found is None:
        return None
    return page_of(found.messages, lambda m: m.sequence, first, after)
