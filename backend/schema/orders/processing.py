"""What an order shows of its processing: updates, the conversation, owed materials.

Each part is loaded per request by a DataLoader keyed by the order's primary key (a page of
orders asking for it costs one or two statements, not one per order), for the viewer, as the
services say they may read it: internal notes for park staff only, the conversation for its
two sides and supervisors (null for anyone else).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import strawberry
from strawberry.dataloader import DataLoader

from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.catalog import ServiceItemVersion
from backend.models.orders import (
    ConversationSide,
    OrderAttachment,
    OrderMessage,
    OrderReadMark,
    OrderUpdate,
    OrderUpdateKind,
)
from backend.models.orders import Order as OrderModel
from backend.schema.applications import types as _application_types  # noqa: F401  (OwedMaterialStatus)
from backend.schema.context import context_of, viewer_reach
from backend.schema.enterprises.files import FileType
from backend.schema.loading import in_language
from backend.schema.nodes import global_id
from backend.schema.orders.refs import NamedRef, user_ref
from backend.schema.relay import Connection, Edge, PageInfo, decode_cursor, encode_cursor, page_size
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.orders import conversation, owed, parties, updates
from backend.services.orders.states import ORDER

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


@strawberry.type(name="OrderOwedMaterial", description="A material owed to the order (容缺).")
class OrderOwedMaterialType:
    id: strawberry.ID
    kind: str
    label: str = strawberry.field(description="The kind's name in the item's form.")
    due_on: date = strawberry.field(description="The day it was promised by (the park's date).")
    due_at: datetime = strawberry.field(description="The end of that day, in the park's time zone.")
    status: OwedStatus
    supplied_file: FileType | None = strawberry.field(
        description="The file handed in last (the refused one while RETURNED)."
    )
    supplied_at: datetime | None
    supplied_by: NamedRef | None
    return_reason: str = strawberry.field(description="Why it was returned; empty otherwise.")
    reviewed_by: NamedRef | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class Conversation:
    messages: list[OrderMessageType]
    read_marks: list[OrderReadMarkType]


T = TypeVar("T")
NodeT = TypeVar("NodeT")


class RowLoader(Generic[T]):
    """A DataLoader by order pk whose batch function gets the order rows the fields came from."""

    def __init__(self, load: Callable[[list[OrderModel]], Awaitable[list[T]]]) -> None:
        self.rows: dict[int, OrderModel] = {}

        async def batch(pks: list[int]) -> list[T]:
            return await load([self.rows[pk] for pk in pks])

        self.loader: DataLoader[int, T] = DataLoader(load_fn=batch)

    def load(self, row: OrderModel) -> Awaitable[T]:
        self.rows[row.id] = row
        return self.loader.load(row.id)


def _loader(info: strawberry.Info, name: str, make: Callable[[], RowLoader[Any]]) -> RowLoader[Any]:
    loaders = context_of(info).loaders
    found = loaders.get(name)
    if found is None:
        found = loaders[name] = make()
    assert isinstance(found, RowLoader)
    return found


def _ref(user: Any) -> NamedRef | None:
    return user_ref(user.id, user.name) if user is not None else None


def _files(rows: Iterable[OrderAttachment]) -> list[FileType]:
    """Attached files (prefetched) in the order they were given; the viewer reads what they
    hang on, so may download them."""
    ordered = sorted(rows, key=lambda a: (a.position, a.id))
    return [FileType.of(a.file, downloadable=True) for a in ordered]


def _page(
    items: Sequence[NodeT], key: Callable[[NodeT], int], first: int | None, after: str | None
) -> Connection[NodeT]:
    """A page of a list already loaded whole, oldest first, with keyset cursors."""
    size = page_size(first)
    rest = list(items)
    if after:
        (start,) = decode_cursor(after, [int])
        rest = [i for i in rest if key(i) > start]
    page = rest[: size + 1]
    cursors = [encode_cursor([key(i)]) for i in page[:size]]
    total = len(items)

    async def count() -> int:
        return total

    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, page, strict=False)],
        page_info=PageInfo(
            has_next_page=len(page) > size,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        _count=count,
    )


# -- updates --------------------------------------------------------------------------------------


def update_as_type(row: OrderUpdate) -> OrderUpdateType:
    return OrderUpdateType(
        id=global_id("OrderUpdate", row.id),
        kind=OrderUpdateKind(row.kind),
        body=row.body,
        author=_ref(row.author),
        attachments=_files(row.attachments),
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
    loader = _loader(info, "orders.updates", lambda: _updates_loader(actor))
    found: list[OrderUpdateType] = await loader.load(row)
    return _page(found, lambda u: u._pk, first, after)


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
        author=_ref(row.author),
        body=row.body,
        attachments=_files(row.attachments),
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
        read_by=_ref(mark.read_by),
        read_at=mark.read_at,
    )


async def conversation_of(info: strawberry.Info, row: OrderModel) -> Conversation | None:
    actor = context_of(info).actor
    reach = await viewer_reach(info)
    loader = _loader(info, "orders.conversation", lambda: _conversation_loader(actor, reach))
    found: Conversation | None = await loader.load(row)
    return found


async def messages_page(
    info: strawberry.Info, row: OrderModel, first: int | None, after: str | None
) -> Connection[OrderMessageType] | None:
    page_size(first)
    found = await conversation_of(info, row)
    if found is None:
        return None
    return _page(found.messages, lambda m: m.sequence, first, after)


# -- owed materials -------------------------------------------------------------------------------


def _due_at(day: date, timezone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(timezone)).astimezone(UTC)


def _owed_loader(actor: Actor, timezone: str) -> RowLoader[list[OrderOwedMaterialType]]:
    async def load(rows: list[OrderModel]) -> list[list[OrderOwedMaterialType]]:
        found = await owed.owed_of(rows)
        version_ids = {r.item_version_id for r in rows if found[r.id]}
        forms = {
            int(str(v["id"])): v["form"]
            for v in await ServiceItemVersion.filter(id__in=list(version_ids)).values("id", "form")
        }
        return [
            [_owed_as_type(o, forms.get(r.item_version_id), actor, timezone) for o in found[r.id]]
            for r in rows
        ]

    return RowLoader(load)


def _owed_as_type(
    row: OwedMaterial, form: Any, actor: Actor, timezone: str
) -> OrderOwedMaterialType:
    kinds = {k["kind"]: k for k in (form or {}).get("attachments") or []}
    label = kinds.get(row.kind, {}).get("label") or {}
    return OrderOwedMaterialType(
        id=global_id("OwedMaterial", row.id),
        kind=row.kind,
        label=in_language(actor.language, label.get("zh") or row.kind, label.get("en") or ""),
        due_on=row.due_on,
        due_at=_due_at(row.due_on, timezone),
        status=OwedStatus(row.status),
        supplied_file=FileType.of(row.supplied_file, downloadable=True)
        if row.supplied_file is not None
        else None,
        supplied_at=row.supplied_at,
        supplied_by=_ref(row.supplied_by),
        return_reason=row.return_reason,
        reviewed_by=_ref(row.reviewed_by),
        reviewed_at=row.reviewed_at,
    )


async def owed_materials(info: strawberry.Info, row: OrderModel) -> list[OrderOwedMaterialType]:
    context = context_of(info)
    loader = _loader(
        info, "orders.owed", lambda: _owed_loader(context.actor, context.settings.timezone)
    )
    found: list[OrderOwedMaterialType] = await loader.load(row)
    return found


# -- what the viewer may do -----------------------------------------------------------------------


async def viewer_flags(info: strawberry.Info, row: OrderModel, reach: Reach) -> dict[str, bool]:
    """The processing flags of `OrderViewerCan`: the order's table and policies; for owed
    materials, also something in the state the step starts from."""
    actor = context_of(info).actor

    def may(name: str) -> bool:
        return ORDER.may(actor, row, name, reach)

    supply, review = may("SUPPLY_OWED_MATERIAL"), may("ACCEPT_OWED_MATERIAL")
    statuses: set[OwedStatus] = set()
    if supply or review:
        statuses = {o.status for o in await owed_materials(info, row)}
    return {
        "post_update": may("POST_PROGRESS_NOTE"),
        "send_message": may("SEND_MESSAGE"),
        "supply_owed_material": supply and bool(statuses & owed.STILL_OWED),
        "review_owed_material": review and OwedStatus.SUPPLIED in statuses,
    }
