"""`assignOrder`: a supervisor gives an order to a handler, or lets the automatic choice rerun."""

from __future__ import annotations

import strawberry

from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.orders.errors import OrderError
from backend.schema.orders.loading import payload_order
from backend.schema.orders.types import OrderType
from backend.schema.relay import decode_id_of
from backend.services.core.errors import Invalid
from backend.services.orders import assignment


@strawberry.input
class AssignOrderInput:
    order_id: strawberry.ID
    handler_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to let the automatic choice run again."
    )
    reason: str = strawberry.field(default="", description="Why; required when a handler is named.")
    expected_version: int


@strawberry.type
class AssignOrderPayload:
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.type
class OrderMutations:
    @strawberry.mutation(
        description="Supervisors: give an order to a handler of its team, or (no handler) "
        "choose again automatically."
    )
    async def assign_order(
        self, info: strawberry.Info, input: AssignOrderInput
    ) -> AssignOrderPayload:
        context = context_of(info)

        async def change() -> AssignOrderPayload:
            order_id = decode_id_of(input.order_id, "Order")
            if order_id is None:
                raise Invalid.at("orderId", "NOT_FOUND")
            handler_id = None
            if input.handler_id is not None:
                handler_id = decode_id_of(input.handler_id, "User")
                if handler_id is None:
                    raise Invalid.at("handlerId", "NOT_A_HANDLER")
            order = await assignment.assign_order(
                context.actor, order_id, handler_id, input.reason, input.expected_version
            )
            return AssignOrderPayload(order=await payload_order(info, order.id), user_errors=[])

        return await run_mutation(
            info,
            OrderError,
            change,
            lambda errors: AssignOrderPayload(order=None, user_errors=errors),
        )
