"""The subscriptions: check the arguments and the viewer, open a stream, map what it yields.

Each resolver returns its stream only after its checks, so a malformed id, an order the viewer
may not see or a refused scope is answered with an `error` message, not a silent stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

import strawberry

from backend.schema.live.context import viewer_of
from backend.schema.live.errors import opened, refusal
from backend.schema.live.fanout import offer_lane
from backend.schema.live.types import (
    ApplicationStatusChange,
    InboxChange,
    OrderAssignmentChange,
    OrderConversationChange,
    OrderStatusChange,
    SupervisionChange,
    event_shown,
)
from backend.schema.orders.types import OrderEvent
from backend.schema.relay import decode_id_of
from backend.services.core.errors import Problem
from backend.services.live import streams

S = TypeVar("S")
T = TypeVar("T")


def _pk(info: strawberry.Info, value: strawberry.ID, type_name: str, field: str) -> int:
    """The key behind an id of `type_name`; a malformed id is BAD_ID, another type's NOT_FOUND."""
    pk = decode_id_of(value, type_name)
    if pk is None:
        raise refusal(info, Problem("NOT_FOUND", (field,)))
    return pk


async def _mapped(source: AsyncIterator[S], shown: Callable[[S], T]) -> AsyncGenerator[T, None]:
    try:
        async for item in source:
            yield shown(item)
    finally:
        closing = getattr(source, "aclose", None)
        if closing is not None:
            await closing()


@strawberry.type(name="Subscription")
class LiveSubscriptions:
    @strawberry.subscription(
        description="Every change of status of the orders the viewer may see (of one order, "
        "given `orderId`), decided on each order as the change left it: a handler who loses "
        "an order stops hearing of it."
    )
    async def order_status_changed(
        self, info: strawberry.Info, order_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderStatusChange, None]:
        viewer = viewer_of(info)
        pk = None if order_id is None else _pk(info, order_id, "Order", "orderId")
        source = await opened(info, streams.order_status_changes(viewer, pk))
        offer_lane(info, source, OrderStatusChange.of)
        return _mapped(source, OrderStatusChange.of)

    @strawberry.subscription(
        description="The order's timeline: the events after sequence `after` (all, without "
        "it) from the record, then each as it happens, with no gap and no repeat; a client "
        "that reconnects with the last sequence it saw loses nothing. Events the viewer's role "
        "does not read in the timeline are left out. Completes when the viewer may no longer "
        "see the order."
    )
    async def order_events(
        self, info: strawberry.Info, order_id: strawberry.ID, after: int | None = None
    ) -> AsyncGenerator[OrderEvent, None]:
        viewer = viewer_of(info)
        pk = _pk(info, order_id, "Order", "orderId")
        if after is not None and after < 0:
            raise refusal(info, Problem("INVALID", ("after",)))
        source = await opened(info, streams.order_events(viewer, pk, after))
        return _mapped(source, lambda event: event_shown(event, viewer.actor))

    @strawberry.subscription(
        description="Each change of the order's conversation (a message sent, or read) for "
        "a viewer who reads it: its two sides and supervisors. Ends the others' request with "
        "NOT_FOUND."
    )
    async def order_conversation_changed(
        self, info: strawberry.Info, order_id: strawberry.ID
    ) -> AsyncGenerator[OrderConversationChange, None]:
        viewer = viewer_of(info)
        pk = _pk(info, order_id, "Order", "orderId")
        source = await opened(info, streams.conversation_changes(viewer, pk))
        offer_lane(info, source, OrderConversationChange.of)
        return _mapped(source, OrderConversationChange.of)

    @strawberry.subscription(
        description="Every change of status of the applications the viewer may see (of one "
        "application, given `applicationId`)."
    )
    async def application_status_changed(
        self, info: strawberry.Info, application_id: strawberry.ID | None = None
    ) -> AsyncGenerator[ApplicationStatusChange, None]:
        viewer = viewer_of(info)
        pk = (
            None
            if application_id is None
            else _pk(info, application_id, "Application", "applicationId")
        )
        source = await opened(info, streams.application_status_changes(viewer, pk))
        offer_lane(info, source, ApplicationStatusChange.of)
        return _mapped(source, ApplicationStatusChange.of)

    @strawberry.subscription(
        description="A handler's assignments: an open order that became theirs, or that a "
        "supervisor gave to someone else."
    )
    async def my_assignments(
        self, info: strawberry.Info
    ) -> AsyncGenerator[OrderAssignmentChange, None]:
        source = await opened(info, streams.assignment_changes(viewer_of(info)))
        return _mapped(source, lambda change: OrderAssignmentChange.of(*change))

    @strawberry.subscription(
        description="Each change of the bad reviews to put right and the appeals to decide "
        "(reviews and rectifications), for supervisors and admins; nothing for anyone else."
    )
    async def supervision_changed(
        self, info: strawberry.Info
    ) -> AsyncGenerator[SupervisionChange, None]:
        source = await opened(info, streams.supervision_changes(viewer_of(info)))
        offer_lane(info, source, SupervisionChange.of)
        return _mapped(source, SupervisionChange.of)

    @strawberry.subscription(
        description="The viewer's inbox: each notice as it arrives, and the unread count "
        "whenever it changes."
    )
    async def notification_received(
        self, info: strawberry.Info
    ) -> AsyncGenerator[InboxChange, None]:
        source = await opened(info, streams.inbox_changes(viewer_of(info)))
        return _mapped(source, lambda delivery: InboxChange(_delivery=delivery))
