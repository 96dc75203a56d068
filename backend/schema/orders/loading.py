"""What a page of orders, or one order, loads: the columns its selection needs, as plain rows.

`ORDER_NEEDS` says, for each field of `Order`, which columns it reads (paths on the order model:
`enterprise__name` makes the query join enterprises) and which follow-up loads it needs after
the page (`Load`). The page is one statement of plain rows (no ORM objects; the assignment
reason's JSON only when asked), the count one more when asked; each follow-up is a bulk load
for the whole page, a fixed number of statements whatever its size: the timelines one
(`timelines.py`), processing a few: updates, the conversation and its read marks and the files
of both (`conversation_loading.py`), owed materials (`owed_loading.py`), pauses and the calendar,
questions, the files of answers and results (`step_loading.py`). A new field of `Order`: its
entry here (a test holds the table to the type), and either a resolver on `OrderType` reading
`self._row`, or an attribute filled in `order_of` (cheaper on a hot list); what it needs beyond
the order's own columns, a `Load` member loaded in `orders_of` for every order of the page at
once, never a DataLoader or a query per order. A rule it asks (a policy, the action table,
whether it is overdue) reads `OrderFacts`: what it reads is a column of `OrderRow`, loaded with
the field (`OrderRow.COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any

import strawberry

from backend.models.applications import OwedStatus
from backend.models.orders import AttachedTo, OrderStatus
from backend.schema.appointments.loading import load_appointments
from backend.schema.appointments.types import AppointmentType
from backend.schema.context import context_of, viewer_reach
from backend.schema.evaluations.loading import load_evaluations
from backend.schema.evaluations.types import EvaluationType
from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted, in_language
from backend.schema.nodes import global_id, register, register_selecting
from backend.schema.orders.conversation_loading import Notes, load_notes
from backend.schema.orders.owed_loading import load_owed, owed_statuses
from backend.schema.orders.owed_types import OrderOwedMaterialType, OwedViewerCan
from backend.schema.orders.refs import NamedRef
from backend.schema.orders.step_loading import Steps, load_steps
from backend.schema.orders.step_types import OrderResultType
from backend.schema.orders.timelines import Timeline, load_timelines
from backend.schema.orders.types import (
    OrderApplication,
    OrderServiceItem,
    OrderType,
    OrderViewerCan,
    reason_as_type,
)
from backend.services.core import clock
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach, reach_of
from backend.services.evaluations.policies import may_rate
from backend.services.orders import owed, parties, time_limits
from backend.services.orders.handlers import AssignmentReason as AssignmentReasonRecord
from backend.services.orders.policies import (
    OrderRow,
    can_view_assignment_reason,
    orders_visible_to,
    sees_park_side,
)
from backend.services.orders.states import OrderActions, actions_for

Row = Mapping[str, Any]


class Load(Enum):
    TIMELINE = "timeline"  # the events each order's `timeline` asks for (timelines.py)
    # Processing, each for the whole page.
    UPDATES = "updates"  # conversation_loading.py
    CONVERSATION = "conversation"  # the messages and both sides' read marks (the same)
    OWED = "owedMaterials"  # owed_loading.py
    VIEWER_CAN = "viewerCan"  # the viewer's reach; owed statuses where they may act on one
    TIME_LIMITS = "timeLimits"  # the pauses and the calendar around them (step_loading.py)
    INFORMATION_REQUESTS = "informationRequests"  # the questions, their answers' files
    RESULT_DOCUMENTS = "resultDocuments"  # the files of a completed order's result
    EVALUATION = "evaluation"  # the rating and its rectification (evaluations/loading.py)
    APPOINTMENT = "appointment"  # the booking holding a place, its slot and location


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
        "processingDays": Needs(columns=("processing_days",)),
        "dueAt": Needs(columns=("due_at",)),
        # Whether it is overdue, and how long it has waited, are the rules' facts.
        "isOverdue": Needs(columns=OrderRow.COLUMNS),
        "isDueSoon": Needs(columns=OrderRow.COLUMNS),
        "remainingWorkingDays": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.TIME_LIMITS,)),
        "pauses": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.TIME_LIMITS,)),
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
        "approvedInstantly": Needs(columns=("auditor_id",)),
        "provider": _named("provider"),
        "providerStaff": Needs(columns=("provider_staff",)),
        "assignmentReason": Needs(columns=("assignment_reason",)),
        # The facts the policies read (and the application, for its owed materials).
        "viewerCan": Needs(
            columns=(*OrderRow.COLUMNS, "application_id"), follow_ups=(Load.VIEWER_CAN,)
        ),
        "viewerSide": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.VIEWER_CAN,)),
        "timeline": Needs(follow_ups=(Load.TIMELINE,)),
        "updates": Needs(follow_ups=(Load.UPDATES,)),
        # Who reads the conversation is a policy: the facts it reads.
        "messages": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.CONVERSATION,)),
        "messageReadMarks": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.CONVERSATION,)),
        # Owed to the application; their labels are in the item version's form.
        "owedMaterials": Needs(
            columns=("application_id", "item_version_id"),
            follow_ups=(Load.OWED,),
            below=FieldNeeds(
                always=(),
                fields={
                    # What the viewer may do with each: the order's table and policies (its
                    # facts), then the material's own state (`owed.may_take`).
                    "viewerCan": Needs(
                        columns=(*OrderRow.COLUMNS, "application_id"),
                        follow_ups=(Load.VIEWER_CAN,),
                    ),
                },
            ),
        ),
        "informationRequests": Needs(follow_ups=(Load.INFORMATION_REQUESTS,)),
        "result": Needs(columns=("status", "result"), follow_ups=(Load.RESULT_DOCUMENTS,)),
        # Only a completed order has one: its status says which to look up.
        "evaluation": Needs(columns=("status",), follow_ups=(Load.EVALUATION,)),
        "viewerCanEvaluate": Needs(columns=OrderRow.COLUMNS, follow_ups=(Load.EVALUATION,)),
        "appointment": Needs(follow_ups=(Load.APPOINTMENT,)),
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


def _approved_instantly(row: Row) -> Any:
    """No auditor on the order: its application was approved instantly; None when the column
    was not loaded (the field was not selected)."""
    return None if "auditor_id" not in row else row["auditor_id"] is None


def _application(row: Row) -> Any:
    if "application__number" not in row:
        return None
    return OrderApplication(
        id=global_id("Application", row["application_id"]), number=row["application__number"]
    )


def _overdue(row: Row, now: datetime) -> Any:
    if "due_soon_at" not in row:
        return None
    return time_limits.is_overdue(OrderRow.of(row), now)


def _due_soon(row: Row, now: datetime) -> Any:
    if "due_soon_at" not in row:
        return None
    return time_limits.is_due_soon(OrderRow.of(row), now)


def _result(row: Row, steps: Steps) -> Any:
    if "result" not in row or row["status"] is not OrderStatus.COMPLETED:
        return None
    return OrderResultType(
        text=row["result"], documents=steps.result_files.on(AttachedTo.RESULT, row["id"])
    )


def _viewer_can(actions: OrderActions | None, statuses: set[OwedStatus]) -> Any:
    """What the viewer may do, by the action table (`actions`; None when `viewerCan` was not
    selected); an owed material's step also needs one in the state it starts from."""
    if actions is None:
        return None
    can = replace(
        actions,
        supply_owed_material=actions.supply_owed_material and bool(statuses & owed.STILL_OWED),
        review_owed_material=actions.review_owed_material and OwedStatus.SUPPLIED in statuses,
    )
    return OrderViewerCan(**asdict(can))


