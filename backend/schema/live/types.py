"""What the subscriptions send: small change records, with the object itself on request.

The change's own fields come from the news and cost nothing. `order`, `application`, `event`
and `notification` are read when selected, as the viewer may see them now: an order's row (the
columns its selection needs, `ORDER_NEEDS`) and an event's row once per event for all the
subscribers of this process (`Delivery.loaded`), then shown per viewer by the code of the
queries (`orders_of`, the timeline's readers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from backend.models.applications import ApplicationStatus as ApplicationStatusModel
from backend.models.events import Event as EventModel
from backend.models.orders import Order as OrderModel
from backend.models.orders import OrderStatus as OrderStatusModel
from backend.schema.applications.types import ApplicationType
from backend.schema.live.context import live_context_of
from backend.schema.loading import Selection, Wanted
from backend.schema.nodes import global_id, lookup
from backend.schema.notifications.types import NotificationType
from backend.schema.orders.loading import ORDER_NEEDS, Load, orders_of
from backend.schema.orders.timelines import ACTOR_NAME, event_as_type
from backend.schema.orders.types import OrderEvent, OrderType
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.live.broker import Delivery
from backend.services.live.news import ChangeNews, NoticeNews
from backend.services.notifications import notifications
from backend.services.orders import readers
from backend.services.orders.policies import (
    OrderRow,
    can_view_assignment_reason,
    can_view_order,
)


def _change(delivery: Delivery) -> ChangeNews:
    news = delivery.news
    assert isinstance(news, ChangeNews)
    return news


def _loading(info: strawberry.Info) -> tuple[Selection, Wanted[Load]]:
    """What the `order` field asks for, worked out at the operation's first event."""
    context = live_context_of(info)
    asks = ("order", *info.path.as_list())
    if asks not in context.memo:
        selection = Selection.of(info)
        # The policy's columns too: whether the viewer may see the order now.
        context.memo[asks] = selection, ORDER_NEEDS.wanted(selection).plus(*OrderRow.COLUMNS)
    found: tuple[Selection, Wanted[Load]] = context.memo[asks]
    return found


async def order_now(info: strawberry.Info, delivery: Delivery) -> OrderType | None:
    """The order a change is about as the viewer may see it now; None if they may not."""
    context = live_context_of(info)
    viewer = context.viewer
    assert viewer is not None
    actor = context.actor
    pk = _change(delivery).aggregate_id
    selection, wanted = _loading(info)

    async def row() -> dict[str, Any] | None:
        rows = await OrderModel.filter(id=pk).values(*wanted.columns)
        return rows[0] if rows else None

    found = await delivery.loaded(f"order:{pk}:{wanted.columns}", row)
    if found is None or not can_view_order(actor, OrderRow.of(found), viewer.reach):
        return None

    async def known_reach() -> Reach:
        return viewer.reach

    async def shown() -> OrderType:
        (made,) = await orders_of(actor, [found], selection, wanted, known_reach)
        return made

    if wanted.follow_ups:
        return await shown()  # what the viewer may do, read, and whose timeline: theirs
    # Without follow-ups an order depends on the viewer only through their language and
    # whether they read assignment reasons: the subscribers of one change share a few.
    shown_as = (actor.language, can_view_assignment_reason(actor))
    return await delivery.loaded(f"order-type:{pk}:{wanted.columns}:{shown_as}", shown)


def event_shown(event: EventModel, viewer: Actor) -> OrderEvent:
    """An order's event (loaded with its actor) as the timeline shows it to `viewer`."""
    row = {
        "id": event.id,
        "sequence": event.sequence,
        "kind": event.kind,
        "data": event.data,
        "actor_id": event.actor_id,
        ACTOR_NAME: event.actor.name if event.actor is not None else None,
        "created_at": event.created_at,
    }
    return event_as_type(row, viewer)


async def event_now(info: strawberry.Info, delivery: Delivery) -> OrderEvent | None:
    """The event of a change, for a viewer whose role reads it in the order's timeline."""
    context = live_context_of(info)
    event_id = _change(delivery).event_id
    row = await delivery.loaded(
        f"event:{event_id}", lambda: EventModel.filter(id=event_id).select_related("actor").first()
    )
    if row is None or not readers.sees_event(context.actor, row.kind):
        return None
    return event_shown(row, context.actor)


@strawberry.type(description="An order's status changed.")
class OrderStatusChange:
    order_id: strawberry.ID
    number: str
    sequence: int = strawberry.field(description="The change's place in the order's timeline.")
    kind: str = strawberry.field(description="The event that changed it (ORDER_ASSIGNED, ...).")
    from_status: OrderStatusModel | None = strawberry.field(
        description="Null when the order was just opened."
    )
    to_status: OrderStatusModel
    at: datetime
    _delivery: strawberry.Private[Delivery]

    @classmethod
    def of(cls, delivery: Delivery) -> OrderStatusChange:
        news = _change(delivery)
        assert news.to_status is not None  # a change of status has one
        return cls(
            order_id=global_id("Order", news.aggregate_id),
            number=news.number,
            sequence=news.sequence,
            kind=news.kind,
            from_status=OrderStatusModel(news.from_status) if news.from_status else None,
            to_status=OrderStatusModel(news.to_status),
            at=news.moment,
            _delivery=delivery,
        )

    @strawberry.field(description="The order now; null if the viewer may no longer see it.")
    async def order(self, info: strawberry.Info) -> OrderType | None:
        return await order_now(info, self._delivery)

    @strawberry.field(
        description="The event, as the order's timeline shows it to the viewer; null for one "
        "their role does not read there."
    )
    async def event(self, info: strawberry.Info) -> OrderEvent | None:
        return await event_now(info, self._delivery)


