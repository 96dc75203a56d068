"""`webhookDeliveries` for admins, and what a provider's record says of its endpoint."""

from __future__ import annotations

import strawberry

from backend.models.webhooks import DeliveryStatus, WebhookEndpoint
from backend.schema.context import Context, context_of
from backend.schema.relay import Connection, connection, decode_id_of, fetch_page
from backend.schema.webhooks.types import WebhookDelivery, deliveries_of
from backend.schema.webhooks.types import WebhookEndpoint as EndpointType
from backend.services.webhooks import endpoints
from backend.services.webhooks.events import EVENT_TYPES
from backend.services.webhooks.policies import can_manage_webhooks
from backend.services.webhooks.redelivery import deliveries_visible_to

PUBLIC_KEYS = "webhook_public_keys"


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Deliveries to providers' endpoints, newest first, with their attempts; "
        "admins only (empty for anyone else)."
    )
    async def webhook_deliveries(
        self,
        info: strawberry.Info,
        provider_id: strawberry.ID | None = None,
        status: DeliveryStatus | None = None,
        event_type: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        actor = context_of(info).actor
        provider_pk = None
        if provider_id is not None:
            provider_pk = decode_id_of(provider_id, "Provider") or -1
        query = deliveries_visible_to(
            actor, provider_id=provider_pk, status=status, event_type=event_type
        )
        page = await fetch_page(query, first=first, after=after)
        nodes = dict(
            zip((row.id for row in page.rows), await deliveries_of(page.rows), strict=True)
        )
        return connection(page, lambda row: nodes[row.id], query)

    @strawberry.field(description="The event types a provider's endpoint can subscribe to.")
    def webhook_event_types(self) -> list[str]:
        return list(EVENT_TYPES)


async def endpoint_of(context: Context, provider_id: int) -> EndpointType | None:
    """The provider's endpoint for admins; null for anyone else or without one."""
    if not can_manage_webhooks(context.actor):
        return None
    row = await WebhookEndpoint.filter(provider_id=provider_id).first()
    if row is None:
        return None
    return EndpointType.of(row, await endpoints.live_keys(row.id))


async def public_keys_of(context: Context, provider_id: int) -> list[str]:
    """The `whpk_` keys that verify the provider's deliveries now, newest first. Read once per
    request for every provider (one statement), so a list of providers costs no more."""
    keys: dict[int, list[str]] | None = context.loaders.get(PUBLIC_KEYS)
    if keys is None:
        keys = context.loaders[PUBLIC_KEYS] = await endpoints.live_public_keys()
    return keys.get(provider_id, [])
