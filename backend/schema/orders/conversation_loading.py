"""The notes and the conversation of a page of orders, for the whole page: the updates in one
statement, the messages in one and the read marks in one, the files of both in one (only when
`attachments` is asked under either). Plain rows with the people's names joined. For the
viewer as the services say they may read them: internal notes for park staff only
(`updates.updates_readable_by`), the conversation for its two sides and supervisors
(`parties.reads_conversation`; null for anyone else).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.models.orders import (
    AttachedTo,
    ConversationSide,
    OrderMessage,
    OrderReadMark,
    OrderUpdate,
    OrderUpdateKind,
)
from backend.schema.loading import Selection
from backend.schema.nodes import global_id
from backend.schema.orders.attachments import Files, files_on
from backend.schema.orders.conversation_types import (
    Conversation,
    OrderMessageType,
    OrderReadMarkType,
    OrderUpdateType,
)
from backend.schema.orders.refs import person_of
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.orders import parties, updates
from backend.services.orders.policies import OrderFacts

Row = Mapping[str, Any]

# The columns each part reads; the people's names are joined.
UPDATE_COLUMNS = ("id", "order_id", "kind", "body", "created_at", "author_id", "author__name")
MESSAGE_COLUMNS = (
    "id", "order_id", "sequence", "side", "body", "created_at", "author_id", "author__name",
)  # fmt: skip
MARK_COLUMNS = ("order_id", "side", "last_read_sequence", "read_at", "read_by_id", "read_by__name")


@dataclass
class Notes:
    """The updates and the conversations of a page of orders, by order id (the parts asked)."""

    updates: dict[int, list[OrderUpdateType]] = field(default_factory=dict)
    # The orders whose conversation the viewer reads; the others have none to show.
    conversations: dict[int, Conversation] = field(default_factory=dict)


def _update(row: Row, files: Files) -> OrderUpdateType:
    return OrderUpdateType(
        id=global_id("OrderUpdate", row["id"]),
        kind=OrderUpdateKind(row["kind"]),
        body=row["body"],
        author=person_of(row, "author"),
        attachments=files.on(AttachedTo.UPDATE, row["id"]),
        posted_at=row["created_at"],
        _pk=row["id"],
    )


def _other(side: ConversationSide) -> ConversationSide:
    return (
        ConversationSide.HANDLER
        if side is ConversationSide.ENTERPRISE
        else ConversationSide.ENTERPRISE
    )


def _message(row: Row, files: Files, marks: Mapping[ConversationSide, Row]) -> OrderMessageType:
    side = ConversationSide(row["side"])
    other = marks.get(_other(side))
    return OrderMessageType(
        id=global_id("OrderMessage", row["id"]),
        sequence=row["sequence"],
        side=side,
        author=person_of(row, "author"),
        body=row["body"],
        attachments=files.on(AttachedTo.MESSAGE, row["id"]),
        sent_at=row["created_at"],
        read_by_other_side=other is not None and other["last_read_sequence"] >= row["sequence"],
    )


def _mark(side: ConversationSide, row: Row | None) -> OrderReadMarkType:
    if row is None:
        return OrderReadMarkType(side=side, last_read_sequence=0, read_by=None, read_at=None)
    return OrderReadMarkType(
        side=side,
        last_read_sequence=row["last_read_sequence"],
        read_by=person_of(row, "read_by"),
        read_at=row["read_at"],
    )


async def _marks(order_ids: Collection[int]) -> dict[int, dict[ConversationSide, Row]]:
    found: dict[int, dict[ConversationSide, Row]] = defaultdict(dict)
    rows = await OrderReadMark.filter(order_id__in=list(order_ids)).values(*MARK_COLUMNS)
    for row in rows:
        found[row["order_id"]][ConversationSide(row["side"])] = row
    return found


def _asks_files(selection: Selection | None, part: str) -> bool:
    return selection is None or selection.under(part).nodes().has("attachments")


async def load_notes(
    actor: Actor,
    ids: Sequence[int],
    selection: Selection | None,
    *,
    with_updates: bool,
    conversation_of: Mapping[int, OrderFacts] | None,
    reach: Reach | None,
) -> Notes:
    """The updates (`with_updates`) and the conversations (`conversation_of`: the facts of
    each order, which decide with `reach` who reads it) of orders `ids`, all visible to
    `actor`, as the orders' `selection` asks (None: everything)."""
    found = Notes()
    update_rows: list[Row] = []
    if with_updates:
        query = updates.updates_readable_by(actor).filter(order_id__in=list(ids))
        update_rows = list(await query.order_by("order_id", "id").values(*UPDATE_COLUMNS))

    readable: list[int] = []
    message_rows: list[Row] = []
    marks: dict[int, dict[ConversationSide, Row]] = {}
    if conversation_of is not None:
        assert reach is not None, "who reads the conversation depends on the viewer's reach"
        readable = [
            pk for pk in ids if parties.reads_conversation(actor, conversation_of[pk], reach)
        ]
        if readable:
            query_messages = OrderMessage.filter(order_id__in=readable)
            message_rows = list(
                await query_messages.order_by("order_id", "sequence").values(*MESSAGE_COLUMNS)
            )
            marks = await _marks(readable)

    files = await files_on(
        updates=[r["id"] for r in update_rows] if _asks_files(selection, "updates") else (),
        messages=[r["id"] for r in message_rows] if _asks_files(selection, "messages") else (),
    )
    if with_updates:
        found.updates = {pk: [] for pk in ids}
        for row in update_rows:
            found.updates[row["order_id"]].append(_update(row, files))
    messages: dict[int, list[OrderMessageType]] = defaultdict(list)
    for row in message_rows:
        messages[row["order_id"]].append(_message(row, files, marks.get(row["order_id"], {})))
    for pk in readable:
        sides = marks.get(pk, {})
        found.conversations[pk] = Conversation(
            messages=messages.get(pk, []),
            read_marks=[_mark(side, sides.get(side)) for side in ConversationSide],
        )
    return found


# -- one of each, for a mutation's payload --------------------------------------------------------


async def update_by_id(update_id: int) -> OrderUpdateType:
    """An update the viewer has just posted."""
    (row,) = await OrderUpdate.filter(id=update_id).values(*UPDATE_COLUMNS)
    return _update(row, await files_on(updates=[update_id]))


async def message_by_id(message_id: int) -> OrderMessageType:
    """A message the viewer has just sent, as both sides' marks stand."""
    (row,) = await OrderMessage.filter(id=message_id).values(*MESSAGE_COLUMNS)
    files = await files_on(messages=[message_id])
    marks = await _marks([row["order_id"]])
    return _message(row, files, marks.get(row["order_id"], {}))


async def read_mark_of(order_id: int, side: ConversationSide) -> OrderReadMarkType:
    """Where `side` of the order's conversation has read to, as it now stands."""
    marks = await _marks([order_id])
    return _mark(side, marks.get(order_id, {}).get(side))
