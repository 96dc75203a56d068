"""The processing steps that change no state: notes, the conversation, owed materials.

They are rows of the order's action table (`states.ORDER`, appended from `PROCESSING_ACTIONS`)
with no target state: `ORDER.check` says from which states and by whom each may be taken
(FORBIDDEN_TRANSITION, FORBIDDEN), and the service records the event itself with
`events.record`, taking a sequence from the order's event counter but never its version. So a
message, a note, a read mark or an owed material's review never makes anyone's open page STALE.

Who is who on an order (pure functions of the actor, the order and the reach loaded once):
- the enterprise side: any member of the enterprise that applied;
- the handler side: the order's assignee (a HANDLER);
- the conversation is between those two sides; supervisors and admins read it but do not write
  in it (the applicant always knows who speaks for the park, and "read by the handler" means
  the handler read it); auditors, other handlers and providers neither read nor write;
- processing information (progress and internal notes): the assignee, or a supervisor or admin;
- owed materials: the enterprise supplies them; the assignee or the desk (any auditor) reviews.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.enterprises import Membership
from backend.models.orders import ConversationSide, Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Policy
from backend.services.orders.policies import OrderFacts, can_assign_orders

S = OrderStatus


class ProcessingEventKind(StrEnum):
    ORDER_PROGRESS_NOTED = "ORDER_PROGRESS_NOTED"
    ORDER_INTERNAL_NOTE_ADDED = "ORDER_INTERNAL_NOTE_ADDED"
    ORDER_MESSAGE_SENT = "ORDER_MESSAGE_SENT"
    ORDER_MESSAGES_READ = "ORDER_MESSAGES_READ"
    ORDER_OWED_MATERIAL_SUPPLIED = "ORDER_OWED_MATERIAL_SUPPLIED"
    ORDER_OWED_MATERIAL_ACCEPTED = "ORDER_OWED_MATERIAL_ACCEPTED"
    ORDER_OWED_MATERIAL_RETURNED = "ORDER_OWED_MATERIAL_RETURNED"


# -- who ------------------------------------------------------------------------------------------


def is_assignee(actor: Actor, order: OrderFacts) -> bool:
    return actor.has(Role.HANDLER) and order.assignee_id == actor.user_id


def enterprise_side(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return actor.user_id is not None and order.enterprise_id in reach.member_of


def side_of(actor: Actor, order: OrderFacts, reach: Reach) -> ConversationSide | None:
    """The side `actor` speaks for in the order's conversation; None: not a party to it.

    An assignee who is also a member of the enterprise speaks for the enterprise: the park's
    side must never be someone the applicant is.
    """
    if enterprise_side(actor, order, reach):
        return ConversationSide.ENTERPRISE
    if is_assignee(actor, order):
        return ConversationSide.HANDLER
    return None


def conversation_party(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return side_of(actor, order, reach) is not None


def reads_conversation(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """The two sides, and supervisors and admins (who read without writing)."""
    return conversation_party(actor, order, reach) or can_assign_orders(actor)


def assignee_or_supervisor(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    if enterprise_side(actor, order, reach):
        return False  # processing information is the park's, never written by the applicant
    return is_assignee(actor, order) or can_assign_orders(actor)


def owed_reviewer(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """The assignee, or the desk (auditors), who accepted the promise in the first place."""
    if enterprise_side(actor, order, reach):
        return False
    return is_assignee(actor, order) or actor.has(Role.AUDITOR)


def conversations_readable_by(actor: Actor) -> QuerySet[Order]:
    """The orders whose conversation `actor` may read (`reads_conversation`, as a query)."""
    if actor.user_id is None:
        return Order.filter(id=-1)
    if can_assign_orders(actor):
        return Order.all()
    readable = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if actor.has(Role.HANDLER):
        readable = readable | Q(assignee_id=actor.user_id)
    return Order.filter(readable)


# -- the rows -------------------------------------------------------------------------------------

E = ProcessingEventKind
CLOSED = frozenset({S.COMPLETED, S.CANCELLED})
NOT_CLOSED = frozenset(S) - CLOSED
# A conversation needs the park's side: not while a provider has the order, not once closed.
CONVERSING = frozenset({S.PENDING_ASSIGNMENT, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_APPLICANT})


def _row(
    name: str,
    sources: frozenset[OrderStatus],
    event: StrEnum,
    who: Policy[OrderFacts],
    who_says: str,
) -> Action[OrderFacts, OrderStatus]:
    return Action(name, sources, frozenset(), event, who, who_says)


PROCESSING_ACTIONS: tuple[Action[OrderFacts, OrderStatus], ...] = (
    _row(
        "POST_PROGRESS_NOTE", NOT_CLOSED, E.ORDER_PROGRESS_NOTED, assignee_or_supervisor,
        "the assignee, or a supervisor or an admin (the applicant reads it; no version)",
    ),
    _row(
        "POST_INTERNAL_NOTE", NOT_CLOSED, E.ORDER_INTERNAL_NOTE_ADDED, assignee_or_supervisor,
        "the assignee, or a supervisor or an admin (park staff read it; no version)",
    ),
    _row(
        "SEND_MESSAGE", CONVERSING, E.ORDER_MESSAGE_SENT, conversation_party,
        "a member of the applicant's enterprise, or the assignee (supervisors read; no version)",
    ),
    _row(
        "MARK_MESSAGES_READ", frozenset(S), E.ORDER_MESSAGES_READ, conversation_party,
        "a member of the applicant's enterprise, or the assignee, for their side (no version)",
    ),
    _row(
        "SUPPLY_OWED_MATERIAL", NOT_CLOSED, E.ORDER_OWED_MATERIAL_SUPPLIED, enterprise_side,
        "a member of the applicant's enterprise (no version)",
    ),
    _row(
        "ACCEPT_OWED_MATERIAL", NOT_CLOSED, E.ORDER_OWED_MATERIAL_ACCEPTED, owed_reviewer,
        "the assignee, or an auditor (no version)",
    ),
    _row(
        "RETURN_OWED_MATERIAL", NOT_CLOSED, E.ORDER_OWED_MATERIAL_RETURNED, owed_reviewer,
        "the assignee, or an auditor, with a reason (no version)",
    ),
)  # fmt: skip
