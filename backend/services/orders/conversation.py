"""The conversation on an order: the applicant's enterprise and the handler, message by message.

Messages are numbered 1, 2, 3, ... per order by the order's own message counter (a `counters`
row `message:order:<id>`, advanced by one UPDATE in the sending transaction: the row lock on
PostgreSQL, the one writer on SQLite), so concurrent senders get distinct numbers without
gaps and without touching the order's version: a message never makes the order stale. Each
message and each read mark is also an order event (for live updates and the record), whose
data carries no text: the words are the conversation's readers' (`parties.reads_conversation`).

Each side has one read mark, the highest message number someone of that side has read; it
only grows. A message is "read by the other side" once the other side's mark reaches it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Max

from backend.i18n import N_
from backend.models.orders import (
    AttachedTo,
    AttachmentAudience,
    ConversationSide,
    OrderMessage,
    OrderReadMark,
)
from backend.services.core import clock, events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, ServiceError, register_messages
from backend.services.core.numbering import next_value
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.orders import attachments, notices
from backend.services.orders.parties import side_of
from backend.services.orders.policies import visible_order
from backend.services.orders.states import ORDER, OrderEventKind

register_messages(
    {
        "MESSAGE_REQUIRED": N_("Write a message or attach a file."),
        "NO_SUCH_MESSAGE": N_("There is no message {sequence} on this order."),
    }
)

MAX_MESSAGE = 4000


def counter_key(order_id: int) -> str:
    return f"message:order:{order_id}"


@dataclass(frozen=True)
class MessageInput:
    order_id: int
    body: str
    file_ids: Sequence[int | None] = ()
    idempotency_key: str | None = None


def checked_body(body: str, with_files: bool) -> str:
    cleaned = body.strip()
    if not cleaned and not with_files:
        raise Invalid.at("body", "MESSAGE_REQUIRED")
    if len(cleaned) > MAX_MESSAGE:
        raise Invalid.at("body", "TOO_LONG", max=MAX_MESSAGE)
    return cleaned


async def send_message(actor: Actor, request: MessageInput) -> OrderMessage:
    """A member of the applicant's enterprise, or the assignee, writes on the order."""
    require_user(actor)
    claim = await idempotency.claim(
        actor, request.idempotency_key, "sendOrderMessage", OrderMessage
    )
    if claim.first is not None:
        return claim.first
    try:
        order = await visible_order(actor, request.order_id)
        reach = await reach_of(actor)
        ORDER.check(actor, order, "SEND_MESSAGE", reach)
        side = side_of(actor, order, reach)
        assert side is not None  # the table's policy: a party to the conversation
        body = checked_body(request.body, bool(request.file_ids))
        files = await attachments.checked_files(actor, request.file_ids)
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> OrderMessage:
        sequence = await next_value(conn, counter_key(order.id))
        message = await OrderMessage.create(
            order_id=order.id, sequence=sequence, side=side, author_id=actor.user_id,
            body=body, using_db=conn,
        )  # fmt: skip
        await attachments.attach(
            conn, order.id, files, AttachedTo.MESSAGE, AttachmentAudience.CONVERSATION,
            message_id=message.id,
        )  # fmt: skip
        await events.record(
            conn, actor, "order", order.id, OrderEventKind.ORDER_MESSAGE_SENT,
            {"message": sequence, "side": side.value, "files": len(files)},
        )  # fmt: skip
        await notices.tell_message(conn, actor, order, side is ConversationSide.ENTERPRISE)
        return message

    message, _ = await claim.run(write)
    return message


def _placeholders(conn: BaseDBAsyncClient, count: int) -> list[str]:
    if conn.capabilities.dialect == "postgres":
        return [f"${i}" for i in range(1, count + 1)]
    return ["?"] * count


async def _advance(
    conn: BaseDBAsyncClient, order_id: int, side: ConversationSide, up_to: int, user_id: int
) -> bool:
    """Moves the side's mark up to `up_to` unless it is there already; whether it moved.

    One statement, so two readers of one side at once never lose the higher mark.
    """
    p = _placeholders(conn, 5)
    rows = await conn.execute_query_dict(
        "INSERT INTO order_read_marks (order_id, side, last_read_sequence, read_by_id, read_at) "  # noqa: S608
        f"VALUES ({p[0]}, {p[1]}, {p[2]}, {p[3]}, {p[4]}) "
        "ON CONFLICT (order_id, side) DO UPDATE SET "
        "last_read_sequence = excluded.last_read_sequence, read_by_id = excluded.read_by_id, "
        "read_at = excluded.read_at "
        "WHERE order_read_marks.last_read_sequence < excluded.last_read_sequence "
        "RETURNING last_read_sequence",
        [order_id, side.value, up_to, user_id, clock.now()],
    )
    return bool(rows)


async def latest_sequence(order_id: int, conn: BaseDBAsyncClient | None = None) -> int:
    rows = (
        await OrderMessage.filter(order_id=order_id)
        .using_db(conn)
        .annotate(latest=Max("sequence"))
        .values_list("latest", flat=True)
    )
    found = rows[0] if rows else None
    return int(str(found)) if found is not None else 0


@dataclass(frozen=True)
class ReadResult:
    order_id: int
    side: ConversationSide
    last_read_sequence: int
    moved: bool


async def mark_read(actor: Actor, order_id: int, up_to: int | None) -> ReadResult:
    """The actor's side has read the conversation up to message `up_to` (None: the latest).

    Marking less than the side has already read changes nothing and records nothing.
    """
    user_id = require_user(actor)
    order = await visible_order(actor, order_id)
    reach = await reach_of(actor)
    ORDER.check(actor, order, "MARK_MESSAGES_READ", reach)
    side = side_of(actor, order, reach)
    assert side is not None  # the table's policy: a party to the conversation
    async with in_transaction() as conn:
        latest = await latest_sequence(order.id, conn)
        target = latest if up_to is None else up_to
        if up_to is not None and not 1 <= up_to <= latest:
            raise Invalid.at("upToSequence", "NO_SUCH_MESSAGE", sequence=up_to)
        moved = target > 0 and await _advance(conn, order.id, side, target, user_id)
        if moved:
            await events.record(
                conn, actor, "order", order.id, OrderEventKind.ORDER_MESSAGES_READ,
                {"side": side.value, "upTo": target},
            )  # fmt: skip
        mark = await OrderReadMark.get_or_none(order_id=order.id, side=side, using_db=conn)
        if target == latest:  # read to the end: "new messages" is no longer news to them
            await notices.messages_read(conn, user_id, order)
    return ReadResult(order.id, side, mark.last_read_sequence if mark else 0, moved)
