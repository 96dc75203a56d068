"""What an order shows of its processing: updates, the conversation, owed materials.

A page of orders loads each part it asks for in bulk, after the page (`load_processing`, called
by `orders/loading.py` for the `Load` follow-ups its selection needs): the updates of the whole
page in one statement, the messages in one and the read marks in one, the files of both in one
(only when `attachments` is asked under either), the owed materials in one (and the item
versions' forms for their labels, only when `label` is asked). Plain rows with the people's
names joined; no ORM object but the files and the owed materials, which carry their files.
For the viewer, as the services say they may read them: internal notes for park staff only,
the conversation for its two sides and supervisors (null for anyone else).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import strawberry
from tortoise.expressions import Q

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
from backend.schema.applications import types as _application_types  # noqa: F401  (OwedMaterialStatus)
from backend.schema.context import context_of
from backend.schema.enterprises.files import FileType
from backend.schema.loading import Selection, in_language
from backend.schema.nodes import global_id
from backend.schema.orders.refs import NamedRef, user_ref
from backend.schema.relay import Connection, Edge, PageInfo, decode_cursor, encode_cursor, page_size
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.orders import owed, processing, updates
from backend.services.orders.policies import OrderFacts
from backend.services.orders.states import ORDER

Row = Mapping[str, Any]

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


def _due_at(root: OrderOwedMaterialType, info: strawberry.Info) -> datetime:
    """The end of the day it is due, in the park's time zone (the request's settings)."""
    timezone = ZoneInfo(context_of(info).settings.timezone)
    return datetime.combine(root.due_on + timedelta(days=1), time(), timezone).astimezone(UTC)


@strawberry.type(name="OrderOwedMaterial", description="A material owed to the order (容缺).")
class OrderOwedMaterialType:
    id: strawberry.ID
    kind: str
    label: str = strawberry.field(description="The kind's name in the item's form.")
    due_on: date = strawberry.field(description="The day it was promised by (the park's date).")
    due_at: datetime = strawberry.field(
        resolver=_due_at, description="The end of that day, in the park's time zone."
    )
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


NodeT = TypeVar("NodeT")


def page_of(
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


# -- what a page asks for -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """The processing parts a page of orders loads, from the orders' selection."""

    updates: bool = False
    conversation: bool = False
    owed: bool = False
    # Only for `viewerCan`: the owed materials' statuses of the orders whose viewer may supply
    # or review one (`owed` loads them whole anyway).
    owed_statuses: bool = False
    update_files: bool = False
    message_files: bool = False
    owed_labels: bool = False

    @classmethod
    def of(
        cls,
        selection: Selection | None,
        *,
        updates: bool,
        conversation: bool,
        owed: bool,
        owed_statuses: bool,
    ) -> Ask:
        """The parts named (by the `Load` follow-ups); for each, what its own selection asks
        (None, no selection at hand: everything)."""

        def asks(path: Callable[[Selection], Selection], name: str) -> bool:
            return selection is None or path(selection).has(name)

        return cls(
            updates=updates,
            conversation=conversation,
            owed=owed,
            owed_statuses=owed_statuses,
            update_files=updates and asks(lambda s: s.under("updates").nodes(), "attachments"),
            message_files=conversation
            and asks(lambda s: s.under("messages").nodes(), "attachments"),
            owed_labels=owed and asks(lambda s: s.under("owedMaterials"), "label"),
        )


@dataclass
class Processing:
    """What a page of orders shows of its processing, by order id (only the parts asked for)."""

    updates: dict[int, list[OrderUpdateType]] = field(default_factory=dict)
    # The orders whose conversation the viewer reads; the others have none to show.
    conversations: dict[int, Conversation] = field(default_factory=dict)
    owed: dict[int, list[OrderOwedMaterialType]] = field(default_factory=dict)
    owed_statuses: dict[int, set[OwedStatus]] = field(default_factory=dict)


# The columns each part reads; the people's names are joined.
UPDATE_COLUMNS = ("id", "order_id", "kind", "body", "created_at", "author_id", "author__name")
MESSAGE_COLUMNS = (
    "id", "order_id", "sequence", "side", "body", "created_at", "author_id", "author__name",
)  # fmt: skip
MARK_COLUMNS = ("order_id", "side", "last_read_sequence", "read_at", "read_by_id", "read_by__name")


def _ref(row: Row, relation: str) -> NamedRef | None:
    pk = row[f"{relation}_id"]
    return user_ref(pk, row[f"{relation}__name"]) if pk is not None else None


def _files(attachments: Iterable[OrderAttachment]) -> list[FileType]:
    """Attached files in the order they were given; the viewer reads what they hang on, so
    may download them."""
    ordered = sorted(attachments, key=lambda a: (a.position, a.id))
    return [FileType.of(a.file, downloadable=True) for a in ordered]


