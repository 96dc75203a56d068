"""Order types. A page of orders is loaded in one joined statement (plus one for the timelines
when asked), and the fields of `OrderType` read what was loaded; the processing fields at its
end (notes, the conversation, owed materials, pauses, questions, the result) each come from a
per-request loader batched by order (`conversation_types`, `owed_types`, `step_types`), so a page
asking for them costs a fixed number of statements whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import strawberry

from backend.models.applications import OwedStatus
from backend.models.events import Event as EventModel
from backend.models.orders import Order as OrderModel
from backend.models.orders import OrderStatus as OrderStatusModel
from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import in_language
from backend.schema.nodes import Node, global_id, register
from backend.schema.orders.conversation_types import (
    OrderMessageType,
    OrderReadMarkType,
    OrderUpdateType,
    conversation_of,
    messages_page,
    updates_page,
)
from backend.schema.orders.owed_types import OrderOwedMaterialType, owed_materials
from backend.schema.orders.refs import NamedRef, user_ref
from backend.schema.orders.row_loaders import page_of
from backend.schema.orders.step_types import (
    OrderInformationRequestType,
    OrderPauseType,
    OrderResultType,
    pauses_of,
    records_loader,
    time_limit_loader,
)
from backend.schema.relay import Connection
from backend.services.core.actors import Actor
from backend.services.core.reach import reach_of
from backend.services.orders import lists as order_lists
from backend.services.orders import orders as order_service
from backend.services.orders import readers
from backend.services.orders import states as order_states
from backend.services.orders.handlers import AssignmentReason as AssignmentReasonRecord
from backend.services.orders.handlers import AssignmentRule, SkipReason
from backend.services.orders.handlers import Candidate as CandidateRecord
from backend.services.orders.owed import STILL_OWED
from backend.services.orders.policies import (
    can_view_assignment_reason,
    can_view_order,
    sees_every_order,
)

# What a page of orders joins: the list's relations, and the item version for the time limit.
SHOWN_RELATIONS = (*order_lists.SHOWN_RELATIONS, "item_version")

strawberry.enum(OrderStatusModel, name="OrderStatus", description="Where an order stands.")
strawberry.enum(
    order_lists.OrderOrdering,
    name="OrderOrderBy",
    description="The order of an order list; each pages with its own keyset cursors.",
)


@strawberry.type(description="The application an order came from.")
class OrderApplication:
    id: strawberry.ID
    number: str


@strawberry.type(description="The service an order is for: the item, and its category.")
class OrderServiceItem:
    id: strawberry.ID
    name: str
    category_id: strawberry.ID
    category_name: str


strawberry.enum(AssignmentRule, description="How the handler of an order was chosen.")
strawberry.enum(SkipReason, description="Why the automatic choice passed over a handler.")


@strawberry.type(description="A handler who could take the order, when it was assigned.")
class AssignmentCandidate:
    user: NamedRef
    load: int = strawberry.field(description="Open orders the handler held at that moment.")
    last_assigned_at: datetime | None
    max_open_orders: int | None = strawberry.field(
        description="The most open orders the automatic choice gives them; null: no limit."
    )


@strawberry.type(description="A handler of the team the automatic choice passed over, and why.")
class SkippedHandler:
    candidate: AssignmentCandidate
    why: SkipReason


@strawberry.type(description="Who was eligible, their loads, and why this handler.")
class AssignmentReason:
    rule: AssignmentRule
    eligible: list[AssignmentCandidate]
    chosen: NamedRef | None
    note: str = strawberry.field(description="The supervisor's words, when one decided.")
    decided_by: NamedRef | None
    skipped: list[SkippedHandler] = strawberry.field(
        description="Handlers passed over: on leave, at their maximum of open orders, or who "
        "declined this order."
    )
    previous_order_number: str | None = strawberry.field(
        description="The enterprise's last order of the same item, when its handler got this "
        "repeat request (rule PREVIOUS_HANDLER_OF_THE_ENTERPRISE)."
    )


@strawberry.type(description="One recorded change of an order.")
class OrderEvent:
    id: strawberry.ID
    sequence: int
    kind: str
    from_status: OrderStatusModel | None
    to_status: OrderStatusModel | None
    actor: NamedRef | None
    note: str = strawberry.field(
        description="Its words (a reason, a note); empty for a viewer its kind does not let read "
        "them (backend/services/orders/readers.py): why an order changed hands is the park's."
    )
    at: datetime


def _status(value: object) -> OrderStatusModel | None:
    return OrderStatusModel(str(value)) if value in OrderStatusModel.__members__ else None


def _reason_as_type(reason: AssignmentReasonRecord | None) -> AssignmentReason | None:
    if reason is None:
        return None
    eligible = [_candidate(c) for c in reason.eligible]
    chosen = next((c for c in reason.eligible if c.user_id == reason.chosen), None)
    by = reason.decided_by
    return AssignmentReason(
        rule=reason.rule,
        eligible=eligible,
        chosen=user_ref(chosen.user_id, chosen.name) if chosen else None,
        note=reason.note,
        decided_by=user_ref(by[0], by[1]) if by else None,
        skipped=[
            SkippedHandler(candidate=_candidate(x.candidate), why=x.why) for x in reason.skipped
        ],
        previous_order_number=reason.previous_order,
    )


def _candidate(c: CandidateRecord) -> AssignmentCandidate:
    return AssignmentCandidate(
        user=user_ref(c.user_id, c.name),
        load=c.load,
        last_assigned_at=c.last_assigned_at,
        max_open_orders=c.capacity,
    )


@strawberry.type(
    name="OrderViewerCan",
    description="What the viewer may do with the order now, by the order's action table and "
    "its policies (steps the API does not offer yet are left out).",
)
class OrderViewerCan:
    reassign: bool = strawberry.field(description="Give it to a named handler (assignOrder).")
    assign_automatically: bool = strawberry.field(
        description="Re-run the automatic choice (assignOrder without a handler)."
    )
    accept: bool = strawberry.field(description="Start work on it (acceptOrder).")
    decline: bool = strawberry.field(description="Hand it back (declineOrder).")
    request_information: bool = strawberry.field(
        description="Ask the applicant for information (requestOrderInformation)."
    )
    answer_information: bool = strawberry.field(
        description="Answer the handler's question (answerOrderInformation)."
    )
    complete: bool = strawberry.field(description="Complete it with the result (completeOrder).")
    cancel: bool = strawberry.field(description="Cancel it with a reason (cancelOrder).")
    post_update: bool = strawberry.field(description="Post a progress or internal note.")
    send_message: bool = strawberry.field(description="Write in the order's conversation.")
    supply_owed_material: bool = strawberry.field(
        description="Hand in an owed material that is outstanding or was returned."
    )
    review_owed_material: bool = strawberry.field(
        description="Accept or return an owed material that was handed in."
    )


def event_as_type(event: EventModel, viewer: Actor) -> OrderEvent | None:
    """`event` as `viewer` may see it, by its kind's row in `readers.READING`: None when they
    may not see it at all, its note empty when they may not read it. The one place the timeline
    applies who reads what."""
    if not readers.sees_event(viewer, event.kind):
        return None
    data: Mapping[str, Any] = event.data
    actor = event.actor
    return OrderEvent(
        id=strawberry.ID(global_id("OrderEvent", event.id)),
        sequence=event.sequence,
        kind=event.kind,
        from_status=_status(data.get("from")),
        to_status=_status(data.get("to", data.get("status"))),
        actor=user_ref(actor.id, actor.name) if actor is not None else None,
        note=str(data.get("note") or "") if readers.reads_note(viewer, event.kind) else "",
        at=event.created_at,
    )


@strawberry.type(name="Order")
class OrderType(Node):
    number: str
    status: OrderStatusModel
    service_item: OrderServiceItem
    application: OrderApplication
    enterprise: NamedRef
    applicant: NamedRef
    assignee: NamedRef | None
    team: NamedRef | None
    auditor: NamedRef | None = strawberry.field(
        description="Who approved the application; null for instant approval."
    )
    provider: NamedRef | None
    created_at: datetime
    assigned_at: datetime | None
    completed_at: datetime | None
    due_at: datetime = strawberry.field(
        description="The due time with every finished pause counted; while the order waits on "
        "the applicant it moves on by a working day at the end of each working day."
    )
    time_limit_days: int = strawberry.field(
        description="The committed time limit in working days, from the item version applied for."
    )
    version: int
    is_overdue: bool = strawberry.field(
        description="Still open and past its due time, the pauses counted."
    )
    _pk: strawberry.Private[int]
    _row: strawberry.Private[OrderModel]
    _reason: strawberry.Private[AssignmentReason | None]
    _events: strawberry.Private[list[OrderEvent]]

    @strawberry.field(description="What the viewer may do with the order now.")
    async def viewer_can(self, info: strawberry.Info) -> OrderViewerCan:
        reach = await viewer_reach(info)
        can = order_states.actions_for(context_of(info).actor, self._row, reach)
        if can.supply_owed_material or can.review_owed_material:
            # The table allows the step; it also needs a material in the state it starts from.
            statuses = {o.status for o in await owed_materials(info, self._row)}
            can = replace(
                can,
                supply_owed_material=can.supply_owed_material and bool(statuses & STILL_OWED),
                review_owed_material=can.review_owed_material and OwedStatus.SUPPLIED in statuses,
            )
        return OrderViewerCan(**asdict(can))

    @strawberry.field(
        description="Who was eligible and why this handler: supervisors and admins; null for "
        "everyone else."
    )
    def assignment_reason(self) -> AssignmentReason | None:
        return self._reason

    @strawberry.field(
        description="Every recorded change the viewer may see, oldest first (internal notes "
        "are the park's; messages are in `messages`)."
    )
    def timeline(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrderEvent]:
        return page_of(self._events, lambda e: e.sequence, first, after)

    # -- processing: each loaded per request by order pk (conversation_types, owed_types,
    # step_types)

    @strawberry.field(
        description="Processing information, oldest first: progress notes, and internal notes "
        "for park staff only."
    )
    async def updates(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrderUpdateType]:
        return await updates_page(info, self._row, first, after)

    @strawberry.field(
        description="The conversation between the applicant's enterprise and the handler, "
        "oldest first; null for a viewer who is neither side nor a supervisor."
    )
    async def messages(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[OrderMessageType] | None:
        return await messages_page(info, self._row, first, after)

    @strawberry.field(
        description="How far each side of the conversation has read; null as for `messages`."
    )
    async def message_read_marks(self, info: strawberry.Info) -> list[OrderReadMarkType] | None:
        found = await conversation_of(info, self._row)
        return found.read_marks if found is not None else None

    @strawberry.field(description="Materials owed to the order (容缺), by due date.")
    async def owed_materials(self, info: strawberry.Info) -> list[OrderOwedMaterialType]:
        return await owed_materials(info, self._row)

    @strawberry.field(
        description="Working days left before the due date, the pauses counted: 0 when due by "
        "the end of today, negative once overdue; null once completed or cancelled."
    )
    async def remaining_working_days(self, info: strawberry.Info) -> int | None:
        limit = await time_limit_loader(info).load(self._pk)
        return limit.remaining_working_days if limit else None

    @strawberry.field(
        description="Every pause while the order waited on the applicant, oldest first."
    )
    async def pauses(self, info: strawberry.Info) -> list[OrderPauseType]:
        return pauses_of(await time_limit_loader(info).load(self._pk))

    @strawberry.field(
        description="The handler's questions to the applicant and the answers, oldest first."
    )
    async def information_requests(
        self, info: strawberry.Info
    ) -> list[OrderInformationRequestType]:
        return (await records_loader(info).load(self._pk)).requests

    @strawberry.field(description="The result in words and its documents; null until completed.")
    async def result(self, info: strawberry.Info) -> OrderResultType | None:
        return (await records_loader(info).load(self._pk)).result


def _ref(row: Any, type_name: str) -> NamedRef | None:
    return NamedRef(id=global_id(type_name, row.id), name=row.name) if row is not None else None


async def orders_as_types(
    actor: Actor, rows: Sequence[OrderModel], *, with_events: bool
) -> list[OrderType]:
    """`rows` (loaded with `SHOWN_RELATIONS`) as schema objects; the timelines of all
    of them in one more query when `with_events`."""
    events: dict[int, list[OrderEvent]] = defaultdict(list)
    if with_events and rows:
        found = (
            await EventModel.filter(aggregate_type="order", aggregate_id__in=[r.id for r in rows])
            .select_related("actor")
            .order_by("aggregate_id", "sequence")
        )
        for event in found:
            shown = event_as_type(event, actor)
            if shown is not None:
                events[event.aggregate_id].append(shown)
    show_reason = can_view_assignment_reason(actor)
    language = actor.language
    now = datetime.now(UTC)
    result = []
    for row in rows:
        item, category = row.item, row.item.category
        result.append(
            OrderType(
                id=global_id("Order", row.id),
                number=row.number,
                status=row.status,
                service_item=OrderServiceItem(
                    id=global_id("ServiceItem", item.id),
                    name=in_language(language, item.name_zh, item.name_en),
                    category_id=global_id("Category", category.id),
                    category_name=in_language(language, category.name_zh, category.name_en),
                ),
                application=OrderApplication(
                    id=global_id("Application", row.application.id),
                    number=row.application.number,
                ),
                enterprise=NamedRef(
                    id=global_id("Enterprise", row.enterprise.id), name=row.enterprise.name
                ),
                applicant=NamedRef(id=global_id("User", row.applicant.id), name=row.applicant.name),
                assignee=_ref(row.assignee, "User"),
                team=_ref(row.team, "Team"),
                auditor=_ref(row.auditor, "User"),
                provider=_ref(row.provider, "Provider"),
                created_at=row.created_at,
                assigned_at=row.assigned_at,
                completed_at=row.completed_at,
                due_at=row.due_at,
                time_limit_days=row.item_version.time_limit_days,
                version=row.version,
                is_overdue=order_service.is_overdue(row, now),
                _pk=row.id,
                _row=row,
                _reason=(
                    _reason_as_type(AssignmentReasonRecord.from_json(row.assignment_reason))
                    if show_reason
                    else None
                ),
                _events=events[row.id],
            )
        )
    return result


async def visible_orders(
    actor: Actor, *, ids: Sequence[int] = (), number: str | None = None, with_events: bool
) -> list[OrderType]:
    """Single objects (by ids, or by number), each checked with `can_view_order`."""
    query = OrderModel.all().select_related(*SHOWN_RELATIONS)
    query = query.filter(number=number) if number is not None else query.filter(id__in=list(ids))
    rows = await query
    if rows and not sees_every_order(actor):
        reach = await reach_of(actor)
        rows = [r for r in rows if can_view_order(actor, r, reach)]
    return await orders_as_types(actor, rows, with_events=with_events)


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    # `node` does not see the selection: the timeline comes along (one more query).
    return {o._pk: o for o in await visible_orders(actor, ids=pks, with_events=True)}


register("Order", _load, "orders:read")
