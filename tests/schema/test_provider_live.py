"""A provider's token on the WebSocket (`orderStatusChanged` without an id): it hears the orders
forwarded to its provider, never another provider's or the park's own, and stops hearing an
order once it is handed back or re-routed away (the viewer's rule is `can_view_order`, the one
the queries use, over the order as each transaction left it)."""

from __future__ import annotations

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order
from backend.services.webhooks.deliveries import run_acknowledged
from backend.settings import Settings
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.live_helpers import GqlSocket, bearer, live_server, token_for
from tests.schema.order_helpers import open_order
from tests.schema.provider_helpers import (
    FORWARD,
    SCOPES,
    deliveries,
    provider_order,
    provider_park,
    update,
)

STATUS = """subscription { orderStatusChanged {
    orderId kind fromStatus toStatus order { id status provider { name } } } }"""


async def _heard(socket: GqlSocket) -> tuple[str, str, str]:
    change = (await socket.next())["data"]["orderStatusChanged"]
    return change["orderId"], change["kind"], change["toStatus"]


@pytest.mark.postgres
async def test_a_providers_token_hears_its_forwarded_orders_until_they_leave_it(
    settings: Settings,
) -> None:
    world = await provider_park()
    supervisor = await builders.user(Role.SUPERVISOR, "周主管")
    async with live_server(settings) as server:
        first_token = await token_for(world.staff, SCOPES)
        second_token = await token_for(world.other_staff, SCOPES)
        async with server.socket() as first, server.socket() as second:
            assert (await first.init(bearer(first_token)))["type"] == "connection_ack"
            assert (await second.init(bearer(second_token)))["type"] == "connection_ack"
            await first.subscribe(STATUS)
            await second.subscribe(STATUS)
            await first.nothing(0.2)

            # Forwarded to the first provider: it hears the order open and be acknowledged.
            order = await provider_order(world)
            oid = global_id("Order", order.id)
            assert await _heard(first) == (oid, "ORDER_OPENED", "PENDING_FORWARD")
            await run_acknowledged((await deliveries(world.first))[0])
            assert await _heard(first) == (oid, "ORDER_FORWARDED", "FORWARDED")
            # Neither the other provider nor anyone hears of the park's own orders here.
            await open_order(world.park)
            await second.nothing()
            await first.nothing()

            # Its own step through the API reaches it too.
            api = server.api()
            api.token = first_token
            accepted = await update(api, order, "ACCEPT", staffName="陈工")
            assert accepted["userErrors"] == []
            assert await _heard(first) == (oid, "ORDER_PROVIDER_ACCEPTED", "IN_PROGRESS")

            # Handed back: the park's from that commit; the provider hears no more of it.
            back = await update(api, order, "HAND_BACK", reason="超出服务范围")
            assert back["userErrors"] == []
            await first.nothing()
            stored = await Order.get(id=order.id)
            assert stored.provider_id is None
            await second.nothing()

            boss = await server.signed_in(supervisor)
            # Re-routed from the first provider to the second: the first stops hearing it,
            # the second hears it from the re-routing on.
            moved = await provider_order(world)
            mid = global_id("Order", moved.id)
            assert await _heard(first) == (mid, "ORDER_OPENED", "PENDING_FORWARD")
            await run_acknowledged((await deliveries(world.first, "order.forwarded"))[-1])
            assert await _heard(first) == (mid, "ORDER_FORWARDED", "FORWARDED")
            version = (await Order.get(id=moved.id)).version
            rerouted = await boss.gql(
                FORWARD,
                {
                    "input": {
                        "orderId": mid,
                        "reason": "一号服务商无人手",
                        "expectedVersion": version,
                    }
                },
            )
            assert rerouted["forwardOrder"]["userErrors"] == []
            change = (await second.next())["data"]["orderStatusChanged"]
            seen = (change["orderId"], change["kind"], change["fromStatus"], change["toStatus"])
            assert seen == (mid, "ORDER_REROUTED", "FORWARDED", "PENDING_FORWARD")
            assert change["order"]["provider"]["name"] == world.second.name
            await first.nothing()
            await run_acknowledged((await deliveries(world.second, "order.forwarded"))[-1])
            assert await _heard(second) == (mid, "ORDER_FORWARDED", "FORWARDED")
            await first.nothing()
            await second.nothing()


@pytest.mark.postgres
async def test_an_account_moved_to_another_provider_hears_the_new_ones_orders_only(
    settings: Settings,
) -> None:
    world = await provider_park()
    admin = await builders.user(Role.ADMIN, "管理员")
    async with live_server(settings) as server:
        token = await token_for(world.staff, SCOPES)
        async with server.socket() as socket:
            assert (await socket.init(bearer(token)))["type"] == "connection_ack"
            await socket.subscribe(STATUS)
            await socket.nothing(0.2)
            boss = await server.signed_in(admin)
            staff = world.staff
            linked = await boss.gql(
                """mutation($input: LinkUserToProviderInput!) { linkUserToProvider(input: $input)
                   { userErrors { code } } }""",
                {
                    "input": {
                        "userId": global_id("User", staff.id),
                        "providerId": global_id("Provider", world.second.id),
                        "expectedVersion": staff.version,
                    }
                },
            )
            assert linked["linkUserToProvider"]["userErrors"] == []
            # The loss counts at once: the first provider's new order is not heard...
            await provider_order(world)
            await socket.nothing()
            # ...and once the standing is read again, the second provider's is.
            theirs = await provider_order(world, chosen=world.second)
            change = (await socket.next())["data"]["orderStatusChanged"]
            assert (change["orderId"], change["kind"]) == (
                global_id("Order", theirs.id),
                "ORDER_OPENED",
            )