def _side(loaded: Loaded, pk: int) -> Any:
    # None when `viewerSide` was not asked (nothing reads it then).
    return loaded.sides.get(pk)


def _owed_with_can(
    materials: list[OrderOwedMaterialType], actions: OrderActions | None
) -> list[OrderOwedMaterialType]:
    """Each material with what the viewer may do with it (when `viewerCan` was asked)."""
    if actions is None:
        return materials
    return [
        replace(
            m,
            _can=OwedViewerCan(
                supply=actions.supply_owed_material and owed.may_take("SUPPLY", m.status),
                review=actions.review_owed_material and owed.may_take("REVIEW", m.status),
            ),
        )
        for m in materials
    ]


@dataclass
class Loaded:
    """What the follow-ups loaded for a page of orders, by order id (the parts asked for)."""

    now: datetime
    timelines: dict[int, Timeline] = field(default_factory=dict)
    notes: Notes = field(default_factory=Notes)
    owed: dict[int, list[OrderOwedMaterialType]] = field(default_factory=dict)
    actions: dict[int, OrderActions] = field(default_factory=dict)
    owed_statuses: dict[int, set[OwedStatus]] = field(default_factory=dict)
    sides: dict[int, parties.ViewerSide] = field(default_factory=dict)
    steps: Steps = field(default_factory=Steps)
    evaluations: dict[int, EvaluationType] = field(default_factory=dict)
    may_rate: dict[int, bool] = field(default_factory=dict)
    appointments: dict[int, AppointmentType] = field(default_factory=dict)


