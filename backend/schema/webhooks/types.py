"""A provider's endpoint, its keys and its deliveries as admins see them.

No type here carries a private key or a symmetric secret: a `v1` secret is in the answer of the
mutation that made it (`WebhookEndpointPayload.secret`), once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from backend.models.webhooks import DeliveryStatus, EndpointState, SigningScheme
from backend.models.webhooks import WebhookAttempt as AttemptModel
from backend.models.webhooks import WebhookDelivery as DeliveryModel
from backend.models.webhooks import WebhookEndpoint as EndpointModel
from backend.models.webhooks import WebhookSecret as SecretModel
from backend.schema.nodes import Node, global_id, register
from backend.services.core.actors import Actor
from backend.services.webhooks import redelivery
from backend.services.webhooks.policies import can_see_deliveries

strawberry.enum(
    SigningScheme,
    name="WebhookSigningScheme",
    description="v1: HMAC-SHA256 with a shared whsec_ secret; v1a: ed25519, the public key "
    "published with the provider.",
)
strawberry.enum(EndpointState, name="WebhookEndpointState", description="Whether deliveries go.")
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus", description="Where a delivery is.")


@strawberry.type(description="A key that signs the endpoint's deliveries (never the key itself).")
class WebhookKey:
    scheme: SigningScheme
    fingerprint: str = strawberry.field(description="Tells keys apart; not the key.")
    public_key: str | None = strawberry.field(description="`whpk_…` for v1a; null for v1.")
    created_at: datetime
    expires_at: datetime | None = strawberry.field(
        description="Set while it rotates out: it stops signing then."
    )

    @classmethod
    def of(cls, row: SecretModel) -> WebhookKey:
        return cls(
            scheme=row.scheme,
            fingerprint=row.fingerprint,
            public_key=row.public_key or None,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )


@strawberry.type(description="Where a provider hears of its orders; admins only.")
class WebhookEndpoint:
    url: str
    event_types: list[str]
    scheme: SigningScheme
    state: EndpointState
    enabled: bool = strawberry.field(description="Deliveries go (the state is ENABLED).")
    state_changed_at: datetime | None
    paused_until: datetime | None = strawberry.field(
        description="The endpoint asked to slow down: nothing goes out before this."
    )
    keys: list[WebhookKey] = strawberry.field(description="The keys that sign now, newest first.")
    version: int

    @classmethod
    def of(cls, row: EndpointModel, keys: list[SecretModel]) -> WebhookEndpoint:
        return cls(
            url=row.url,
            event_types=list(row.event_types),
            scheme=row.scheme,
            state=row.state,
            enabled=row.state is EndpointState.ENABLED,
            state_changed_at=row.state_changed_at,
            paused_until=row.paused_until,
            keys=[WebhookKey.of(key) for key in keys],
            version=row.version,
        )


@strawberry.type(description="One HTTP request of a delivery.")
class WebhookAttempt:
    number: int
    url: str
    started_at: datetime
    finished_at: datetime | None = strawberry.field(description="Null while it is under way.")
    duration_ms: int | None
    succeeded: bool
    response_code: int | None
    response_excerpt: str = strawberry.field(description="The answer's first 1,000 characters.")
    error: str

    @classmethod
    def of(cls, row: AttemptModel) -> WebhookAttempt:
        return cls(
            number=row.number,
            url=row.url,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_ms=row.duration_ms,
            succeeded=row.succeeded,
            response_code=row.response_code,
            response_excerpt=row.response_excerpt,
            error=row.error,
        )


@strawberry.type(description="A message to a provider's endpoint and its attempts; admins only.")
class WebhookDelivery(Node):
    provider_id: strawberry.ID
    message_id: str = strawberry.field(description="The webhook-id header, the same every time.")
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_response_code: int | None
    last_error: str
    payload: str | None = strawberry.field(description="The body sent; null once pruned.")
    created_at: datetime
    delivered_at: datetime | None
    pruned_at: datetime | None
    attempts: list[WebhookAttempt] = strawberry.field(description="Oldest first.")
    can_redeliver: bool = strawberry.field(
        description="It has finished and its payload is kept: redeliverWebhook may send it."
    )

    @classmethod
    def of(cls, row: DeliveryModel, attempts: list[AttemptModel]) -> WebhookDelivery:
        return cls(
            id=global_id("WebhookDelivery", row.id),
            provider_id=strawberry.ID(global_id("Provider", row.provider_id)),
            message_id=row.message_id,
            event_type=row.event_type,
            status=row.status,
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_response_code=row.last_response_code,
            last_error=row.last_error,
            payload=row.body,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            pruned_at=row.pruned_at,
            attempts=[WebhookAttempt.of(a) for a in attempts],
            can_redeliver=redelivery.may_redeliver(row),
        )


async def deliveries_of(rows: Sequence[DeliveryModel]) -> list[WebhookDelivery]:
    """The page's deliveries with their attempts: one statement for all of them."""
    attempts: dict[int, list[AttemptModel]] = {row.id: [] for row in rows}
    if rows:
        for attempt in await AttemptModel.filter(delivery_id__in=list(attempts)).order_by(
            "delivery_id", "number"
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [WebhookDelivery.of(row, attempts[row.id]) for row in rows]


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    if not can_see_deliveries(actor):
        return {}
    rows = await DeliveryModel.filter(id__in=list(pks))
    return {row.id: node for row, node in zip(rows, await deliveries_of(rows), strict=True)}


register("WebhookDelivery", _load, "webhooks:read")
