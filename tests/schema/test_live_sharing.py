"""A subscription whose selection reads nothing but the news is executed once per piece of
news, its result shared by every subscriber asking the same thing; anything that may depend
on the viewer is still executed for each (backend/schema/live/execution.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order
from backend.schema import schema
from backend.schema.context import Context
from backend.schema.live.context import LiveContext
from backend.schema.live.execution import OperationScoped
from backend.services.accounts import sessions
from backend.services.accounts.throttle import CostLimiter, LoginThrottle
from backend.services.core.actors import Actor
from backend.services.live import broker
from backend.services.live.news import ChangeNews
from backend.services.live.viewers import connect
from backend.settings import Settings
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.order_helpers import open_order, park

NEWS_ONLY = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    __typename orderId number sequence kind fromStatus toStatus at } }"""
WITH_ORDER = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    sequence order { id status } } }"""
ALIASED = """subscription($id: ID) { orderStatusChanged(orderId: $id) { n: number } }"""


async def _fan_out(settings: Settings, users: list[Any], document: str) -> list[Any]:
    """Subscribes each user (one connection each) with `document`, delivers one change of
    the park's order, and returns what each subscription yields."""
    order = await Order.all().order_by("id").first()
    assert order is not None
    throttle = LoginThrottle(
        "async+memory://", per_account_and_address="5/minute", per_address="5/minute",
        per_account="5/minute", sign_ups_per_address="5/minute",
    )  # fmt: skip
    async with broker.running(settings) as running:
        subscriptions = []
        for user in users:
            secret = await sessions.start(user, days=1, user_agent="t", address="t")
            actor = Actor(user_id=user.id, session_id=sessions.session_key(secret))
            viewer = await connect(actor, running, queue_size=10, on_end=lambda _: None)
            assert viewer is not None
            base = Context(actor=viewer.actor, settings=settings, throttle=throttle,
                           cost_limiter=CostLimiter("async+memory://", 100_000))  # fmt: skip
            context = LiveContext(**{f: getattr(base, f) for f in (
                "actor", "settings", "throttle", "cost_limiter")}, viewer=viewer)  # fmt: skip
            variables = {"id": global_id("Order", order.id)}
            subscriptions.append(
                await OperationScoped(schema).subscribe(document, variables, context_value=context)
            )
        waiting = [asyncio.ensure_future(s.__anext__()) for s in subscriptions]
        await asyncio.sleep(0.2)
        running.deliver(
            ChangeNews(
                aggregate_type="order",
                aggregate_id=order.id,
                sequence=7,
                event_id=1,
                kind="ORDER_ACCEPTED",
                at="2026-11-30T01:02:03+00:00",
                number=order.number,
                status="IN_PROGRESS",
                from_status="ASSIGNED",
                to_status="IN_PROGRESS",
                enterprise_id=order.enterprise_id,  # type: ignore[attr-defined]
                team_id=order.team_id,  # type: ignore[attr-defined]
                assignee_id=order.assignee_id,
                due_at=order.due_at.isoformat(),
            )
        )
        results = await asyncio.wait_for(asyncio.gather(*waiting), 5)
        for subscription in subscriptions:
            await subscription.aclose()
        return results


@pytest.mark.postgres
async def test_a_selection_of_news_is_executed_once_and_shared(settings: Settings) -> None:
    p = await park(handlers=1)
    await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    results = await _fan_out(settings, [p.applicant, p.applicant, supervisor], NEWS_ONLY)
    first = results[0]
    assert first.errors is None
    assert first.data["orderStatusChanged"]["sequence"] == 7
    assert first.data["orderStatusChanged"]["__typename"] == "OrderStatusChange"
    # One execution for all three: the very same data, whoever asked.
    assert all(r.data is first.data for r in results)


@pytest.mark.postgres
async def test_what_may_depend_on_the_viewer_is_executed_for_each(settings: Settings) -> None:
    p = await park(handlers=1)
    await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    results = await _fan_out(settings, [p.applicant, supervisor], WITH_ORDER)
    assert results[0].data is not results[1].data
    assert [r.data["orderStatusChanged"]["sequence"] for r in results] == [7, 7]
    # Another selection is another result: never shared across documents.
    other = await _fan_out(settings, [p.applicant], ALIASED)
    assert other[0].data == {"orderStatusChanged": {"n": p.orders[0].number}}
