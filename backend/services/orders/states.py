"""An order's states and the actions between them, as data (product brief, "States").

Rows marked `offered=False` are steps the brief describes that the API does not offer yet
(accepting, asking the applicant, completing, the provider's steps, cancelling): they are here
so the table is the whole story, and a future mutation only has to call `ORDER.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.models.accounts import Role
from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine, Policy, nobody
from backend.services.orders.policies import OrderFacts, can_assign_orders
from backend.services.orders.processing import PROCESSING_ACTIONS

S = OrderStatus


class OrderEventKind(StrEnum):
    ORDER_OPENED = "ORDER_OPENED"
    ORDER_ASSIGNED = "ORDER_ASSIGNED"
    ORDER_REASSIGNED = "ORDER_REASSIGNED"
    ORDER_RELEASED = "ORDER_RELEASED"
    ORDER_ACCEPTED = "ORDER_ACCEPTED"
    ORDER_DECLINED = "ORDER_DECLINED"
    ORDER_INFORMATION_REQUESTED = "ORDER_INFORMATION_REQUESTED"
    ORDER_INFORMATION_ANSWERED = "ORDER_INFORMATION_ANSWERED"
    ORDER_COMPLETED = "ORDER_COMPLETED"
    ORDER_FORWARDED = "ORDER_FORWARDED"
    ORDER_PROVIDER_ACCEPTED = "ORDER_PROVIDER_ACCEPTED"
    ORDER_REROUTED = "ORDER_REROUTED"
    ORDER_HANDED_BACK = "ORDER_HANDED_BACK"
    ORDER_CANCELLED = "ORDER_CANCELLED"


# -- who ------------------------------------------------------------------------------------------


def supervisor(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return can_assign_orders(actor)


def assignee(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return actor.has(Role.HANDLER) and order.assignee_id == actor.user_id


def applicant(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """Anyone of the enterprise that applied."""
    return order.enterprise_id in reach.member_of


def provider(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    # Which provider a PROVIDER account speaks for comes with the provider endpoint.
    return actor.has(Role.PROVIDER) and order.provider_id is not None


def assignee_or_provider(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return assignee(actor, order, reach) or provider(actor, order, reach)


# The applicant may cancel before work starts; a supervisor until it is completed.
APPLICANT_MAY_CANCEL = frozenset({S.PENDING_ASSIGNMENT, S.ASSIGNED, S.PENDING_FORWARD, S.FORWARDED})


def canceller(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    if supervisor(actor, order, reach):
        return True
    return order.status in APPLICANT_MAY_CANCEL and applicant(actor, order, reach)


# -- the table ------------------------------------------------------------------------------------

E = OrderEventKind
SUPERVISOR = "a supervisor or an admin"


def _action(
    name: str,
    sources: set[OrderStatus],
    targets: set[OrderStatus],
    event: OrderEventKind,
    who: Policy[OrderFacts],
    who_says: str,
    *,
    offered: bool = True,
) -> Action[OrderFacts, OrderStatus]:
    return Action(
        name, frozenset(sources), frozenset(targets), event, who, who_says, offered=offered
    )


ORDER: Machine[OrderFacts, OrderStatus] = Machine(
    "order",
    Order,
    OrderStatus,
    (
        _action(
            "ASSIGN", {S.PENDING_ASSIGNMENT}, {S.ASSIGNED}, E.ORDER_ASSIGNED, supervisor,
            "the automatic choice (when the order opens or is handed back), or a supervisor "
            "re-running it",
        ),
        _action(
            "REASSIGN", {S.PENDING_ASSIGNMENT, S.ASSIGNED, S.IN_PROGRESS}, {S.ASSIGNED},
            E.ORDER_REASSIGNED, supervisor, SUPERVISOR + " naming the handler",
        ),
        _action(
            "RELEASE", {S.ASSIGNED}, {S.PENDING_ASSIGNMENT}, E.ORDER_RELEASED, supervisor,
            SUPERVISOR + " re-running the automatic choice (it runs at once after)",
        ),
        _action(
            "REASSIGN_WAITING", {S.WAITING_ON_APPLICANT}, {S.WAITING_ON_APPLICANT},
            E.ORDER_REASSIGNED, supervisor, SUPERVISOR + " (the order keeps waiting)",
            offered=False,
        ),
        _action(
            "ACCEPT", {S.ASSIGNED}, {S.IN_PROGRESS}, E.ORDER_ACCEPTED, assignee, "the assignee",
            offered=False,
        ),
        _action(
            "DECLINE", {S.ASSIGNED}, {S.ASSIGNED, S.PENDING_ASSIGNMENT}, E.ORDER_DECLINED,
            assignee, "the assignee (the automatic choice runs again without them)",
            offered=False,
        ),
        _action(
            "REQUEST_INFORMATION", {S.IN_PROGRESS}, {S.WAITING_ON_APPLICANT},
            E.ORDER_INFORMATION_REQUESTED, assignee, "the assignee (the clock stops)",
            offered=False,
        ),
        _action(
            "ANSWER", {S.WAITING_ON_APPLICANT}, {S.IN_PROGRESS}, E.ORDER_INFORMATION_ANSWERED,
            applicant, "the applicant's enterprise", offered=False,
        ),
        _action(
            "COMPLETE", {S.IN_PROGRESS}, {S.COMPLETED}, E.ORDER_COMPLETED, assignee_or_provider,
            "the assignee or the provider, once no owed material is outstanding", offered=False,
        ),
        _action(
            "FORWARD_ACKNOWLEDGED", {S.PENDING_FORWARD}, {S.FORWARDED}, E.ORDER_FORWARDED, nobody,
            "the service, when the provider's endpoint acknowledges", offered=False,
        ),
        _action(
            "PROVIDER_ACCEPT", {S.FORWARDED}, {S.IN_PROGRESS}, E.ORDER_PROVIDER_ACCEPTED,
            provider, "the provider", offered=False,
        ),
        _action(
            "REROUTE", {S.FORWARDED}, {S.PENDING_FORWARD}, E.ORDER_REROUTED, supervisor,
            SUPERVISOR + " (to another provider)", offered=False,
        ),
        _action(
            "HAND_BACK", {S.FORWARDED, S.IN_PROGRESS, S.WAITING_ON_APPLICANT},
            {S.PENDING_ASSIGNMENT}, E.ORDER_HANDED_BACK, provider,
            "the provider (the item's team takes it)", offered=False,
        ),
        _action(
            "CANCEL",
            {S.PENDING_ASSIGNMENT, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_APPLICANT,
             S.PENDING_FORWARD, S.FORWARDED},
            {S.CANCELLED}, E.ORDER_CANCELLED, canceller,
            "the applicant's enterprise from PENDING_ASSIGNMENT, ASSIGNED, PENDING_FORWARD or "
            "FORWARDED; " + SUPERVISOR + " from any open state",
            offered=False,
        ),
        # Notes, the conversation and owed materials: steps that keep the state (processing.py).
        *PROCESSING_ACTIONS,
    ),
)  # fmt: skip

# Orders nobody will work on any more: not overdue, not in anyone's load.
CLOSED = frozenset({S.COMPLETED, S.CANCELLED})


@dataclass(frozen=True)
class OrderActions:
    """What a viewer may do with an order now (only the steps the API offers)."""

    reassign: bool  # give it to a named handler
    assign_automatically: bool  # re-run the automatic choice


def actions_for(actor: Actor, order: OrderFacts, reach: Reach) -> OrderActions:
    # Re-running the choice on an assigned order releases it first, then chooses.
    rerun = "RELEASE" if order.status is S.ASSIGNED else "ASSIGN"
    return OrderActions(
        reassign=ORDER.may(actor, order, "REASSIGN", reach),
        assign_automatically=ORDER.may(actor, order, rerun, reach),
    )