@strawberry.type(
    description="An order's conversation changed: a message was sent, or a side read it. "
    "Read the messages themselves from `Order.messages`."
)
class OrderConversationChange:
    order_id: strawberry.ID
    number: str
    sequence: int = strawberry.field(description="The change's place in the order's timeline.")
    kind: str = strawberry.field(description="ORDER_MESSAGE_SENT or ORDER_MESSAGES_READ.")
    at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> OrderConversationChange:
        news = _change(delivery)
        return cls(
            order_id=global_id("Order", news.aggregate_id),
            number=news.number,
            sequence=news.sequence,
            kind=news.kind,
            at=news.moment,
        )


@strawberry.type(description="An order became the viewer's to handle, or was given to another.")
class OrderAssignmentChange:
    order_id: strawberry.ID
    number: str
    assigned: bool = strawberry.field(
        description="true: the order is now the viewer's; false: it went to someone else."
    )
    sequence: int
    at: datetime
    _delivery: strawberry.Private[Delivery]

    @classmethod
    def of(cls, delivery: Delivery, assigned: bool) -> OrderAssignmentChange:
        news = _change(delivery)
        return cls(
            order_id=global_id("Order", news.aggregate_id),
            number=news.number,
            assigned=assigned,
            sequence=news.sequence,
            at=news.moment,
            _delivery=delivery,
        )

    @strawberry.field(description="The order now; null once it is no longer the viewer's to see.")
    async def order(self, info: strawberry.Info) -> OrderType | None:
        return await order_now(info, self._delivery)


@strawberry.type(description="An application's status changed.")
class ApplicationStatusChange:
    application_id: strawberry.ID
    number: str
    sequence: int
    kind: str
    from_status: ApplicationStatusModel | None
    to_status: ApplicationStatusModel
    at: datetime
    _delivery: strawberry.Private[Delivery]

    @classmethod
    def of(cls, delivery: Delivery) -> ApplicationStatusChange:
        news = _change(delivery)
        assert news.to_status is not None
        return cls(
            application_id=global_id("Application", news.aggregate_id),
            number=news.number,
            sequence=news.sequence,
            kind=news.kind,
            from_status=ApplicationStatusModel(news.from_status) if news.from_status else None,
            to_status=ApplicationStatusModel(news.to_status),
            at=news.moment,
            _delivery=delivery,
        )

    @strawberry.field(description="The application now; null if the viewer may no longer see it.")
    async def application(self, info: strawberry.Info) -> ApplicationType | None:
        entry = lookup("Application")
        assert entry is not None
        loader, _ = entry
        pk = _change(self._delivery).aggregate_id
        found = await loader(live_context_of(info).actor, [pk])
        shown: ApplicationType | None = found.get(pk)
        return shown


@strawberry.type(description="The viewer's inbox changed: a notice arrived, or notices were read.")
class InboxChange:
    _delivery: strawberry.Private[Delivery]

    @strawberry.field(description="The notice that arrived; null when notices were marked read.")
    async def notification(self, info: strawberry.Info) -> NotificationType | None:
        news = self._delivery.news
        assert isinstance(news, NoticeNews)
        if news.notification_id is None:
            return None
        entry = lookup("Notification")
        assert entry is not None
        loader, _ = entry
        found = await loader(live_context_of(info).actor, [news.notification_id])
        shown: NotificationType | None = found.get(news.notification_id)
        return shown

    @strawberry.field(description="Notices the viewer has not read, now.")
    async def unread_count(self, info: strawberry.Info) -> int:
        return await notifications.unread_count(live_context_of(info).actor)


@strawberry.type(
    description="A bad review to put right or an appeal to decide changed: a review recorded, "
    "appealed or decided, a rectification opened, advanced, closed or overdue."
)
class SupervisionChange:
    kind: str = strawberry.field(
        description="The event (EVALUATION_RECORDED, RECTIFICATION_CALLED_BACK, ...)."
    )
    subject_id: strawberry.ID = strawberry.field(
        description="The Evaluation or Rectification it happened to."
    )
    order_number: str = strawberry.field(description="The number of the order reviewed.")
    at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> SupervisionChange:
        news = _change(delivery)
        type_name = "Evaluation" if news.aggregate_type == "evaluation" else "Rectification"
        return cls(
            kind=news.kind,
            subject_id=global_id(type_name, news.aggregate_id),
            order_number=news.number,
            at=news.moment,
        )
