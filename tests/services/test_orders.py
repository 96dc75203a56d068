"""Opening an order on approval: its number, its due date, and who gets it and why."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from backend.models.accounts import MemberKind, Role, TeamMember
from backend.models.catalog import Fulfilment
from backend.models.events import Event
from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.errors import ForbiddenTransition, Stale
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from backend.services.orders.states import ORDER
from tests import builders

TZ = "Asia/Shanghai"
SYSTEM = Actor()


async def _open(application) -> Order:
    async with in_transaction() as conn:
        return await orders.open_order(conn, SYSTEM, application, approved_by_id=None, timezone=TZ)


async def _world(handlers: int = 3, **item: object):
    team, people = await builders.team_with_handlers(handlers)
    item_row, version = await builders.published_item(team, **item)  # type: ignore[arg-type]
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    return team, people, item_row, version, enterprise, applicant


async def _application(world) -> object:
    _, _, item_row, version, enterprise, applicant = world
    return await builders.approved_application(item_row, version, enterprise, applicant)


@pytest.mark.postgres
async def test_an_order_gets_a_number_a_due_date_and_a_handler(db: str) -> None:
    world = await _world(time_limit_days=3)
    order = await _open(await _application(world))
    assert order.number.startswith("SH-") and order.number.endswith("-0001")
    assert order.status is OrderStatus.ASSIGNED
    assert order.assignee_id in {p.id for p in world[1]}  # type: ignore[attr-defined]
    assert order.due_at > datetime.now(UTC) + timedelta(days=2)
    kinds = (
        await Event.filter(aggregate_type="order", aggregate_id=order.id)
        .order_by("sequence")
        .values_list("sequence", "kind")
    )
    assert kinds == [(1, "ORDER_OPENED"), (2, "ORDER_ASSIGNED")]


@pytest.mark.postgres
async def test_the_least_loaded_handler_gets_it_and_ties_go_to_the_least_recent(db: str) -> None:
    world = await _world(handlers=3)
    team, people = world[0], world[1]
    first = await _open(await _application(world))
    second = await _open(await _application(world))
    third = await _open(await _application(world))
    # Three orders, three handlers: each got one, in turn (never-assigned first, by id).
    assert [o.assignee_id for o in (first, second, third)] == [p.id for p in people]  # type: ignore[attr-defined]
    await TeamMember.filter(team=team, user=people[1]).update(on_leave=True)
    fourth = await _open(await _application(world))
    # All hold one; people[1] is on leave; people[0] was assigned least recently.
    assert fourth.assignee_id == people[0].id  # type: ignore[attr-defined]
    reason = fourth.assignment_reason
    assert reason["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert {e["userId"] for e in reason["eligible"]} == {people[0].id, people[2].id}
    assert all(e["load"] == 1 for e in reason["eligible"])


async def test_with_no_eligible_handler_the_order_waits_unassigned_and_says_why(db: str) -> None:
    world = await _world(handlers=1)
    await TeamMember.filter(team=world[0], kind=MemberKind.HANDLER).update(on_leave=True)
    order = await _open(await _application(world))
    assert order.status is OrderStatus.PENDING_ASSIGNMENT
    assert order.assignee_id is None  # type: ignore[attr-defined]
    stored = await Order.get(id=order.id)
    handler = world[1][0]
    assert stored.assignment_reason == {
        "rule": "NO_ELIGIBLE_HANDLER",
        "eligible": [],
        "skipped": [
            {
                "userId": handler.id,
                "name": handler.name,
                "load": 0,
                "lastAssignedAt": None,
                "why": "ON_LEAVE",
            }
        ],
    }


async def test_the_items_own_team_wins_over_the_categorys(db: str) -> None:
    category_team, _ = await builders.team_with_handlers(1)
    item_team, item_handlers = await builders.team_with_handlers(1)
    item_row, version = await builders.published_item(category_team, item_team=item_team)
    application = await builders.approved_application(
        item_row, version, await builders.verified_enterprise(), await builders.user(Role.APPLICANT)
    )
    order = await _open(application)
    assert order.assignee_id == item_handlers[0].id  # type: ignore[attr-defined]


async def test_a_provider_item_is_marked_for_forwarding_not_assigned(db: str) -> None:
    world = await _world(fulfilment=Fulfilment.PROVIDER)
    order = await _open(await _application(world))
    assert order.status is OrderStatus.PENDING_FORWARD
    assert order.assignee_id is None  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_transitions_outside_the_table_and_stale_versions_are_refused(db: str) -> None:
    world = await _world()
    order = await _open(await _application(world))
    async with in_transaction() as conn:
        with pytest.raises(ForbiddenTransition):
            await ORDER.apply(
                conn,
                SYSTEM,
                order,
                "FORWARD_ACKNOWLEDGED",
                expected_version=order.version,
                consequence=True,
            )
        with pytest.raises(Stale):
            await ORDER.apply(
                conn,
                SYSTEM,
                order,
                "ACCEPT",
                expected_version=order.version - 1,
                consequence=True,
            )
    assert (await Order.get(id=order.id)).status is OrderStatus.ASSIGNED


@pytest.mark.postgres
async def test_concurrent_approvals_spread_evenly_and_never_share_a_number(db: str) -> None:
    world = await _world(handlers=5)
    applications = [await _application(world) for _ in range(40)]
    opened = await asyncio.gather(*(_open(a) for a in applications))
    assert len({o.number for o in opened}) == 40
    loads: dict[int, int] = {}
    for order in await Order.all():
        loads[order.assignee_id] = loads.get(order.assignee_id, 0) + 1  # type: ignore[attr-defined]
    assert sorted(loads.values()) == [8, 8, 8, 8, 8]


async def test_a_choice_nobody_asked_for_is_the_systems_and_one_asked_for_is_theirs(
    db: str,
) -> None:
    """Opening assigns by itself; a step that re-runs the choice as its consequence (a decline,
    a hand-back) is the system's too; a supervisor who asks for it is credited."""
    world = await _world(handlers=2)
    people = world[1]
    supervisor = await builders.user(Role.SUPERVISOR)
    approver = Actor(user_id=world[5].id, request_id="req-approve")
    async with in_transaction() as conn:
        order = await orders.open_order(
            conn, approver, await _application(world), approved_by_id=None, timezone=TZ
        )
    opened = await Event.filter(aggregate_id=order.id).order_by("sequence")
    assert [(e.kind, e.actor_id, e.request_id) for e in opened] == [  # type: ignore[attr-defined]
        ("ORDER_OPENED", None, "req-approve"),
        ("ORDER_ASSIGNED", None, "req-approve"),
    ]
    for asked, credited in ((False, None), (True, supervisor.id)):
        await Order.filter(id=order.id).update(status=OrderStatus.PENDING_ASSIGNMENT)
        order = await Order.get(id=order.id)
        async with in_transaction() as conn:
            await orders.assign_automatically(
                conn, Actor(user_id=supervisor.id), order, consequence=True, asked=asked
            )
        last = await Event.filter(aggregate_id=order.id).order_by("-sequence").first()
        assert last is not None and last.kind == "ORDER_ASSIGNED"
        assert last.actor_id == credited  # type: ignore[attr-defined]
    assert order.assignee_id in {p.id for p in people}
