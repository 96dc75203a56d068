"""Who sees which order: `can_view_order` (single objects) and `orders_visible_to` (lists) agree."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from backend.models.accounts import Role, TeamMember
from backend.models.enterprises import Membership
from backend.models.events import Event
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from backend.services.orders.policies import can_view_order, orders_visible_to
from tests import builders

TZ = "Asia/Shanghai"


def _actor(user, *roles: Role) -> Actor:
    return Actor(user_id=user.id, name=user.name, roles=frozenset(roles))


async def _open(application) -> Order:
    async with in_transaction() as conn:
        return await orders.open_order(conn, Actor(), application, approved_by_id=None, timezone=TZ)


@pytest.mark.postgres
async def test_the_policy_and_the_query_agree_for_every_role(db: str) -> None:
    team, handlers = await builders.team_with_handlers(2)
    item, version = await builders.published_item(team)
    ours, theirs = await builders.verified_enterprise(), await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    await Membership.create(user=applicant, enterprise=ours)
    opened = [
        await _open(await builders.approved_application(item, version, e, applicant))
        for e in (ours, theirs, ours)
    ]
    await TeamMember.filter(team=team).update(on_leave=True)
    opened.append(
        await _open(await builders.approved_application(item, version, theirs, applicant))
    )
    outsider_handler = (await builders.team_with_handlers(1))[1][0]
    actors = [
        Actor(),
        _actor(applicant, Role.APPLICANT),
        _actor(await builders.user(Role.APPLICANT), Role.APPLICANT),
        _actor(handlers[0], Role.HANDLER),
        _actor(handlers[1], Role.HANDLER),
        _actor(outsider_handler, Role.HANDLER),
        _actor(await builders.user(Role.SUPERVISOR), Role.SUPERVISOR),
        _actor(await builders.user(Role.AUDITOR), Role.AUDITOR),
        _actor(await builders.user(Role.ADMIN), Role.ADMIN),
    ]
    expected = [0, 2, 0, 3, 2, 0, 4, 4, 4]  # the waiting order shows to its team's handlers
    for actor, count in zip(actors, expected, strict=True):
        listed = set(await orders_visible_to(actor).values_list("id", flat=True))
        reach = await reach_of(actor)
        single = {o.id for o in opened if can_view_order(actor, o, reach)}
        assert listed == single, actor
        assert len(listed) == count, actor


@pytest.mark.postgres
async def test_300_concurrent_approvals_across_5_handlers_stay_even_and_single(db: str) -> None:
    team, handlers = await builders.team_with_handlers(5)
    item, version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    applications = [
        await builders.approved_application(item, version, enterprise, applicant)
        for _ in range(300)
    ]
    opened = await asyncio.gather(*(_open(a) for a in applications))
    assert len({o.number for o in opened}) == 300
    loads = Counter(await Order.all().values_list("assignee_id", flat=True))
    assert set(loads) == {h.id for h in handlers}
    assert max(loads.values()) <= 61, loads
    assigned = Counter(
        await Event.filter(aggregate_type="order", kind="ORDER_ASSIGNED").values_list(
            "aggregate_id", flat=True
        )
    )
    assert len(assigned) == 300 and set(assigned.values()) == {1}, "an order assigned twice"
    assert await Order.filter(version=2).count() == 300
