"""What a page of orders, or one order, loads: the columns its selection needs, as plain rows.

`ORDER_NEEDS` says, for each field of `Order`, which columns it reads (paths on the order model:
`enterprise__name` makes the query join enterprises) and which follow-up loads it needs after
the page (`Load`). The page is one statement of plain rows (no ORM objects; the assignment
reason's JSON only when asked), the count one more when asked; each follow-up is a bulk load
for the whole page, a fixed number of statements whatever its size: the timelines one
(`timelines.py`), processing a few (`processing.py`: updates, the conversation and its read
marks, the files of both, owed materials). A new field of `Order`: its entry here (a test holds
the table to the type), and either a resolver on `OrderType` reading `self._row`, or an
attribute filled in `order_of` (cheaper on a hot list); what it needs beyond the order's own
columns, a `Load` member loaded in `orders_of` for every order of the page at once, never a
DataLoader or a query per order. A policy it asks reads `OrderFacts`: what it reads is a
column of `OrderRow`, loaded with the field (`OrderRow.COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from functools import partial
from typing import Any

import strawberry

from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted, in_language
from backend.schema.nodes import global_id, register, register_selecting
from backend.schema.orders.processing import Ask, Processing, load_processing, viewer_flags
from backend.schema.orders.refs import NamedRef
from backend.schema.orders.timelines import Timeline, load_timelines
from backend.schema.orders.types import (
    OrderApplication,
    OrderServiceItem,
    OrderType,
    OrderViewerCan,
    reason_as_type,
)
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach, reach_of
from backend.services.orders import orders as order_service
from backend.services.orders import states as order_states
from backend.services.orders.handlers import AssignmentReason as AssignmentReasonRecord
from backend.services.orders.policies import (
    OrderRow,
    can_view_assignment_reason,
    orders_visible_to,
)

Row = Mapping[str, Any]


class Load(Enum):
    TIMELINE = "timeline"  # the events each order's `timeline` asks for (timelines.py)
    # Processing (processing.py), each for the whole page.
    UPDATES = "updates"
    CONVERSATION = "conversation"  # the messages and both sides' read marks
    OWED = "owedMaterials"
    VIEWER_CAN = "viewerCan"  # the viewer's reach; owed statuses where they may act on one


def _named(relation: str) -> Needs[Load]:
    return Needs(columns=(f"{relation}_id", f"{relation}__name"))


ORDER_NEEDS: FieldNeeds[Load] = FieldNeeds(
    always=("id",),
    fields={
        "id": Needs(),
        "number": Needs(columns=("number",)),
        "status": Needs(columns=("status",)),
        "version": Needs(columns=("version",)),
        "createdAt": Needs(columns=("created_at",)),
        "assignedAt": Needs(columns=("assigned_at",)),
        "completedAt": Needs(columns=("completed_at",)),
        "dueAt": Needs(columns=("due_at",)),
        "isOverdue": Needs(columns=("status", "due_at")),
        "timeLimitDays": Needs(columns=("item_version__time_limit_days",)),
        "serviceItem": Needs(
            columns=("item_id", "item__name_zh", "item__name_en"),
            below=FieldNeeds(
                always=(),
                fields={
                    "categoryId": Needs(columns=("item__category_id",)),
                    "categoryName": Needs(
                        columns=("item__category__name_zh", "item__category__name_en")
                    ),
                },
            ),
        ),
        "application": Needs(columns=("application_id", "application__number")),
        "enterprise": _named("enterprise"),
        "applicant": _named("applicant"),
        "assignee": _named("assignee"),
        "team": _named("team"),
        "auditor": _named("auditor"),
        "provider": _named("provider"),
        "assignmentReason": Needs(columns=("assignment_reason",)),
        # The facts the policies read (and the application, for its owed materials).
        "viewerCan": Needs(
            columns=(*OrderRow.COLUMNS, "application_id"), follow_ups=(Load.VIEWER_CAN,)
        ),
        "timeline": Needs(follow_ups=(Load.TIMELINE,)),
        "updates": Needs(follow_ups=(Load.UPDATES,)),
        # Who reads the conversation is a policy: the facts it reads.
        "messages": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.CONVERSATION,)),
        "messageReadMarks": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.CONVERSATION,)),
        # Owed to the application; their labels are in the item version's form.
        "owedMaterials": Needs(
            columns=("application_id", "item_version_id"), follow_ups=(Load.OWED,)
        ),
    },
)


def _column(row: Row, name: str) -> Any:
    """A loaded column; None when it was not loaded: its field was not selected, so nothing
    reads it (the schema's non-null fields included)."""
    return row.get(name)


def _global_id(type_name: str, pk: Any) -> Any:
    """The global id of a loaded key; None when it was not loaded."""
    return None if pk is None else global_id(type_name, pk)


def _ref(row: Row, relation: str, type_name: str) -> Any:
    """The related object's id and name; None when there is none, or its name was not loaded
    (the key may be, for `viewerCan`)."""
    name_column = f"{relation}__name"
    if name_column not in row or row[f"{relation}_id"] is None:
        return None
    return NamedRef(id=global_id(type_name, row[f"{relation}_id"]), name=row[name_column])


def _service_item(row: Row, language: str) -> Any:
    if "item__name_zh" not in row:
        return None
    return OrderServiceItem(
        id=global_id("ServiceItem", row["item_id"]),
        name=in_language(language, row["item__name_zh"], row["item__name_en"]),
        category_id=_global_id("Category", row.get("item__category_id")),
        category_name=in_language(
            language,
            _column(row, "item__category__name_zh") or "",
            _column(row, "item__category__name_en") or "",
        ),
    )


def _application(row: Row) -> Any:
    if "application__number" not in row:
        return None
    return OrderApplication(
        id=global_id("Application", row["application_id"]), number=row["application__number"]
    )


def _overdue(row: Row, now: datetime) -> Any:
    if "status" not in row or "due_at" not in row:
        return None
    return order_service.is_overdue(row["status"], row["due_at"], now)


def _viewer_can(actor: Actor, row: Row, reach: Reach | None, processing: Processing) -> Any:
    """What the viewer may do; None when `viewerCan` was not selected (`reach` not loaded)."""
    if reach is None:
        return None
    facts = OrderRow.of(row)
    actions = order_states.actions_for(actor, facts, reach)
    statuses = processing.owed_statuses.get(row["id"], set())
    return OrderViewerCan(
        reassign=actions.reassign,
        assign_automatically=actions.assign_automatically,
        **viewer_flags(actor, facts, reach, statuses),
    )


def order_of(
    row: Row,
    *,
    actor: Actor,
    show_reason: bool,
    now: datetime,
    timeline: Timeline | None,
    processing: Processing,
    reach: Reach | None,
) -> OrderType:
    """One order from its row and what was loaded after the page: the fields whose columns
    and follow-ups were loaded (the others None, or empty)."""
    reason = row.get("assignment_reason") if show_reason else None
    language = actor.language
    pk = row["id"]
    return OrderType(
        id=global_id("Order", pk),
        number=_column(row, "number"),
        status=_column(row, "status"),
        service_item=_service_item(row, language),
        application=_application(row),
        enterprise=_ref(row, "enterprise", "Enterprise"),
        applicant=_ref(row, "applicant", "User"),
        assignee=_ref(row, "assignee", "User"),
        team=_ref(row, "team", "Team"),
        auditor=_ref(row, "auditor", "User"),
        provider=_ref(row, "provider", "Provider"),
        created_at=_column(row, "created_at"),
        assigned_at=_column(row, "assigned_at"),
        completed_at=_column(row, "completed_at"),
        due_at=_column(row, "due_at"),
        time_limit_days=_column(row, "item_version__time_limit_days"),
        version=_column(row, "version"),
        is_overdue=_overdue(row, now),
        viewer_can=_viewer_can(actor, row, reach, processing),
        _row=row,
        _reason=reason_as_type(AssignmentReasonRecord.from_json(reason)) if reason else None,
        _events=timeline.events if timeline is not None else [],
        _event_count=timeline.count if timeline is not None else None,
        _updates=processing.updates.get(pk, []),
        _conversation=processing.conversations.get(pk),
        _owed=processing.owed.get(pk, []),
    )


ReachOf = Callable[[], Awaitable[Reach]]


async def orders_of(
    actor: Actor,
    rows: Sequence[Row],
    selection: Selection | None,
    wanted: Wanted[Load],
    reach_of_viewer: ReachOf,
) -> list[OrderType]:
    """`rows` (loaded with `wanted`'s columns, all visible to `actor`) as schema objects, with
    the follow-ups `wanted` asks for, each for the whole page at once. `reach_of_viewer` is
    awaited only when a policy asked needs it (`viewerCan`, the conversation's readers)."""
    follow_ups = wanted.follow_ups
    ids = [row["id"] for row in rows]
    timelines: dict[int, Timeline] = {}
    if Load.TIMELINE in follow_ups and ids:
        timelines = await load_timelines(actor, ids, selection)
    reach: Reach | None = None
    if follow_ups & {Load.VIEWER_CAN, Load.CONVERSATION} and ids:
        reach = await reach_of_viewer()
    ask = Ask.of(
        selection,
        updates=Load.UPDATES in follow_ups,
        conversation=Load.CONVERSATION in follow_ups,
        owed=Load.OWED in follow_ups,
        owed_statuses=Load.VIEWER_CAN in follow_ups,
    )
    facts = (
        {row["id"]: OrderRow.of(row) for row in rows}
        if ask.conversation or ask.owed_statuses
        else {}
    )
    processing = await load_processing(actor, rows, facts, ask, reach)
    show_reason = can_view_assignment_reason(actor)
    now = datetime.now(UTC)
    return [
        order_of(
            row,
            actor=actor,
            show_reason=show_reason,
            now=now,
            timeline=timelines.get(row["id"]),
            processing=processing,
            reach=reach if Load.VIEWER_CAN in follow_ups else None,
        )
        for row in rows
    ]


async def visible_orders(
    actor: Actor,
    selection: Selection | None,
    *,
    ids: Sequence[int] = (),
    number: str | None = None,
    reach_of_viewer: ReachOf | None = None,
) -> list[OrderType]:
    """Single objects (by ids, or by number), through the same visibility rule as the lists;
    `selection` None loads every field. `reach_of_viewer`: the request's, when there is one
    (`viewer_reach`), else loaded here when a field needs it."""
    query = orders_visible_to(actor)
    query = query.filter(number=number) if number is not None else query.filter(id__in=list(ids))
    wanted = ORDER_NEEDS.wanted(selection)
    rows = await query.values(*wanted.columns)
    return await orders_of(
        actor, rows, selection, wanted, reach_of_viewer or (lambda: reach_of(actor))
    )


async def payload_order(info: strawberry.Info, order_id: int) -> OrderType | None:
    """The order a mutation acted on, as its payload's `order` asks (null if the viewer may no
    longer see it)."""
    found = await visible_orders(
        context_of(info).actor,
        Selection.of(info).under("order"),
        ids=[order_id],
        reach_of_viewer=partial(viewer_reach, info),
    )
    return found[0] if found else None


async def _load_nodes(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    return {o._row["id"]: o for o in await visible_orders(actor, None, ids=pks)}


async def _select_nodes(actor: Actor, pks: Sequence[int], selection: Selection) -> dict[int, Any]:
    return {o._row["id"]: o for o in await visible_orders(actor, selection, ids=pks)}


register("Order", _load_nodes, "orders:read")
register_selecting("Order", _select_nodes)
