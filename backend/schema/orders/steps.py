"""The order's processing mutations: accept, decline, ask the applicant, answer, complete,
cancel. Each validates its ids, calls `services/orders/steps.py` and returns the order as
the viewer now sees it (null when they no longer may, such as a handler who declined it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import strawberry

from backend.models.orders import Order as OrderModel
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.orders.conversation import file_ids
from backend.schema.orders.errors import OrderError
from backend.schema.orders.loading import payload_order
from backend.schema.orders.types import OrderType
from backend.schema.relay import input_pk
from backend.services.orders import steps


class _Payload(Protocol):
    def __init__(self, *, order: OrderType | None, user_errors: list[OrderError]) -> None: ...


P = TypeVar("P", bound=_Payload)


@strawberry.input
class AcceptOrderInput:
    order_id: strawberry.ID
    expected_version: int


@strawberry.type
class AcceptOrderPayload:
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.input
class DeclineOrderInput:
    order_id: strawberry.ID
    reason: str = strawberry.field(
        description="Why; required. Park staff read it, not the applicant."
    )
    expected_version: int


@strawberry.type
class DeclineOrderPayload:
    order: OrderType | None = strawberry.field(
        description="Null once the order is no longer the viewer's to see."
    )
    user_errors: list[OrderError]


@strawberry.input
class RequestOrderInformationInput:
    order_id: strawberry.ID
    question: str = strawberry.field(description="What the applicant should tell or send.")
    file_types: list[str] = strawberry.field(
        default_factory=list,
        description="MIME types of the files wanted (application/pdf, image/jpeg, image/png, "
        "application/zip); empty when words are enough.",
    )
    expected_version: int


@strawberry.type
class RequestOrderInformationPayload:
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.input
class AnswerOrderInformationInput:
    order_id: strawberry.ID
    answer: str = strawberry.field(default="", description="Words; may be empty when files say it.")
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Files the viewer uploaded with purpose ORDER_ATTACHMENT (≤ 10), of the "
        "types the handler asked for.",
    )
    expected_version: int


@strawberry.type
class AnswerOrderInformationPayload:
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.input
class CompleteOrderInput:
    order_id: strawberry.ID
    result: str = strawberry.field(description="The result in words; required.")
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Result documents the viewer uploaded with purpose ORDER_ATTACHMENT (≤ 10).",
    )
    expected_version: int


@strawberry.type
class CompleteOrderPayload:
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str = strawberry.field(description="Why; required.")
    expected_version: int


@strawberry.type
class CancelOrderPayload:
    order: OrderType | None
    user_errors: list[OrderError]


async def _run(
    info: strawberry.Info,
    payload: type[P],
    change: Callable[[], Awaitable[OrderModel]],
) -> P:
    async def done() -> P:
        order = await change()
        return payload(order=await payload_order(info, order.id), user_errors=[])

    return await run_mutation(
        info, OrderError, done, lambda errors: payload(order=None, user_errors=errors)
    )


@strawberry.type
class OrderStepMutations:
    @strawberry.mutation(description="The assignee starts work on an assigned order.")
    async def accept_order(
        self, info: strawberry.Info, input: AcceptOrderInput
    ) -> AcceptOrderPayload:
        actor = context_of(info).actor

        async def change() -> OrderModel:
            order_id = input_pk(input.order_id, "Order", "orderId")
            return await steps.accept(actor, order_id, input.expected_version)

        return await _run(info, AcceptOrderPayload, change)

    @strawberry.mutation(
        description="The assignee hands an assigned order back with a reason; the automatic "
        "choice gives it to another handler (never one who declined it), or it waits."
    )
    async def decline_order(
        self, info: strawberry.Info, input: DeclineOrderInput
    ) -> DeclineOrderPayload:
        actor = context_of(info).actor

        async def change() -> OrderModel:
            order_id = input_pk(input.order_id, "Order", "orderId")
            declined = await steps.decline(actor, order_id, input.reason, input.expected_version)
            return declined.order

        return await _run(info, DeclineOrderPayload, change)

    @strawberry.mutation(
        description="The assignee asks the applicant for information; the time limit's clock "
        "stops until the answer."
    )
    async def request_order_information(
        self, info: strawberry.Info, input: RequestOrderInformationInput
    ) -> RequestOrderInformationPayload:
        actor = context_of(info).actor

        async def change() -> OrderModel:
            order_id = input_pk(input.order_id, "Order", "orderId")
            return await steps.request_information(
                actor, order_id, input.question, input.file_types, input.expected_version
            )

        return await _run(info, RequestOrderInformationPayload, change)

    @strawberry.mutation(
        description="The applicant's enterprise answers the handler's question with words and "
        "files; the clock runs again, the due date moved by the pause."
    )
    async def answer_order_information(
        self, info: strawberry.Info, input: AnswerOrderInformationInput
    ) -> AnswerOrderInformationPayload:
        context = context_of(info)

        async def change() -> OrderModel:
            order_id = input_pk(input.order_id, "Order", "orderId")
            return await steps.answer_information(
                context.actor,
                order_id,
                input.answer,
                file_ids(input.attachment_ids),
                input.expected_version,
                timezone=context.settings.timezone,
            )

        return await _run(info, AnswerOrderInformationPayload, change)

    @strawberry.mutation(
        description="The assignee completes the order with the result and its documents; "
        "refused while the enterprise still owes a material."
    )
    async def complete_order(
        self, info: strawberry.Info, input: CompleteOrderInput
    ) -> CompleteOrderPayload:
        actor = context_of(info).actor

        async def change() -> OrderModel:
            order_id = input_pk(input.order_id, "Order", "orderId")
            return await steps.complete(
                actor,
                order_id,
                input.result,
                file_ids(input.attachment_ids),
                input.expected_version,
                timezone=context_of(info).settings.timezone,
            )

        return await _run(info, CompleteOrderPayload, change)

    @strawberry.mutation(
        description="Cancels an order with a reason: the applicant's enterprise before work "
        "starts, a supervisor or an admin until it is completed."
    )
    async def cancel_order(
        self, info: strawberry.Info, input: CancelOrderInput
    ) -> CancelOrderPayload:
        context = context_of(info)

        async def change() -> OrderModel:
            order_id = input_pk(input.order_id, "Order", "orderId")
            return await steps.cancel(
                context.actor,
                order_id,
                input.reason,
                input.expected_version,
                timezone=context.settings.timezone,
            )

        return await _run(info, CancelOrderPayload, change)
