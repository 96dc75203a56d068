"""An order's states and the actions between them, as data (product brief, "States"): every
step anyone takes on an order is a row of `ORDER`, the one table `docs/states.md` is made from.

Two kinds of row:
- steps that change the state, taken by `ORDER.apply` with the version the actor saw:
  assignment (`orders.py`, `assignment.py`) and the handler's and the applicant's steps
  (`steps.py`);
- steps that keep the state (no target): notes (`updates.py`), the conversation
  (`conversation.py`) and owed materials (`owed.py`). `ORDER.check` says from which states and
  by whom; the service records the event itself, taking a sequence from the order's event
  counter but never its version, so a message or a note never makes anyone's page STALE.

Rows marked `offered=False` are steps the API does not offer: the service's own (the provider's
endpoint acknowledged) and those the brief describes that no mutation takes yet (reassigning a
waiting order): they are here so the table is the whole story. The provider's steps are
`provider_steps.py`; forwarding and re-routing `forwarding.py`. Who each `who` is: `parties.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine, Policy, nobody
from backend.services.orders.parties import (
    applicant,
    assignee,
    assignee_or_provider,
    assignee_or_supervisor,
    canceller,
    conversation_party,
    owed_reviewer,
    progress_author,
    provider,
    supervisor,
)
from backend.services.orders.policies import OrderFacts

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
    # Steps that keep the state.
    ORDER_PROGRESS_NOTED = "ORDER_PROGRESS_NOTED"
    ORDER_INTERNAL_NOTE_ADDED = "ORDER_INTERNAL_NOTE_ADDED"
    ORDER_MESSAGE_SENT = "ORDER_MESSAGE_SENT"
    ORDER_MESSAGES_READ = "ORDER_MESSAGES_READ"
    ORDER_OWED_MATERIAL_SUPPLIED = "ORDER_OWED_MATERIAL_SUPPLIED"
    ORDER_OWED_MATERIAL_ACCEPTED = "ORDER_OWED_MATERIAL_ACCEPTED"
    ORDER_OWED_MATERIAL_RETURNED = "ORDER_OWED_MATERIAL_RETURNED"


# -- the table ------------------------------------------------------------------------------------

E = OrderEventKind
SUPERVISOR = "a supervisor or an admin"
# Orders nobody will work on any more: not overdue, not in anyone's load.
CLOSED = frozenset({S.COMPLETED, S.CANCELLED})
NOT_CLOSED = frozenset(S) - CLOSED
# A conversation needs the park's side: not while a provider has the order, not once closed.
CONVERSING = frozenset({S.PENDING_ASSIGNMENT, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_APPLICANT})
KEEPS_STATE: frozenset[OrderStatus] = frozenset()


def _action(
    name: str,
    sources: Collection[OrderStatus],
    targets: Collection[OrderStatus],
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
        ),
        _action(
            "DECLINE", {S.ASSIGNED}, {S.ASSIGNED, S.PENDING_ASSIGNMENT}, E.ORDER_DECLINED,
            assignee, "the assignee, with a reason (the automatic choice runs again without them; "
            "nobody left: PENDING_ASSIGNMENT)",
        ),
        _action(
            "REQUEST_INFORMATION", {S.IN_PROGRESS}, {S.WAITING_ON_APPLICANT},
            E.ORDER_INFORMATION_REQUESTED, assignee_or_provider,
            "the assignee or the provider (the clock stops)",
        ),
        _action(
            "ANSWER", {S.WAITING_ON_APPLICANT}, {S.IN_PROGRESS}, E.ORDER_INFORMATION_ANSWERED,
            applicant, "the applicant's enterprise (the clock runs again)",
        ),
        _action(
            "COMPLETE", {S.IN_PROGRESS}, {S.COMPLETED}, E.ORDER_COMPLETED, assignee_or_provider,
            "the assignee or the provider, once no owed material is outstanding",
        ),
        _action(
            "FORWARD_ACKNOWLEDGED", {S.PENDING_FORWARD}, {S.FORWARDED}, E.ORDER_FORWARDED, nobody,
            "the service, when the provider's endpoint acknowledges", offered=False,
        ),
        _action(
            "FORWARD_TO_API", {S.PENDING_FORWARD}, {S.FORWARDED}, E.ORDER_FORWARDED, nobody,
            "the service, in the transaction that forwards the order, when the provider has no "
            "webhook endpoint taking order.forwarded (it works its orders through the API with "
            "its token, and hears of them on orderStatusChanged)", offered=False,
        ),
        _action(
            "PROVIDER_ACCEPT", {S.FORWARDED}, {S.IN_PROGRESS}, E.ORDER_PROVIDER_ACCEPTED,
            provider, "the provider, naming its staff member who handles it",
        ),
        _action(
            "REROUTE", {S.FORWARDED}, {S.PENDING_FORWARD}, E.ORDER_REROUTED, supervisor,
            SUPERVISOR + " (to another of the item's providers, who is announced the order)",
        ),
        _action(
            "HAND_BACK", {S.FORWARDED, S.IN_PROGRESS, S.WAITING_ON_APPLICANT},
            {S.PENDING_ASSIGNMENT}, E.ORDER_HANDED_BACK, provider,
            "the provider, with a reason (the automatic choice in the item's team runs at once)",
        ),
        _action(
            "CANCEL",
            {S.PENDING_ASSIGNMENT, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_APPLICANT,
             S.PENDING_FORWARD, S.FORWARDED},
            {S.CANCELLED}, E.ORDER_CANCELLED, canceller,
            "the applicant's enterprise from PENDING_ASSIGNMENT, ASSIGNED, PENDING_FORWARD or "
            "FORWARDED; " + SUPERVISOR + " from any open state; with a reason",
        ),
        # -- steps that keep the state: notes, the conversation, owed materials (no version) --
        _action(
            "POST_PROGRESS_NOTE", NOT_CLOSED, KEEPS_STATE, E.ORDER_PROGRESS_NOTED,
            progress_author,
            "the assignee, the provider, or a supervisor or an admin (the applicant reads it; "
            "no version)",
        ),
        _action(
            "POST_INTERNAL_NOTE", NOT_CLOSED, KEEPS_STATE, E.ORDER_INTERNAL_NOTE_ADDED,
            assignee_or_supervisor,
            "the assignee, or a supervisor or an admin (park staff read it; no version)",
        ),
        _action(
            "SEND_MESSAGE", CONVERSING, KEEPS_STATE, E.ORDER_MESSAGE_SENT, conversation_party,
            "a member of the applicant's enterprise, or the assignee (supervisors read; no "
            "version)",
        ),
        _action(
            "MARK_MESSAGES_READ", frozenset(S), KEEPS_STATE, E.ORDER_MESSAGES_READ,
            conversation_party,
            "a member of the applicant's enterprise, or the assignee, for their side (no "
            "version)",
        ),
        _action(
            "SUPPLY_OWED_MATERIAL", NOT_CLOSED, KEEPS_STATE, E.ORDER_OWED_MATERIAL_SUPPLIED,
            applicant, "a member of the applicant's enterprise (no version)",
        ),
        _action(
            "ACCEPT_OWED_MATERIAL", NOT_CLOSED, KEEPS_STATE, E.ORDER_OWED_MATERIAL_ACCEPTED,
            owed_reviewer, "the assignee, or an auditor (no version)",
        ),
        _action(
            "RETURN_OWED_MATERIAL", NOT_CLOSED, KEEPS_STATE, E.ORDER_OWED_MATERIAL_RETURNED,
            owed_reviewer, "the assignee, or an auditor, with a reason (no version)",
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class OrderActions:
    """What a viewer may do with an order now, by the table (only the steps the API offers).

    For owed materials the table says who and from which order states; a step also needs a
    material in the state it starts from, which the caller checks (`owed.STILL_OWED`)."""

    reassign: bool  # give it to a named handler
    assign_automatically: bool  # re-run the automatic choice
    accept: bool
    decline: bool
    request_information: bool
    answer_information: bool
    complete: bool
    cancel: bool
    post_update: bool  # a progress or an internal note
    send_message: bool
    supply_owed_material: bool
    review_owed_material: bool  # accept or return


def actions_for(actor: Actor, order: OrderFacts, reach: Reach) -> OrderActions:
    # Re-running the choice on an assigned order releases it first, then chooses.
    rerun = "RELEASE" if order.status is S.ASSIGNED else "ASSIGN"

    def may(name: str) -> bool:
        return ORDER.may(actor, order, name, reach)

    return OrderActions(
        reassign=may("REASSIGN"),
        assign_automatically=may(rerun),
        accept=may("ACCEPT"),
        decline=may("DECLINE"),
        request_information=may("REQUEST_INFORMATION"),
        answer_information=may("ANSWER"),
        complete=may("COMPLETE"),
        cancel=may("CANCEL"),
        # Either kind of note (a provider posts progress through providerUpdateOrder only).
        post_update=may("POST_PROGRESS_NOTE") and may("POST_INTERNAL_NOTE"),
        send_message=may("SEND_MESSAGE"),
        supply_owed_material=may("SUPPLY_OWED_MATERIAL"),
        # Accepting and returning share their sources and policy.
        review_owed_material=may("ACCEPT_OWED_MATERIAL"),
    )
