"""The automatic choice with capacity, declines and the enterprise's previous handler: who is
passed over and why, said in the reason; least-loaded otherwise, as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.models.accounts import MemberKind, Notification, Role, TeamMember
from backend.models.events import Event
from backend.models.orders import Order, OrderStatus
from backend.services.core.errors import ForbiddenTransition, Invalid, PermissionDenied
from backend.services.orders import assignment, steps
from tests import builders
from tests.services.orders.helpers import World, actor, open_order, stored, world

pytestmark = pytest.mark.postgres


async def _capacity(w: World, index: int, maximum: int | None) -> None:
    await TeamMember.filter(team=w.team, user=w.handlers[index]).update(max_open_orders=maximum)


async def _hold(w: World, index: int, count: int) -> None:
    """Gives handler `index` `count` more open orders, outside the choice."""
    for _ in range(count):
        order = await open_order(w)
        await Order.filter(id=order.id).update(
            assignee_id=w.handlers[index].id, status=OrderStatus.IN_PROGRESS
        )


async def _completed_by(w: World, index: int, enterprise=None) -> Order:  # type: ignore[no-untyped-def]
    order = await open_order(w, enterprise)
    await Order.filter(id=order.id).update(
        assignee_id=w.handlers[index].id,
        status=OrderStatus.COMPLETED,
        completed_at=datetime.now(UTC),
    )
    return await stored(order)


def _skipped(order: Order) -> list[tuple[int, str]]:
    return [(s["userId"], s["why"]) for s in order.assignment_reason.get("skipped", [])]


async def test_a_handler_at_capacity_is_passed_over_and_the_reason_says_so(db: str) -> None:
    w = await world(handlers=2)
    h0, h1 = w.handlers
    await _capacity(w, 0, 1)
    first = await open_order(w)
    assert first.assignee_id == h0.id  # type: ignore[attr-defined]
    assert _skipped(first) == []
    second = await open_order(w)
    assert second.assignee_id == h1.id  # type: ignore[attr-defined]
    third = await open_order(w)  # both hold one; h0 may hold no more
    assert third.assignee_id == h1.id  # type: ignore[attr-defined]
    assert _skipped(third) == [(h0.id, "AT_CAPACITY")]
    [skipped] = third.assignment_reason["skipped"]
    assert (skipped["load"], skipped["capacity"]) == (1, 1)
    assert [e["userId"] for e in third.assignment_reason["eligible"]] == [h1.id]
    # No limit again: the least loaded takes the next one.
    await _capacity(w, 0, None)
    fourth = await open_order(w)
    assert fourth.assignee_id == h0.id  # type: ignore[attr-defined]
    assert _skipped(fourth) == []


async def test_with_everyone_at_capacity_or_on_leave_the_order_waits_and_says_why(
    db: str,
) -> None:
    w = await world(handlers=2)
    h0, h1 = w.handlers
    await _capacity(w, 0, 2)
    await _hold(w, 0, 2)
    await TeamMember.filter(team=w.team, user=h1).update(on_leave=True)
    order = await open_order(w)
    assert order.status is OrderStatus.PENDING_ASSIGNMENT
    assert order.assignment_reason["rule"] == "NO_ELIGIBLE_HANDLER"
    assert _skipped(order) == [(h0.id, "AT_CAPACITY"), (h1.id, "ON_LEAVE")]


async def test_the_enterprises_previous_handler_gets_the_repeat_request(db: str) -> None:
    w = await world(handlers=3)
    h0, h1, h2 = w.handlers
    previous = await _completed_by(w, 1)
    await _hold(w, 1, 1)  # h1 holds one, the others none: lowest 0, h1 within + 1
    order = await open_order(w)
    assert order.assignee_id == h1.id  # type: ignore[attr-defined]
    reason = order.assignment_reason
    assert reason["rule"] == "PREVIOUS_HANDLER_OF_THE_ENTERPRISE"
    assert reason["previousOrder"] == previous.number
    assert {e["userId"]: e["load"] for e in reason["eligible"]} == {h0.id: 0, h1.id: 1, h2.id: 0}


async def test_the_previous_handler_two_above_the_lowest_load_does_not(db: str) -> None:
    w = await world(handlers=2)
    h0 = w.handlers[0]
    await _completed_by(w, 1)
    await _hold(w, 1, 2)
    order = await open_order(w)
    assert order.assignee_id == h0.id  # type: ignore[attr-defined]
    assert order.assignment_reason["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert "previousOrder" not in order.assignment_reason


async def test_the_repeat_is_for_the_same_enterprise_and_item_and_an_eligible_handler(
    db: str,
) -> None:
    w = await world(handlers=2)
    h0, h1 = w.handlers
    other = await builders.verified_enterprise("别家公司")
    await _completed_by(w, 1, other)
    await _hold(w, 1, 1)
    # Another enterprise's history does not count for this one: h0 holds fewer.
    mine = await open_order(w)
    assert mine.assignee_id == h0.id  # type: ignore[attr-defined]
    assert mine.assignment_reason["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    # For that enterprise it does (both hold one).
    theirs = await open_order(w, other)
    assert theirs.assignee_id == h1.id  # type: ignore[attr-defined]
    assert theirs.assignment_reason["rule"] == "PREVIOUS_HANDLER_OF_THE_ENTERPRISE"
    # The previous handler on leave: the choice goes on without them, and says so.
    await TeamMember.filter(team=w.team, user=h1).update(on_leave=True)
    again = await open_order(w, other)
    assert again.assignee_id == h0.id  # type: ignore[attr-defined]
    assert again.assignment_reason["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert _skipped(again) == [(h1.id, "ON_LEAVE")]


async def test_a_decline_hands_the_order_on_and_nobody_who_declined_gets_it_again(
    db: str,
) -> None:
    w = await world(handlers=2)
    h0, h1 = w.handlers
    order = await open_order(w)
    assert order.assignee_id == h0.id  # type: ignore[attr-defined]
    declined = await steps.decline(
        actor(h0, Role.HANDLER), order.id, "  与该企业  有利害关系  ", order.version
    )
    order = await stored(order)
    assert declined.new_assignee_id == h1.id
    assert (order.status, order.assignee_id, order.version) == (OrderStatus.ASSIGNED, h1.id, 3)  # type: ignore[attr-defined]
    assert order.declined_by == [h0.id]
    assert order.assignment_reason["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert _skipped(order) == [(h0.id, "DECLINED")]
    event = (
        await Event.filter(aggregate_type="order", aggregate_id=order.id)
        .order_by("-sequence")
        .first()
    )
    assert event is not None
    assert (event.kind, event.data["from"], event.data["to"], event.data["note"]) == (
        "ORDER_DECLINED",
        "ASSIGNED",
        "ASSIGNED",
        "与该企业 有利害关系",
    )
    assert await Notification.filter(user_id=h1.id, kind="ORDER_ASSIGNED").count() == 1

    # The second handler declines too: nobody is left, the order waits, and the reason says so.
    again = await steps.decline(actor(h1, Role.HANDLER), order.id, "本周外出", order.version)
    order = await stored(order)
    assert again.new_assignee_id is None
    assert (order.status, order.assignee_id) == (OrderStatus.PENDING_ASSIGNMENT, None)  # type: ignore[attr-defined]
    assert order.assignment_reason["rule"] == "NO_ELIGIBLE_HANDLER"
    assert _skipped(order) == [(h0.id, "DECLINED"), (h1.id, "DECLINED")]

    # A supervisor re-running the choice finds nobody either; a new handler takes it.
    supervisor = actor(await builders.user(Role.SUPERVISOR), Role.SUPERVISOR)
    await assignment.assign_order(supervisor, order.id, None, "再试一次", order.version)
    assert (await stored(order)).status is OrderStatus.PENDING_ASSIGNMENT
    newcomer = await builders.user(Role.HANDLER, "新办理员")
    await TeamMember.create(team=w.team, user=newcomer, kind=MemberKind.HANDLER)
    order = await stored(order)
    await assignment.assign_order(supervisor, order.id, None, "新人到岗", order.version)
    order = await stored(order)
    assert (order.status, order.assignee_id) == (OrderStatus.ASSIGNED, newcomer.id)  # type: ignore[attr-defined]


async def test_only_the_assignee_declines_an_assigned_order_with_a_reason(db: str) -> None:
    w = await world(handlers=2)
    h0, h1 = w.handlers
    order = await open_order(w)
    with pytest.raises(Invalid) as empty:
        await steps.decline(actor(h0, Role.HANDLER), order.id, " \n ", order.version)
    assert [(p.field, p.code) for p in empty.value.problems] == [(("reason",), "REQUIRED")]
    with pytest.raises(Invalid) as long:
        await steps.decline(actor(h0, Role.HANDLER), order.id, "长" * 501, order.version)
    assert [p.code for p in long.value.problems] == ["TOO_LONG"]
    auditor = actor(await builders.user(Role.AUDITOR), Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        await steps.decline(auditor, order.id, "x", order.version)
    await steps.accept(actor(h0, Role.HANDLER), order.id, order.version)
    order = await stored(order)
    with pytest.raises(ForbiddenTransition):
        await steps.decline(actor(h0, Role.HANDLER), order.id, "晚了", order.version)
    after = await stored(order)
    assert (after.status, after.declined_by, after.version) == (OrderStatus.IN_PROGRESS, [], 3)
    assert h1.id not in after.declined_by