def order_of(row: Row, *, actor: Actor, show_reason: bool, loaded: Loaded) -> OrderType:
    """One order from its row and what was loaded after the page: the fields whose columns
    and follow-ups were loaded (the others None, or empty)."""
    reason = row.get("assignment_reason") if show_reason else None
    language = actor.language
    # A provider reads what the order needs, never who at the park has or approved it.
    park = sees_park_side(actor)
    pk = row["id"]
    timeline = loaded.timelines.get(pk)
    return OrderType(
        id=global_id("Order", pk),
        number=_column(row, "number"),
        status=_column(row, "status"),
        service_item=_service_item(row, language),
        application=_application(row),
        enterprise=_ref(row, "enterprise", "Enterprise"),
        applicant=_ref(row, "applicant", "User"),
        assignee=_ref(row, "assignee", "User") if park else None,
        team=_ref(row, "team", "Team") if park else None,
        auditor=_ref(row, "auditor", "User") if park else None,
        approved_instantly=_approved_instantly(row) if park else None,
        provider=_ref(row, "provider", "Provider"),
        provider_staff=_column(row, "provider_staff"),
        created_at=_column(row, "created_at"),
        assigned_at=_column(row, "assigned_at"),
        completed_at=_column(row, "completed_at"),
        processing_days=_column(row, "processing_days"),
        due_at=_column(row, "due_at"),
        time_limit_days=_column(row, "item_version__time_limit_days"),
        version=_column(row, "version"),
        is_overdue=_overdue(row, loaded.now),
        is_due_soon=_due_soon(row, loaded.now),
        viewer_side=_side(loaded, pk),
        viewer_can=_viewer_can(loaded.actions.get(pk), loaded.owed_statuses.get(pk, set())),
        information_requests=loaded.steps.requests.get(pk, []),
        result=_result(row, loaded.steps),
        evaluation=loaded.evaluations.get(pk),
        viewer_can_evaluate=loaded.may_rate.get(pk, False),
        appointment=loaded.appointments.get(pk),
        _row=row,
        _reason=reason_as_type(AssignmentReasonRecord.from_json(reason)) if reason else None,
        _events=timeline.events if timeline is not None else [],
        _event_count=timeline.count if timeline is not None else None,
        _updates=loaded.notes.updates.get(pk, []),
        _conversation=loaded.notes.conversations.get(pk),
        _owed=_owed_with_can(loaded.owed.get(pk, []), loaded.actions.get(pk)),
        _time_limits=loaded.steps.time_limits,
    )


ReachOf = Callable[[], Awaitable[Reach]]


async def _load(
    actor: Actor,
    rows: Sequence[Row],
    selection: Selection | None,
    follow_ups: frozenset[Load],
    reach_of_viewer: ReachOf,
) -> Loaded:
    """The follow-ups named for `rows`, each for the whole page at once."""
    loaded = Loaded(now=clock.now())
    ids = [row["id"] for row in rows]
    if not ids:
        return loaded
    if Load.TIMELINE in follow_ups:
        loaded.timelines = await load_timelines(actor, ids, selection)
    reach: Reach | None = None
    if follow_ups & {Load.VIEWER_CAN, Load.CONVERSATION, Load.APPOINTMENT}:
        reach = await reach_of_viewer()
    facts = (
        {row["id"]: OrderRow.of(row) for row in rows}
        if follow_ups & {Load.VIEWER_CAN, Load.CONVERSATION}
        else {}
    )
    if follow_ups & {Load.UPDATES, Load.CONVERSATION}:
        loaded.notes = await load_notes(
            actor,
            ids,
            selection,
            with_updates=Load.UPDATES in follow_ups,
            conversation_of=facts if Load.CONVERSATION in follow_ups else None,
            reach=reach,
        )
    if Load.OWED in follow_ups:
        loaded.owed = await load_owed(rows, selection, actor.language)
        loaded.owed_statuses = {pk: {m.status for m in loaded.owed[pk]} for pk in ids}
    if Load.VIEWER_CAN in follow_ups:
        assert reach is not None
        loaded.actions = {pk: actions_for(actor, facts[pk], reach) for pk in ids}
        loaded.sides = {pk: parties.viewer_side(actor, facts[pk], reach) for pk in ids}
        if Load.OWED not in follow_ups:
            # The statuses only of the orders whose table lets the viewer act on a material.
            acting = {
                row["application_id"]: row["id"]
                for row in rows
                if loaded.actions[row["id"]].supply_owed_material
                or loaded.actions[row["id"]].review_owed_material
            }
            loaded.owed_statuses = await owed_statuses(acting)
    if Load.APPOINTMENT in follow_ups:
        assert reach is not None
        loaded.appointments = await load_appointments(actor, ids, reach)
    steps = {Load.TIME_LIMITS, Load.INFORMATION_REQUESTS, Load.RESULT_DOCUMENTS}
    if follow_ups & steps:
        loaded.steps = await load_steps(
            rows,
            selection,
            now=loaded.now,
            time_limits=Load.TIME_LIMITS in follow_ups,
            requests=Load.INFORMATION_REQUESTS in follow_ups,
            results=[r["id"] for r in rows if r["status"] is OrderStatus.COMPLETED]
            if Load.RESULT_DOCUMENTS in follow_ups
            else (),
        )
    if Load.EVALUATION in follow_ups:
        completed = [r for r in rows if r["status"] is OrderStatus.COMPLETED]
        if completed:
            reach = reach or await reach_of_viewer()
            found = await load_evaluations(actor, reach, order_ids=[r["id"] for r in completed])
            loaded.evaluations = {e._order_pk: e for e in found}
            if "waiting_since" in completed[0]:  # the facts were loaded: `viewerCanEvaluate`
                loaded.may_rate = {
                    r["id"]: may_rate(
                        actor, OrderRow.of(r), reach, rated=r["id"] in loaded.evaluations
                    )
                    for r in completed
                }
    return loaded


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
    loaded = await _load(actor, rows, selection, wanted.follow_ups, reach_of_viewer)
    show_reason = can_view_assignment_reason(actor)
    return [order_of(row, actor=actor, show_reason=show_reason, loaded=loaded) for row in rows]


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
