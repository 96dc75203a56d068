"""`postOrderUpdate`, `sendOrderMessage`, `markOrderMessagesRead`: processing information and
the conversation on an order. None takes `expectedVersion`: they change no state and never make
the order stale."""

from __future__ import annotations

import strawberry

from backend.models.orders import ConversationSide, OrderUpdateKind
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.orders.conversation_loading import message_by_id, read_mark_of, update_by_id
from backend.schema.orders.conversation_types import (
    OrderMessageType,
    OrderReadMarkType,
    OrderUpdateType,
)
from backend.schema.orders.errors import OrderError
from backend.schema.orders.loading import payload_order
from backend.schema.orders.types import OrderType
from backend.schema.relay import decode_id_of, input_pk
from backend.services.orders import conversation, updates


def file_ids(ids: list[strawberry.ID]) -> list[int | None]:
    """File ids as keys; an id of another type names no file (refused as not one's own)."""
    return [decode_id_of(i, "File") for i in ids]


@strawberry.input
class PostOrderUpdateInput:
    order_id: strawberry.ID
    kind: OrderUpdateKind = OrderUpdateKind.PROGRESS
    body: str
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Files uploaded with purpose ORDER_ATTACHMENT (≤ 10)."
    )
    idempotency_key: str | None = None


@strawberry.type
class PostOrderUpdatePayload:
    update: OrderUpdateType | None
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.input
class SendOrderMessageInput:
    order_id: strawberry.ID
    body: str = strawberry.field(default="", description="May be empty when files are attached.")
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Files uploaded with purpose ORDER_ATTACHMENT (≤ 10)."
    )
    idempotency_key: str | None = None


@strawberry.type
class SendOrderMessagePayload:
    message: OrderMessageType | None
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.input
class MarkOrderMessagesReadInput:
    order_id: strawberry.ID
    up_to_sequence: int | None = strawberry.field(
        default=None, description="The last message read; omit for the latest."
    )


@strawberry.type
class MarkOrderMessagesReadPayload:
    read_mark: OrderReadMarkType | None = strawberry.field(
        description="The viewer's side's mark, as it now stands."
    )
    order: OrderType | None
    user_errors: list[OrderError]


@strawberry.type
class ConversationMutations:
    @strawberry.mutation(
        description="The assignee (or a supervisor) reports on an order: a progress note the "
        "applicant reads, or an internal note for park staff; optionally with files."
    )
    async def post_order_update(
        self, info: strawberry.Info, input: PostOrderUpdateInput
    ) -> PostOrderUpdatePayload:
        context = context_of(info)

        async def change() -> PostOrderUpdatePayload:
            request = updates.UpdateInput(
                order_id=input_pk(input.order_id, "Order", "orderId"),
                kind=input.kind,
                body=input.body,
                file_ids=file_ids(input.attachment_ids),
                idempotency_key=input.idempotency_key,
            )
            posted = await updates.post_update(context.actor, request)
            return PostOrderUpdatePayload(
                update=await update_by_id(posted.id),
                order=await payload_order(info, posted.order_id),
                user_errors=[],
            )

        return await run_mutation(
            info,
            OrderError,
            change,
            lambda errors: PostOrderUpdatePayload(update=None, order=None, user_errors=errors),
        )

    @strawberry.mutation(
        description="A member of the applicant's enterprise, or the order's handler, writes in "
        "the order's conversation (supervisors read it and do not write)."
    )
    async def send_order_message(
        self, info: strawberry.Info, input: SendOrderMessageInput
    ) -> SendOrderMessagePayload:
        context = context_of(info)

        async def change() -> SendOrderMessagePayload:
            request = conversation.MessageInput(
                order_id=input_pk(input.order_id, "Order", "orderId"),
                body=input.body,
                file_ids=file_ids(input.attachment_ids),
                idempotency_key=input.idempotency_key,
            )
            sent = await conversation.send_message(context.actor, request)
            return SendOrderMessagePayload(
                message=await message_by_id(sent.id),
                order=await payload_order(info, sent.order_id),
                user_errors=[],
            )

        return await run_mutation(
            info,
            OrderError,
            change,
            lambda errors: SendOrderMessagePayload(message=None, order=None, user_errors=errors),
        )

    @strawberry.mutation(
        description="The viewer's side has read the conversation up to a message; the other "
        "side sees it (`readByOtherSide`). A mark never moves back."
    )
    async def mark_order_messages_read(
        self, info: strawberry.Info, input: MarkOrderMessagesReadInput
    ) -> MarkOrderMessagesReadPayload:
        context = context_of(info)

        async def change() -> MarkOrderMessagesReadPayload:
            order_id = input_pk(input.order_id, "Order", "orderId")
            result = await conversation.mark_read(context.actor, order_id, input.up_to_sequence)
            return MarkOrderMessagesReadPayload(
                read_mark=await read_mark_of(order_id, ConversationSide(result.side)),
                order=await payload_order(info, order_id),
                user_errors=[],
            )

        return await run_mutation(
            info,
            OrderError,
            change,
            lambda errors: MarkOrderMessagesReadPayload(
                read_mark=None, order=None, user_errors=errors
            ),
        )
