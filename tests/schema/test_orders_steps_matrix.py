"""Every state-changing step × every role: allowed, or a userError that leaves nothing behind; and
every action from every state it may not start from is refused (the states generated from the
order's action table). `viewerCan` says beforehand what the action then does."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.orders import OrderStatus
from backend.services.orders.states import ORDER
from tests.schema.helpers import global_id
from tests.schema.steps_helpers import (
    MUTATIONS,
    ROLES,
    act,
    codes,
    footprint,
    order_in,
    people,
)

S = OrderStatus
FLAG = {
    "ACCEPT": "accept",
    "DECLINE": "decline",
    "REQUEST_INFORMATION": "requestInformation",
    "ANSWER": "answerInformation",
    "COMPLETE": "complete",
    "CANCEL": "cancel",
}
# Who may take each action from a state it starts from: the product brief's order lines.
ALLOWED: dict[tuple[str, OrderStatus], set[str]] = {
    ("ACCEPT", S.ASSIGNED): {"assignee"},
    ("DECLINE", S.ASSIGNED): {"assignee"},
    ("REQUEST_INFORMATION", S.IN_PROGRESS): {"assignee"},
    ("ANSWER", S.WAITING_ON_APPLICANT): {"applicant"},
    ("COMPLETE", S.IN_PROGRESS): {"assignee"},
    ("CANCEL", S.PENDING_ASSIGNMENT): {"applicant", "supervisor", "admin"},
    ("CANCEL", S.ASSIGNED): {"applicant", "supervisor", "admin"},
    ("CANCEL", S.FORWARDED): {"applicant", "supervisor", "admin"},
    ("CANCEL", S.IN_PROGRESS): {"supervisor", "admin"},
    ("CANCEL", S.WAITING_ON_APPLICANT): {"supervisor", "admin"},
}
# Where each step leads when allowed (a decline with another handler free: assigned again).
TARGET = {
    "ACCEPT": S.IN_PROGRESS,
    "DECLINE": S.ASSIGNED,
    "REQUEST_INFORMATION": S.WAITING_ON_APPLICANT,
    "ANSWER": S.IN_PROGRESS,
    "COMPLETE": S.COMPLETED,
    "CANCEL": S.CANCELLED,
}
# Who does not see the order at all: its id means nothing to them.
BLIND = {"another applicant", "provider"}

VIEWER_CAN = """query($id: ID!) { order(id: $id) { viewerCan {
    accept decline requestInformation answerInformation complete cancel } } }"""


def test_the_matrix_covers_every_state_changing_action_the_api_offers() -> None:
    # Steps that keep the state (notes, messages, owed materials) have their own matrix in
    # test_orders_conversation.py and test_orders_owed.py; the provider's steps and re-routing
    # theirs in test_provider_orders.py.
    offered = {a.name for a in ORDER.actions if a.offered and a.targets}
    providers = {"PROVIDER_ACCEPT", "REROUTE", "HAND_BACK"}
    assert offered - {"ASSIGN", "REASSIGN", "RELEASE"} - providers == set(MUTATIONS) == set(FLAG)
    for action, status in ALLOWED:
        assert status in ORDER[action].sources


def _expected_refusal(role: str, status: OrderStatus) -> str:
    if role == "anonymous":
        return "NOT_AUTHENTICATED"
    # A handler of the team sees the orders still waiting for one, and those they hold (an
    # order on its way to a provider has no holder).
    held = status not in {S.PENDING_ASSIGNMENT, S.PENDING_FORWARD, S.FORWARDED}
    sees = status is S.PENDING_ASSIGNMENT or (role == "assignee" and held)
    if role in BLIND or (role in {"assignee", "another handler"} and not sees):
        return "NOT_FOUND"
    return "FORBIDDEN"


@pytest.mark.parametrize(("action", "status"), list(ALLOWED), ids=lambda v: str(v))
async def test_each_role_is_allowed_or_refused_cleanly(
    new_api: Any, action: str, status: OrderStatus
) -> None:
    world = await people(new_api)
    allowed = ALLOWED[(action, status)]
    outcomes: dict[str, str] = {}
    for role in ROLES:
        order = await order_in(world.park, status)
        client = world.clients[role]
        expected = "OK" if role in allowed else _expected_refusal(role, status)
        if expected in {"OK", "FORBIDDEN"}:
            seen = await client.gql(VIEWER_CAN, {"id": global_id("Order", order.id)})
            assert seen["order"]["viewerCan"][FLAG[action]] is (expected == "OK"), role
        before = await footprint(order)
        payload = await act(client, action, order)
        outcomes[role] = codes(payload)[0] if payload["userErrors"] else "OK"
        if outcomes[role] == "OK":
            after = await footprint(order)
            assert after[0] is TARGET[action], role
            assert after[1] == before[1] + 1, role
        else:
            assert payload["order"] is None
            assert await footprint(order) == before, role
    assert outcomes == {
        role: "OK" if role in allowed else _expected_refusal(role, status) for role in ROLES
    }


# Who would be allowed, were the state right: the refusal must be the state's, not the person's.
ACTOR = {
    "ACCEPT": "assignee",
    "DECLINE": "assignee",
    "REQUEST_INFORMATION": "assignee",
    "ANSWER": "applicant",
    "COMPLETE": "assignee",
    "CANCEL": "supervisor",
}


@pytest.mark.parametrize("action", list(MUTATIONS))
async def test_every_state_an_action_may_not_start_from_is_refused(
    new_api: Any, action: str
) -> None:
    world = await people(new_api)
    forbidden = [s for s in OrderStatus if s not in ORDER[action].sources]
    assert forbidden  # every action has states it may not start from
    client = world.clients[ACTOR[action]]
    for status in forbidden:
        order = await order_in(world.park, status, always_held=True)
        before = await footprint(order)
        payload = await act(client, action, order)
        assert codes(payload) == ["FORBIDDEN_TRANSITION"], (action, status)
        assert status.value in payload["userErrors"][0]["message"]
        assert await footprint(order) == before
