"""What a page of orders, or one order, loads: the columns its selection needs, as plain rows.

`ORDER_NEEDS` says, for each field of `Order`, which columns it reads (paths on the order model:
`enterprise__name` makes the query join enterprises) and whether it needs the timeline loaded
after the page. The page is one statement of plain rows (no ORM objects; the assignment
reason's JSON only when asked), the timelines of the whole page one more (`timelines.py`), the
count one more when asked. A new field of `Order`: its entry here, and either a resolver on
`OrderType` reading `self._row`, or an attribute filled in `order_of` (cheaper on a hot list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted, in_language
from backend.schema.nodes import global_id, register
from backend.schema.orders.timelines import Timeline, load_timelines
from backend.schema.orders.types import (
    NamedRef,
    OrderApplication,
    OrderServiceItem,
    OrderType,
    reason_as_type,
)
from backend.services.core.actors import Actor
from backend.services.orders import orders as order_service
from backend.services.orders.handlers import AssignmentReason as AssignmentReasonRecord
from backend.services.orders.policies import (
    OrderRow,
    can_view_assignment_reason,
    orders_visible_to,
)

Row = Mapping[str, Any]


class Load(Enum):
    TIMELINE = "timeline"  # the events each order's `timeline` asks for (timelines.py)


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
        "viewerCan": Needs(columns=OrderRow.COLUMNS),
        "timeline": Needs(follow_ups=(Load.TIMELINE,)),
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


def order_of(
    row: Row, *, language: str, show_reason: bool, now: datetime, timeline: Timeline | None
) -> OrderType:
    """One order from its row: the fields whose columns were loaded (the others None)."""
    reason = row.get("assignment_reason") if show_reason else None
    return OrderType(
        id=global_id("Order", row["id"]),
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
        _row=row,
        _reason=reason_as_type(AssignmentReasonRecord.from_json(reason)) if reason else None,
        _events=timeline.events if timeline is not None else [],
        _event_count=timeline.count if timeline is not None else None,
    )


async def orders_of(
    actor: Actor, rows: Sequence[Row], selection: Selection | None, wanted: Wanted[Load]
) -> list[OrderType]:
    """`rows` (loaded with `wanted`'s columns) as schema objects, with their timelines in one
    more statement when `wanted` asks for them."""
    timelines: dict[int, Timeline] = {}
    if Load.TIMELINE in wanted.follow_ups and rows:
        timelines = await load_timelines([row["id"] for row in rows], selection)
    show_reason = can_view_assignment_reason(actor)
    now = datetime.now(UTC)
    return [
        order_of(
            row,
            language=actor.language,
            show_reason=show_reason,
            now=now,
            timeline=timelines.get(row["id"]),
        )
        for row in rows
    ]


async def visible_orders(
    actor: Actor, selection: Selection | None, *, ids: Sequence[int] = (), number: str | None = None
) -> list[OrderType]:
    """Single objects (by ids, or by number), through the same visibility rule as the lists;
    `selection` None (for `node`, which cannot see one) loads every field."""
    query = orders_visible_to(actor)
    query = query.filter(number=number) if number is not None else query.filter(id__in=list(ids))
    wanted = ORDER_NEEDS.wanted(selection)
    rows = await query.values(*wanted.columns)
    return await orders_of(actor, rows, selection, wanted)


async def _load_nodes(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    return {o._row["id"]: o for o in await visible_orders(actor, None, ids=pks)}


register("Order", _load_nodes, "orders:read")
