"""What admins do with deliveries: list them, and send one again."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from backend.i18n import N_
from backend.models.webhooks import (
    DeliveryStatus,
    EndpointState,
    WebhookDelivery,
    WebhookEndpoint,
)
from backend.services.core import clock
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, PermissionDenied, register_messages
from backend.services.core.transactions import in_transaction
from backend.services.webhooks.deliveries import enqueue_attempt
from backend.services.webhooks.policies import can_see_deliveries

register_messages(
    {
        "DELIVERY_PENDING": N_("This delivery is still being attempted."),
        "ENDPOINT_DISABLED": N_("The provider's endpoint is disabled: enable it first."),
        "PAYLOAD_PRUNED": N_("This delivery's payload was removed after the retention period."),
    }
)


def deliveries_visible_to(
    actor: Actor,
    *,
    provider_id: int | None = None,
    status: DeliveryStatus | None = None,
    event_type: str | None = None,
) -> QuerySet[WebhookDelivery]:
    if not can_see_deliveries(actor):
        return WebhookDelivery.filter(id=-1)
    query = WebhookDelivery.all()
    if provider_id is not None:
        query = query.filter(provider_id=provider_id)
    if status is not None:
        query = query.filter(status=status)
    if event_type:
        query = query.filter(event_type=event_type)
    return query


def may_redeliver(delivery: WebhookDelivery) -> bool:
    """Finished, and its payload still kept (the endpoint's state is checked when asked)."""
    return delivery.status is not DeliveryStatus.PENDING and delivery.body is not None


async def redeliver(actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Starts the delivery's attempts again, on a fresh schedule and with the same
    `webhook-id` (a provider that had it already ignores the repeat)."""
    require_user(actor)
    if not can_see_deliveries(actor):
        raise PermissionDenied()
    async with in_transaction() as conn:
        delivery = (
            await WebhookDelivery.filter(id=delivery_id).using_db(conn).select_for_update().first()
        )
        if delivery is None:
            raise Invalid.at("deliveryId", "NOT_FOUND")
        if delivery.status is DeliveryStatus.PENDING:
            raise Invalid.at("deliveryId", "DELIVERY_PENDING")
        if delivery.body is None:
            raise Invalid.at("deliveryId", "PAYLOAD_PRUNED")
        endpoint = (
            await WebhookEndpoint.filter(provider_id=delivery.provider_id).using_db(conn).first()
        )
        if endpoint is None or endpoint.state is not EndpointState.ENABLED:
            raise Invalid.at("deliveryId", "ENDPOINT_DISABLED")
        now = clock.now()
        delivery.status = DeliveryStatus.PENDING
        delivery.round_attempts = 0
        delivery.job_seq += 1
        delivery.next_attempt_at = now
        delivery.delivered_at = None
        await delivery.save(using_db=conn)
        await enqueue_attempt(conn, delivery.id, delivery.job_seq, now)
    return delivery
