"""A provider without a webhook endpoint: nothing will acknowledge its orders, so the
transaction that forwards one makes it FORWARDED at once (`FORWARD_TO_API` in the action table),
and the provider works it through the API with its token. A provider with an endpoint still
waits for the acknowledgement."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.enterprises import Provider
from backend.models.orders import Order, OrderStatus
from backend.models.webhooks import WebhookDelivery
from backend.services.webhooks.events import ORDER_CANCELLED, ORDER_FORWARDED
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login
from tests.schema.provider_helpers import (
    FORWARD,
    ProviderPark,
    deliveries,
    provider_order,
    provider_park,
    provider_token,
    seen,
    update,
)
from tests.services.webhooks.helpers import provider_with_endpoint


async def _without_endpoint(world: ProviderPark) -> None:
    """The second provider loses its endpoint: it works through the API only."""
    from backend.models.webhooks import WebhookEndpoint

    await WebhookEndpoint.filter(provider_id=world.second.id).delete()


def _kinds(order: dict[str, Any]) -> list[str]:
    return [e["node"]["kind"] for e in order["timeline"]["edges"]]


@pytest.mark.postgres
async def test_an_order_for_a_provider_without_endpoint_is_forwarded_at_once(
    new_api: Any,
) -> None:
    world = await provider_park()
    await _without_endpoint(world)
    order = await provider_order(world, chosen=world.second)

    assert order.status is OrderStatus.FORWARDED
    stored = await Order.get(id=order.id)
    assert (stored.status, stored.provider_id) == (OrderStatus.FORWARDED, world.second.id)
    assert await WebhookDelivery.filter(provider_id=world.second.id).count() == 0

    # Its staff find it through the API and work it from there.
    provider = await provider_token(new_api, world.other_staff)
    listed = await provider.gql("{ orders(first: 10) { edges { node { number status } } } }")
    assert [e["node"] for e in listed["orders"]["edges"]] == [
        {"number": order.number, "status": "FORWARDED"}
    ]
    accepted = await update(provider, order, "ACCEPT", staffName="林师傅")
    assert accepted["userErrors"] == []
    assert accepted["order"]["status"] == "IN_PROGRESS"
    done = await update(provider, order, "COMPLETE", result="已办结")
    assert done["userErrors"] == []
    assert done["order"]["status"] == "COMPLETED"

    applicant = await login(new_api, world.park.applicant)
    mine = await seen(applicant, order)
    assert mine is not None
    assert _kinds(mine)[:4] == [
        "ORDER_OPENED", "ORDER_FORWARDED", "ORDER_PROVIDER_ACCEPTED", "ORDER_COMPLETED",
    ]  # fmt: skip


@pytest.mark.postgres
async def test_a_provider_with_endpoint_still_waits_for_the_acknowledgement(db: str) -> None:
    world = await provider_park()
    await _without_endpoint(world)
    order = await provider_order(world)  # the first provider, which has an endpoint
    assert order.status is OrderStatus.PENDING_FORWARD
    assert len(await deliveries(world.first, ORDER_FORWARDED)) == 1

    # An endpoint that does not take order.forwarded acknowledges nothing either.
    picky, _ = await provider_with_endpoint(
        "http://127.0.0.1:9/hooks", event_types=(ORDER_CANCELLED,), name="只收取消"
    )
    item, version = await builders.published_item(
        world.park.team, fulfilment=world.version.fulfilment
    )
    version.provider_id = picky.id
    await version.save()
    application = await builders.approved_application(
        item, version, world.park.enterprise, world.park.applicant
    )
    from backend.services.core.actors import Actor
    from backend.services.core.transactions import in_transaction
    from backend.services.orders import orders
    from tests.schema.order_helpers import TZ

    async with in_transaction() as conn:
        other = await orders.open_order(
            conn, Actor(user_id=world.park.auditor.id), application,
            approved_by_id=world.park.auditor.id, timezone=TZ,
        )  # fmt: skip
    assert other.status is OrderStatus.FORWARDED
    assert await Provider.filter(id=picky.id).exists()


@pytest.mark.postgres
async def test_rerouting_to_a_provider_without_endpoint_forwards_at_once(new_api: Any) -> None:
    world = await provider_park()
    await _without_endpoint(world)
    order = await provider_order(world)
    from backend.services.webhooks.deliveries import run_acknowledged

    await run_acknowledged((await deliveries(world.first))[0])
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "周主管"))
    version = (await Order.get(id=order.id)).version
    moved = await supervisor.gql(
        FORWARD,
        {
            "input": {
                "orderId": global_id("Order", order.id),
                "reason": "一号服务商无人手",
                "expectedVersion": version,
            }
        },
    )
    assert moved["forwardOrder"]["userErrors"] == []
    assert moved["forwardOrder"]["order"]["status"] == "FORWARDED"
    assert moved["forwardOrder"]["order"]["provider"]["name"] == world.second.name
    # The first provider is told it lost it; the second has nothing to be told by webhook.
    assert len(await deliveries(world.first, ORDER_CANCELLED)) == 1
    assert await deliveries(world.second) == []
    provider = await provider_token(new_api, world.other_staff)
    accepted = await update(provider, order, "ACCEPT", staffName="林师傅")
    assert accepted["userErrors"] == []
