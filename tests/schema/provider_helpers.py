"""A park with two providers serving one item: endpoints configured (deliveries are written,
sent only when a test runs a worker), a PROVIDER user of each, signed in, with API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.models.accounts import Role, User
from backend.models.applications import Application
from backend.models.catalog import Fulfilment, ItemVersionProvider, ServiceItem, ServiceItemVersion
from backend.models.enterprises import Provider
from backend.models.orders import Order
from backend.models.webhooks import WebhookDelivery
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from tests import builders
from tests.conftest import Api
from tests.schema.helpers import global_id, token_client
from tests.schema.order_helpers import TZ, Park, login, park
from tests.services.webhooks.helpers import provider_with_endpoint

ERRORS = "userErrors { field code message }"
SEEN = """id number status version providerStaff provider { id name } assignee { id name }
    team { id name } auditor { id name } approvedInstantly enterprise { name }
    assignmentReason { rule }
    updates(first: 20) { edges { node { kind body } } }
    timeline(first: 50) { edges { node { kind fromStatus toStatus note } } }"""
ONE = f"query($id: ID!) {{ order(id: $id) {{ {SEEN} }} }}"
PROVIDER_UPDATE = f"""mutation($input: ProviderUpdateOrderInput!) {{
    providerUpdateOrder(input: $input) {{ order {{ {SEEN} }} {ERRORS} }} }}"""
FORWARD = f"""mutation($input: ForwardOrderInput!) {{
    forwardOrder(input: $input) {{ order {{ id status version provider {{ id name }} }}
      {ERRORS} }} }}"""
SCOPES = ["orders:read", "orders:write", "providers:read", "files:read"]


@dataclass
class ProviderPark:
    park: Park
    item: ServiceItem
    version: ServiceItemVersion
    first: Provider
    second: Provider
    staff: User  # of `first`
    other_staff: User  # of `second`


async def provider_park(url: str = "http://127.0.0.1:9/hooks") -> ProviderPark:
    p = await park()
    first, _ = await provider_with_endpoint(url, name="一号服务商")
    second, _ = await provider_with_endpoint(url, name="二号服务商")
    item, version = await builders.published_item(p.team, fulfilment=Fulfilment.PROVIDER)
    version.provider_id = first.id
    await version.save()
    for position, provider in enumerate((first, second)):
        await ItemVersionProvider.create(item_version=version, provider=provider, position=position)
    staff = await builders.user(Role.PROVIDER, "一号服务商 小陈")
    other_staff = await builders.user(Role.PROVIDER, "二号服务商 小林")
    staff.provider_id = first.id
    await staff.save()
    other_staff.provider_id = second.id
    await other_staff.save()
    return ProviderPark(p, item, version, first, second, staff, other_staff)


async def provider_order(world: ProviderPark, *, chosen: Provider | None = None) -> Order:
    """An order for the provider's item, opened as an approval opens it."""
    p = world.park
    application = await builders.approved_application(
        world.item, world.version, p.enterprise, p.applicant
    )
    if chosen is not None:
        await Application.filter(id=application.id).update(provider_id=chosen.id)
        application.provider_id = chosen.id
    async with in_transaction() as conn:
        order = await orders.open_order(
            conn, Actor(user_id=p.auditor.id), application, approved_by_id=p.auditor.id,
            timezone=TZ,
        )  # fmt: skip
    return order


async def provider_token(new_api: Any, user: User, scopes: list[str] = SCOPES) -> Api:
    return await token_client(new_api, await login(new_api, user), scopes)


async def seen(client: Api, order: Order) -> dict[str, Any] | None:
    data = await client.gql(ONE, {"id": global_id("Order", order.id)})
    found: dict[str, Any] | None = data["order"]
    return found


async def update(client: Api, order: Order, step: str, **fields: Any) -> dict[str, Any]:
    """providerUpdateOrder with the stored version unless one is given (None: left out)."""
    variables: dict[str, Any] = {"orderId": global_id("Order", order.id), "step": step}
    if "expectedVersion" not in fields:
        variables["expectedVersion"] = (await Order.get(id=order.id)).version
    elif fields["expectedVersion"] is not None:
        variables["expectedVersion"] = fields["expectedVersion"]
    fields.pop("expectedVersion", None)
    variables.update(fields)
    payload: dict[str, Any] = (await client.gql(PROVIDER_UPDATE, {"input": variables}))[
        "providerUpdateOrder"
    ]
    return payload


async def deliveries(provider: Provider, event_type: str | None = None) -> list[WebhookDelivery]:
    query = WebhookDelivery.filter(provider_id=provider.id)
    if event_type is not None:
        query = query.filter(event_type=event_type)
    return list(await query.order_by("id"))
