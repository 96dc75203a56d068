"""Order types. What a page of orders loads is decided in `orders/loading.py` from what the
query selects; every field here reads what was loaded: no resolver touches the database. The
parts of its processing are typed in `conversation_types.py`, `owed_types.py` and
`step_types.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import strawberry

from backend.models.orders import OrderStatus as OrderStatusModel
from backend.schema.appointments.types import AppointmentType
from backend.schema.context import context_of
from backend.schema.evaluations.types import EvaluationType
from backend.schema.nodes import Node
from backend.schema.orders.conversation_types import (
    Conversation,
    OrderMessageType,
    OrderReadMarkType,
    OrderUpdateType,
)
from backend.schema.orders.owed_types import OrderOwedMaterialType
from backend.schema.orders.refs import NamedRef, user_ref
from backend.schema.orders.step_types import (
    OrderInformationRequestType,
    OrderPauseType,
    OrderResultType,
    pauses_of,
)
from backend.schema.relay import (
    Connection,
    Edge,
    PageInfo,
    decode_cursor,
    encode_cursor,
    page_size,
)
from backend.services.orders import lists as order_lists
from backend.services.orders.handlers import AssignmentReason as AssignmentReasonRecord
from backend.services.orders.handlers import AssignmentRule, SkipReason
from backend.services.orders.handlers import Candidate as CandidateRecord
from backend.services.orders.parties import ViewerSide
from backend.services.orders.policies import OrderRow
from backend.services.orders.time_limits import TimeLimit, TimeLimits

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
    at: datetime
    note: str = strawberry.field(
        description="Its words (a reason, a note); empty for a viewer its kind does not let read "
        "them (backend/services/orders/readers.py): why an order changed hands is the park's."
    )


def status_of(value: object) -> OrderStatusModel | None:
    return OrderStatusModel(str(value)) if value in OrderStatusModel.__members__ else None


def reason_as_type(reason: AssignmentReasonRecord | None) -> AssignmentReason | None:
    if reason is None:
        return None
    chosen = next((c for c in reason.eligible if c.user_id == reason.chosen), None)
    by = reason.decided_by
    return AssignmentReason(
        rule=reason.rule,
        eligible=[_candidate(c) for c in reason.eligible],
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


NodeT = TypeVar("NodeT")


def page_of(
    items: Sequence[NodeT], key: Callable[[NodeT], int], first: int | None, after: str | None
) -> Connection[NodeT]:
    """A page of a list already loaded whole, oldest first, with keyset cursors on `key`."""
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


def _count_of(value: int | None) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        assert value is not None, "the timeline's count is loaded when a count is selected"
        return value

    return count


strawberry.enum(
    ViewerSide, name="OrderViewerSide", description="Whose side of an order the viewer is on."
)


@strawberry.type(name="Order")
class OrderType(Node):
    number: str
    status: OrderStatusModel
    service_item: OrderServiceItem
    application: OrderApplication
    enterprise: NamedRef
    applicant: NamedRef
    assignee: NamedRef | None = strawberry.field(
        description="The park's handler; null for a provider's staff."
    )
    team: NamedRef | None = strawberry.field(
        description="The park's handling team (a provider's order records it too, so the park "
        "can take it back); null for a provider's staff."
    )
    auditor: NamedRef | None = strawberry.field(
        description="Who approved the application; null for instant approval, and for a "
        "provider's staff."
    )
    approved_instantly: bool | None = strawberry.field(
        description="Whether the application was approved instantly (no auditor reviewed it); "
        "null for a viewer who may not read the park's side (a provider's staff), so a null "
        "`auditor` alone never reads as instant approval."
    )
    provider: NamedRef | None = strawberry.field(
        description="The provider the order is forwarded to, while it has it."
    )
    provider_staff: str | None = strawberry.field(
        description="Who at the provider handles it, in the provider's words; empty until it "
        "accepts."
    )
    created_at: datetime
    assigned_at: datetime | None
    completed_at: datetime | None
    processing_days: int | None = strawberry.field(
        description="Once completed: the working days it took, waits for the applicant left "
        "out (the cockpit's processing time); null before, and for orders completed before "
        "it was kept."
    )
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
    is_due_soon: bool = strawberry.field(
        description="Still open, not overdue, and at most SERVICEHALL_DUE_SOON_WORKING_DAYS "
        "whole working days left (while waiting on the applicant: it was at the pause's start)."
    )
    viewer_can: OrderViewerCan = strawberry.field(
        description="What the viewer may do with the order now."
    )
    viewer_side: ViewerSide = strawberry.field(
        description='Whose side of the order the viewer is on (a page says "waiting for you" '
        "to the applicant)."
    )
    information_requests: list[OrderInformationRequestType] = strawberry.field(
        description="The handler's questions to the applicant and the answers, oldest first."
    )
    result: OrderResultType | None = strawberry.field(
        description="The result in words and its documents; null until completed."
    )
    evaluation: EvaluationType | None = strawberry.field(
        description="The applicant's rating (好差评) once completed and rated; null before."
    )
    viewer_can_evaluate: bool = strawberry.field(
        description="Whether the viewer may rate the order now (`evaluateOrder`): completed, "
        "not yet rated, and the viewer a member of the enterprise that applied."
    )
    appointment: AppointmentType | None = strawberry.field(
        description="The booking that holds a place for the order (with its queue number); "
        "null when none does."
    )
    # The columns loaded for this order (`orders/loading.py`): a new field can be a resolver
    # reading them, once its entry in ORDER_NEEDS loads them.
    _row: strawberry.Private[Mapping[str, Any]]
    _reason: strawberry.Private[AssignmentReason | None]
    # The events loaded for the timeline (those its selection asks for and the viewer may see,
    # and one more), and how many the viewer may see in all (None when neither `totalCount`
    # nor `boundedCount` was asked).
    _events: strawberry.Private[list[OrderEvent]]
    _event_count: strawberry.Private[int | None]
    # Processing, loaded for the whole page when asked (`conversation_loading.py`,
    # `owed_loading.py`): the updates the viewer reads, and the conversation (None: the viewer
    # is not one of its readers).
    _updates: strawberry.Private[list[OrderUpdateType]]
    _conversation: strawberry.Private[Conversation | None]
    _owed: strawberry.Private[list[OrderOwedMaterialType]]
    # The pauses of the page and the calendar around them (`step_loading.py`), when asked.
    _time_limits: strawberry.Private[TimeLimits | None]

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
        self, first: int | None = None, after: str | None = None
    ) -> Connection[OrderEvent]:
        size = page_size(first)
        events = self._events
        if after:
            (start,) = decode_cursor(after, [int])
            events = [e for e in events if e.sequence > start]
        page = events[: size + 1]
        cursors = [encode_cursor([e.sequence]) for e in page[:size]]
        return Connection(
            edges=[Edge(cursor=c, node=e) for c, e in zip(cursors, page, strict=False)],
            page_info=PageInfo(
                has_next_page=len(page) > size,
                has_previous_page=after is not None,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            _count=_count_of(self._event_count),
        )

    @strawberry.field(
        description="Processing information, oldest first: progress notes, and internal notes "
        "for park staff only."
    )
    def updates(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[OrderUpdateType]:
        return page_of(self._updates, lambda u: u._pk, first, after)

    @strawberry.field(
        description="The conversation between the applicant's enterprise and the handler, "
        "oldest first; null for a viewer who is neither side nor a supervisor."
    )
    def messages(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[OrderMessageType] | None:
        page_size(first)  # a bad size is refused whoever asks
        if self._conversation is None:
            return None
        return page_of(self._conversation.messages, lambda m: m.sequence, first, after)

    @strawberry.field(
        description="How far each side of the conversation has read; null as for `messages`."
    )
    def message_read_marks(self) -> list[OrderReadMarkType] | None:
        return self._conversation.read_marks if self._conversation is not None else None

    @strawberry.field(description="Materials owed to the order (容缺), by due date.")
    def owed_materials(self) -> list[OrderOwedMaterialType]:
        return self._owed

    def _time_limit(self, info: strawberry.Info) -> TimeLimit:
        assert self._time_limits is not None, "loaded when pauses or remainingWorkingDays is asked"
        timezone = context_of(info).settings.timezone
        return self._time_limits.of(OrderRow.of(self._row), timezone)

    @strawberry.field(
        description="Working days left before the due date, the pauses counted: 0 when due by "
        "the end of today, negative once overdue; null once completed or cancelled."
    )
    def remaining_working_days(self, info: strawberry.Info) -> int | None:
        return self._time_limit(info).remaining_working_days

    @strawberry.field(
        description="Every pause while the order waited on the applicant, oldest first."
    )
    def pauses(self, info: strawberry.Info) -> list[OrderPauseType]:
        return pauses_of(self._time_limit(info))