async def _attachments(
    update_ids: Collection[int], message_ids: Collection[int]
) -> tuple[dict[int, list[FileType]], dict[int, list[FileType]]]:
    """The files of the updates and of the messages named, in one statement."""
    by_update: dict[int, list[OrderAttachment]] = defaultdict(list)
    by_message: dict[int, list[OrderAttachment]] = defaultdict(list)
    if update_ids or message_ids:
        found = OrderAttachment.filter(
            Q(order_update_id__in=list(update_ids)) | Q(message_id__in=list(message_ids))
        )
        for a in await found.select_related("file"):
            if a.order_update_id is not None:
                by_update[a.order_update_id].append(a)
            elif a.message_id is not None:
                by_message[a.message_id].append(a)
    return (
        {pk: _files(rows) for pk, rows in by_update.items()},
        {pk: _files(rows) for pk, rows in by_message.items()},
    )


def _update(row: Row, files: Mapping[int, list[FileType]]) -> OrderUpdateType:
    return OrderUpdateType(
        id=global_id("OrderUpdate", row["id"]),
        kind=OrderUpdateKind(row["kind"]),
        body=row["body"],
        author=_ref(row, "author"),
        attachments=files.get(row["id"], []),
        posted_at=row["created_at"],
        _pk=row["id"],
    )


def _other(side: ConversationSide) -> ConversationSide:
    return (
        ConversationSide.HANDLER
        if side is ConversationSide.ENTERPRISE
        else ConversationSide.ENTERPRISE
    )


def _message(
    row: Row, files: Mapping[int, list[FileType]], marks: Mapping[ConversationSide, Row]
) -> OrderMessageType:
    side = ConversationSide(row["side"])
    other = marks.get(_other(side))
    return OrderMessageType(
        id=global_id("OrderMessage", row["id"]),
        sequence=row["sequence"],
        side=side,
        author=_ref(row, "author"),
        body=row["body"],
        attachments=files.get(row["id"], []),
        sent_at=row["created_at"],
        read_by_other_side=other is not None and other["last_read_sequence"] >= row["sequence"],
    )


def _mark(side: ConversationSide, row: Row | None) -> OrderReadMarkType:
    if row is None:
        return OrderReadMarkType(side=side, last_read_sequence=0, read_by=None, read_at=None)
    return OrderReadMarkType(
        side=side,
        last_read_sequence=row["last_read_sequence"],
        read_by=_ref(row, "read_by"),
        read_at=row["read_at"],
    )


async def _marks(order_ids: Collection[int]) -> dict[int, dict[ConversationSide, Row]]:
    found: dict[int, dict[ConversationSide, Row]] = defaultdict(dict)
    rows = await OrderReadMark.filter(order_id__in=list(order_ids)).values(*MARK_COLUMNS)
    for row in rows:
        found[row["order_id"]][ConversationSide(row["side"])] = row
    return found


def _owed(material: OwedMaterial, form: Any, language: str) -> OrderOwedMaterialType:
    """`material` (with its file and people); `form`, its item version's, for the label (None
    when `label` is not asked)."""
    kinds = {k["kind"]: k for k in (form or {}).get("attachments") or []}
    label = kinds.get(material.kind, {}).get("label") or {}
    supplied_by, reviewed_by = material.supplied_by, material.reviewed_by
    return OrderOwedMaterialType(
        id=global_id("OwedMaterial", material.id),
        kind=material.kind,
        label=in_language(language, label.get("zh") or material.kind, label.get("en") or ""),
        due_on=material.due_on,
        status=OwedStatus(material.status),
        supplied_file=FileType.of(material.supplied_file, downloadable=True)
        if material.supplied_file is not None
        else None,
        supplied_at=material.supplied_at,
        supplied_by=user_ref(supplied_by.id, supplied_by.name) if supplied_by else None,
        return_reason=material.return_reason,
        reviewed_by=user_ref(reviewed_by.id, reviewed_by.name) if reviewed_by else None,
        reviewed_at=material.reviewed_at,
    )


async def _forms(version_ids: Collection[int]) -> dict[int, Any]:
    """The forms of the item versions named (their labels name the owed kinds)."""
    if not version_ids:
        return {}
    found = await ServiceItemVersion.filter(id__in=list(version_ids)).values("id", "form")
    return {int(str(v["id"])): v["form"] for v in found}


async def _owed_materials(
    rows: Sequence[Row], *, labels: bool, language: str
) -> dict[int, list[OrderOwedMaterialType]]:
    """The owed materials of `rows` (orders, with `application_id` and `item_version_id`)."""
    found = await owed.owed_of({row["application_id"] for row in rows})
    forms = (
        await _forms({row["item_version_id"] for row in rows if found[row["application_id"]]})
        if labels
        else {}
    )
    return {
        row["id"]: [
            _owed(m, forms.get(row["item_version_id"]), language)
            for m in found[row["application_id"]]
        ]
        for row in rows
    }


# -- a page of orders -----------------------------------------------------------------------------


