"""The provider's side of an order: `providerUpdateOrder` (the provider's steps) and
`forwardOrder` (a supervisor re-routes a forwarded order to another provider)."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend.models.orders import Order as OrderModel
from backend.schema.context import context_of
from backend.schema.orders.errors import OrderError
from backend.schema.orders.steps import _run
from backend.schema.orders.types import OrderType
from backend.schema.relay import input_pk, optional_input_pk
from backend.services.orders import forwarding, provider_steps


@strawberry.enum(name="ProviderOrderStep", description="What a provider does with an order.")
class ProviderOrderStep(Enum):
    ACCEPT = "ACCEPT"
    PROGRESS = "PROGRESS"
    REQUEST_INFORMATION = "REQUEST_INFORMATION"
    COMPLETE = "COMPLETE"
    HAND_BACK = "HAND_BACK"


@strawberry.input(
    description="One step; give only the text field of that step (the others are refused)."
)
class ProviderUpdateOrderInput:
    order_id: strawberry.ID
    step: ProviderOrderStep
    expected_version: int | None = strawberry.field(
        default=None, description="The order's version you saw; every step but PROGRESS."
    )
    staff_name: str = strawberry.field(
        default="", description="ACCEPT: who of your staff handles it (the applicant reads it)."
    )
    note: str = strawberry.field(default="", description="PROGRESS: what was done or is next.")
    question: str = strawberry.field(
        default="", description="REQUEST_INFORMATION: what the applicant should tell or send."
    )
    result: str = strawberry.field(default="", description="COMPLETE: the result in words.")
    reason: str = strawberry.field(
        default="", description="HAND_BACK: why the park should handle it instead."
    )


@strawberry.type
class ProviderUpdateOrderPayload:
    order: OrderType | None = strawberry.field(
        description="Null once the order is no longer yours (handed back)."
    )
    user_errors: list[OrderError]


@strawberry.input
class ForwardOrderInput:
    order_id: strawberry.ID
    provider_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Another of the item's providers; omit for the next one in the item's list.",
    )
    reason: str = strawberry.field(description="Why; required. Park staff read it.")
    expected_version: int


@strawberry.type
class ForwardOrderPayload:
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.type
class OrderProviderMutations:
    @strawberry.mutation(
        description="Providers: accept an order forwarded to you (naming your staff member), "
        "post progress, ask the applicant, complete it, or hand it back to the park."
    )
    async def provider_update_order(
        self, info: strawberry.Info, input: ProviderUpdateOrderInput
    ) -> ProviderUpdateOrderPayload:
        context = context_of(info)

        async def change() -> OrderModel:
            update = provider_steps.ProviderUpdate(
                order_id=input_pk(input.order_id, "Order", "orderId"),
                step=provider_steps.ProviderStep(input.step.value),
                expected_version=input.expected_version,
                staff_name=input.staff_name,
                note=input.note,
                question=input.question,
                result=input.result,
                reason=input.reason,
            )
            return await provider_steps.provider_update(
                context.actor, update, timezone=context.settings.timezone
            )

        return await _run(info, ProviderUpdateOrderPayload, change)

    @strawberry.mutation(
        description="Supervisors: send a forwarded order to another of its item's providers, "
        "who is announced it (FORWARDED -> PENDING_FORWARD until its endpoint acknowledges; "
        "FORWARDED at once for a provider without one)."
    )
    async def forward_order(
        self, info: strawberry.Info, input: ForwardOrderInput
    ) -> ForwardOrderPayload:
        actor = context_of(info).actor

        async def change() -> OrderModel:
            return await forwarding.reroute(
                actor,
                input_pk(input.order_id, "Order", "orderId"),
                optional_input_pk(input.provider_id, "Provider", "providerId"),
                input.reason,
                input.expected_version,
            )

        return await _run(info, ForwardOrderPayload, change)
