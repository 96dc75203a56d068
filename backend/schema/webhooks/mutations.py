"""Admins configure a provider's endpoint, rotate its key, and redeliver a delivery."""

from __future__ import annotations

import strawberry

from backend.models.webhooks import SigningScheme
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.relay import decode_id_of
from backend.schema.webhooks.errors import WebhookError
from backend.schema.webhooks.types import WebhookDelivery, WebhookEndpoint, deliveries_of
from backend.services.core.errors import Invalid
from backend.services.webhooks import endpoints, redelivery
from backend.services.webhooks.endpoints import Configured, EndpointFields


@strawberry.input
class ConfigureWebhookEndpointInput:
    provider_id: strawberry.ID
    url: str
    event_types: list[str]
    signing_scheme: SigningScheme = SigningScheme.V1
    enabled: bool = True
    expected_version: int | None = strawberry.field(
        default=None, description="The endpoint's version when changing one (none to create)."
    )


@strawberry.input
class RotateWebhookSecretInput:
    provider_id: strawberry.ID


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="A new v1 signing secret (`whsec_…`): shown this once, never again."
    )
    user_errors: list[WebhookError]


@strawberry.type
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None
    user_errors: list[WebhookError]


def _provider(value: strawberry.ID) -> int:
    pk = decode_id_of(value, "Provider")
    if pk is None:
        raise Invalid.at("providerId", "NOT_FOUND")
    return pk


async def _answer(configured: Configured) -> WebhookEndpointPayload:
    keys = await endpoints.live_keys(configured.endpoint.id)
    return WebhookEndpointPayload(
        endpoint=WebhookEndpoint.of(configured.endpoint, keys),
        secret=configured.secret,
        user_errors=[],
    )


def _endpoint_failed(errors: list[WebhookError]) -> WebhookEndpointPayload:
    return WebhookEndpointPayload(endpoint=None, secret=None, user_errors=errors)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Creates or changes a provider's webhook endpoint; admins only. A new "
        "endpoint, or a new signing scheme, makes a key (a v1 secret is in the answer, once)."
    )
    async def configure_webhook_endpoint(
        self, info: strawberry.Info, input: ConfigureWebhookEndpointInput
    ) -> WebhookEndpointPayload:
        context = context_of(info)

        async def change() -> WebhookEndpointPayload:
            fields = EndpointFields(
                url=input.url,
                event_types=list(input.event_types),
                scheme=input.signing_scheme,
                enabled=input.enabled,
            )
            configured = await endpoints.configure(
                context.actor,
                context.settings,
                _provider(input.provider_id),
                fields,
                input.expected_version,
            )
            return await _answer(configured)

        return await run_mutation(info, WebhookError, change, _endpoint_failed)

    @strawberry.mutation(
        description="A new signing key for a provider's endpoint; the old one keeps signing "
        "alongside through the rotation window. Admins only."
    )
    async def rotate_webhook_secret(
        self, info: strawberry.Info, input: RotateWebhookSecretInput
    ) -> WebhookEndpointPayload:
        context = context_of(info)

        async def change() -> WebhookEndpointPayload:
            configured = await endpoints.rotate_secret(
                context.actor, context.settings, _provider(input.provider_id)
            )
            return await _answer(configured)

        return await run_mutation(info, WebhookError, change, _endpoint_failed)

    @strawberry.mutation(
        description="Sends a finished delivery again, same webhook-id, a fresh schedule; admins."
    )
    async def redeliver_webhook(
        self, info: strawberry.Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookPayload:
        context = context_of(info)

        async def change() -> RedeliverWebhookPayload:
            pk = decode_id_of(input.delivery_id, "WebhookDelivery")
            if pk is None:
                raise Invalid.at("deliveryId", "NOT_FOUND")
            delivery = await redelivery.redeliver(context.actor, pk)
            [node] = await deliveries_of([delivery])
            return RedeliverWebhookPayload(delivery=node, user_errors=[])

        return await run_mutation(
            info,
            WebhookError,
            change,
            lambda errors: RedeliverWebhookPayload(delivery=None, user_errors=errors),
        )