def may_act_on_owed(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """Whether the order's table lets the viewer supply or review an owed material of it: only
    then does `viewerCan` need the materials' statuses."""
    return ORDER.may(actor, order, "SUPPLY_OWED_MATERIAL", reach) or ORDER.may(
        actor, order, "ACCEPT_OWED_MATERIAL", reach
    )


def viewer_flags(
    actor: Actor, order: OrderFacts, reach: Reach, statuses: Collection[OwedStatus]
) -> dict[str, bool]:
    """The processing flags of `OrderViewerCan`: the order's table and policies; for owed
    materials, also one in the state the step starts from (`statuses`: the order's, loaded
    when `may_act_on_owed`)."""

    def may(name: str) -> bool:
        return ORDER.may(actor, order, name, reach)

    return {
        "post_update": may("POST_PROGRESS_NOTE"),
        "send_message": may("SEND_MESSAGE"),
        "supply_owed_material": may("SUPPLY_OWED_MATERIAL")
        and bool(set(statuses) & owed.STILL_OWED),
        "review_owed_material": may("ACCEPT_OWED_MATERIAL") and OwedStatus.SUPPLIED in statuses,
    }


async def load_processing(
    actor: Actor,
    rows: Sequence[Row],
    facts: Mapping[int, OrderFacts],
    ask: Ask,
    reach: Reach | None,
) -> Processing:
    """The parts `ask` names for the orders of `rows` (all visible to `actor`), a fixed number
    of statements whatever their number. `facts`: each order's, when the conversation or the
    owed statuses are asked (with `reach`, they decide who reads and who acts)."""
    found = Processing()
    ids = [row["id"] for row in rows]
    if not ids:
        return found

    update_rows: list[Row] = []
    if ask.updates:
        query = updates.updates_readable_by(actor).filter(order_id__in=ids)
        update_rows = list(await query.order_by("order_id", "id").values(*UPDATE_COLUMNS))

    readable: list[int] = []
    message_rows: list[Row] = []
    marks: dict[int, dict[ConversationSide, Row]] = {}
    if ask.conversation:
        assert reach is not None, "who reads the conversation depends on the viewer's reach"
        readable = [pk for pk in ids if processing.reads_conversation(actor, facts[pk], reach)]
        if readable:
            query_messages = OrderMessage.filter(order_id__in=readable)
            message_rows = list(
                await query_messages.order_by("order_id", "sequence").values(*MESSAGE_COLUMNS)
            )
            marks = await _marks(readable)

    update_files, message_files = await _attachments(
        [r["id"] for r in update_rows] if ask.update_files else (),
        [r["id"] for r in message_rows] if ask.message_files else (),
    )
    if ask.updates:
        found.updates = {pk: [] for pk in ids}
        for row in update_rows:
            found.updates[row["order_id"]].append(_update(row, update_files))
    if ask.conversation:
        messages: dict[int, list[OrderMessageType]] = defaultdict(list)
        for row in message_rows:
            sides = marks.get(row["order_id"], {})
            messages[row["order_id"]].append(_message(row, message_files, sides))
        for pk in readable:
            sides = marks.get(pk, {})
            found.conversations[pk] = Conversation(
                messages=messages.get(pk, []),
                read_marks=[_mark(side, sides.get(side)) for side in ConversationSide],
            )

    if ask.owed:
        found.owed = await _owed_materials(rows, labels=ask.owed_labels, language=actor.language)
        found.owed_statuses = {pk: {m.status for m in found.owed[pk]} for pk in ids}
    elif ask.owed_statuses:
        assert reach is not None, "who acts on owed materials depends on the viewer's reach"
        acting = {
            row["application_id"]: row["id"]
            for row in rows
            if may_act_on_owed(actor, facts[row["id"]], reach)
        }
        found.owed_statuses = {pk: set() for pk in ids}
        if acting:
            statuses = OwedMaterial.filter(application_id__in=list(acting))
            for application_id, status in await statuses.values_list("application_id", "status"):
                found.owed_statuses[acting[int(str(application_id))]].add(OwedStatus(status))
    return found


# -- one of each, for a mutation's payload --------------------------------------------------------


async def update_by_id(update_id: int) -> OrderUpdateType:
    """An update the viewer has just posted."""
    (row,) = await OrderUpdate.filter(id=update_id).values(*UPDATE_COLUMNS)
    files, _ = await _attachments([update_id], ())
    return _update(row, files)


async def message_by_id(message_id: int) -> OrderMessageType:
    """A message the viewer has just sent, as both sides' marks stand."""
    (row,) = await OrderMessage.filter(id=message_id).values(*MESSAGE_COLUMNS)
    _, files = await _attachments((), [message_id])
    marks = await _marks([row["order_id"]])
    return _message(row, files, marks.get(row["order_id"], {}))


async def read_mark_of(order_id: int, side: ConversationSide) -> OrderReadMarkType:
    """Where `side` of the order's conversation has read to, as it now stands."""
    marks = await _marks([order_id])
    return _mark(side, marks.get(order_id, {}).get(side))


async def owed_material_of(actor: Actor, order: Row, owed_id: int) -> OrderOwedMaterialType | None:
    """One owed material of `order` (a row with `id`, `application_id` and `item_version_id`,
    visible to `actor`), as the order shows it."""
    found = await _owed_materials([order], labels=True, language=actor.language)
    shown = global_id("OwedMaterial", owed_id)
    return next((m for m in found[order["id"]] if m.id == shown), None)
