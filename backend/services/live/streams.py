"""The streams behind the subscriptions, each for one viewer.

Every stream subscribes to the broker BEFORE it reads anything, so nothing committed after the
read goes unheard; what it read and then hears again is dropped by its sequence. The checks a
subscription makes when it starts (may the viewer see this order?) raise before the stream is
returned, so the client gets an error instead of a silent stream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from backend.models.events import Event
from backend.models.orders import OPEN_STATUSES, Order
from backend.services.applications.policies import applications_visible_to
from backend.services.core.errors import NotFound, Problem
from backend.services.live.broker import Delivery, Subscriber
from backend.services.live.news import ChangeNews, NoticeNews
from backend.services.live.viewers import SUPERVISED, Viewer
from backend.services.orders import readers
from backend.services.orders.parties import conversations_readable_by
from backend.services.orders.policies import orders_visible_to
from backend.services.orders.states import OrderEventKind

# Replayed events are read this many at a time.
REPLAY_PAGE = 500
OPEN = frozenset(str(s) for s in OPEN_STATUSES)
# What changes an order's conversation: a message, or how far a side has read.
CONVERSATION = frozenset(
    {OrderEventKind.ORDER_MESSAGE_SENT.value, OrderEventKind.ORDER_MESSAGES_READ.value}
)


def _changes_of(aggregate_type: str, delivery: Delivery, aggregate_id: int | None) -> bool:
    news = delivery.news
    return (
        isinstance(news, ChangeNews)
        and news.aggregate_type == aggregate_type
        and (aggregate_id is None or news.aggregate_id == aggregate_id)
    )


async def _heard(viewer: Viewer, subscriber: Subscriber) -> AsyncGenerator[Delivery, None]:
    try:
        while True:
            yield await subscriber.next()
    finally:
        viewer.unsubscribe(subscriber)


class Deliveries:
    """Every delivery one subscriber accepts, as it comes. `subscriber` is its bounded queue:
    a transport that shares the work of a piece of news between sockets reads it directly
    (`schema/live/transport.py`), and closing this ends the subscription either way."""

    __slots__ = ("_source", "subscriber")

    def __init__(self, viewer: Viewer, subscriber: Subscriber) -> None:
        self.subscriber = subscriber
        self._source = _heard(viewer, subscriber)

    def __aiter__(self) -> Deliveries:
        return self

    def __anext__(self) -> Awaitable[Delivery]:
        return self._source.__anext__()

    async def aclose(self) -> None:
        await self._source.aclose()


def _deliveries(viewer: Viewer, subscriber: Subscriber) -> Deliveries:
    return Deliveries(viewer, subscriber)


async def _checked(viewer: Viewer, subscriber: Subscriber, visible: Any, field: str) -> None:
    """Raises NotFound (at `field`) unless the query `visible` finds the row; the subscriber
    goes with it."""
    try:
        found = await visible.exists()
    except BaseException:
        viewer.unsubscribe(subscriber)
        raise
    if not found:
        viewer.unsubscribe(subscriber)
        raise NotFound([Problem("NOT_FOUND", (field,))])


async def order_status_changes(viewer: Viewer, order_id: int | None) -> AsyncIterator[Delivery]:
    """Every change of status of an order the viewer may see (of `order_id`'s, when given),
    decided on the order as each change left it."""

    def accepts(delivery: Delivery) -> bool:
        return (
            _changes_of("order", delivery, order_id)
            and isinstance(delivery.news, ChangeNews)
            and delivery.news.status_changed
            and viewer.sees(delivery)
        )

    subscriber = viewer.subscribe(accepts)
    if order_id is not None:
        visible = orders_visible_to(viewer.actor).filter(id=order_id)
        await _checked(viewer, subscriber, visible, "orderId")
    return _deliveries(viewer, subscriber)


async def application_status_changes(
    viewer: Viewer, application_id: int | None
) -> AsyncIterator[Delivery]:
    def accepts(delivery: Delivery) -> bool:
        return (
            _changes_of("application", delivery, application_id)
            and isinstance(delivery.news, ChangeNews)
            and delivery.news.status_changed
            and viewer.sees(delivery)
        )

    subscriber = viewer.subscribe(accepts)
    if application_id is not None:
        visible = applications_visible_to(viewer.actor).filter(id=application_id)
        await _checked(viewer, subscriber, visible, "applicationId")
    return _deliveries(viewer, subscriber)


async def conversation_changes(viewer: Viewer, order_id: int) -> AsyncIterator[Delivery]:
    """The order's conversation changed (a message sent, or read), for a viewer who reads it:
    its two sides and supervisors, decided on the order as each change left it."""

    def accepts(delivery: Delivery) -> bool:
        news = delivery.news
        return (
            _changes_of("order", delivery, order_id)
            and isinstance(news, ChangeNews)
            and news.kind in CONVERSATION
            and viewer.reads_conversation(delivery)
        )

    subscriber = viewer.subscribe(accepts)
    visible = orders_visible_to(viewer.actor).filter(id=order_id)
    await _checked(viewer, subscriber, visible, "orderId")
    readable = conversations_readable_by(viewer.actor).filter(id=order_id)
    await _checked(viewer, subscriber, readable, "orderId")
    return _deliveries(viewer, subscriber)


async def inbox_changes(viewer: Viewer) -> AsyncIterator[Delivery]:
    """The viewer's inbox: a notice arrived, or entries were read."""
    user_id = viewer.user_id

    def accepts(delivery: Delivery) -> bool:
        news = delivery.news
        return isinstance(news, NoticeNews) and news.user_id == user_id

    return _deliveries(viewer, viewer.subscribe(accepts))


async def supervision_changes(viewer: Viewer) -> AsyncIterator[Delivery]:
    """Each change of a review or a rectification, for a viewer who may decide appeals and put
    bad reviews right (supervisors and admins); nothing for anyone else."""

    def accepts(delivery: Delivery) -> bool:
        news = delivery.news
        return (
            isinstance(news, ChangeNews)
            and news.aggregate_type in SUPERVISED
            and viewer.sees(delivery)
        )

    return _deliveries(viewer, viewer.subscribe(accepts))


async def assignment_changes(viewer: Viewer) -> AsyncIterator[tuple[Delivery, bool]]:
    """A handler's open orders gained (True) or lost to someone else (False). An order that
    closes while theirs (completed, cancelled) leaves quietly: it was not taken from them."""
    user_id = viewer.user_id
    held: set[int] = set()

    def accepts(delivery: Delivery) -> bool:
        news = delivery.news
        return (
            _changes_of("order", delivery, None)
            and isinstance(news, ChangeNews)
            and (news.assignee_id == user_id or news.aggregate_id in held)
        )

    subscriber = viewer.subscribe(accepts)
    try:
        rows = await Order.filter(assignee_id=user_id, status__in=list(OPEN_STATUSES)).values_list(
            "id", flat=True
        )
    except BaseException:
        viewer.unsubscribe(subscriber)
        raise
    held.update(int(str(pk)) for pk in rows)
    return _assignments(viewer, subscriber, held)


async def _assignments(
    viewer: Viewer, subscriber: Subscriber, held: set[int]
) -> AsyncGenerator[tuple[Delivery, bool], None]:
    user_id = viewer.user_id
    try:
        while True:
            delivery = await subscriber.next()
            news = delivery.news
            assert isinstance(news, ChangeNews)
            mine = news.assignee_id == user_id and news.status in OPEN
            if mine and news.aggregate_id not in held:
                held.add(news.aggregate_id)
                yield delivery, True
            elif not mine and news.aggregate_id in held:
                held.discard(news.aggregate_id)
                if news.assignee_id != user_id:
                    yield delivery, False
    finally:
        viewer.unsubscribe(subscriber)


def _event_row(event_id: int) -> Callable[[], Awaitable[Event | None]]:
    async def load() -> Event | None:
        return await Event.filter(id=event_id).select_related("actor").first()

    return load


async def _events_after(order_id: int, after: int) -> list[Event]:
    found = (
        await Event.filter(aggregate_type="order", aggregate_id=order_id, sequence__gt=after)
        .select_related("actor")
        .order_by("sequence")
        .limit(REPLAY_PAGE)
    )
    return list(found)


async def order_events(viewer: Viewer, order_id: int, after: int | None) -> AsyncIterator[Event]:
    """The order's events after sequence `after` from the table, then as they happen, with no
    gap and no repeat; only those the viewer's role reads in a timeline. Ends when the viewer
    may no longer see the order."""

    def accepts(delivery: Delivery) -> bool:
        return _changes_of("order", delivery, order_id)

    subscriber = viewer.subscribe(accepts)
    await _checked(
        viewer, subscriber, orders_visible_to(viewer.actor).filter(id=order_id), "orderId"
    )
    return _order_events(viewer, subscriber, order_id, max(after or 0, 0))


async def _order_events(
    viewer: Viewer, subscriber: Subscriber, order_id: int, last: int
) -> AsyncGenerator[Event, None]:
    def shown(event: Event) -> bool:
        return readers.sees_event(viewer.actor, event.kind)

    try:
        # The replay, page by page: everything committed before the subscription started.
        while True:
            page = await _events_after(order_id, last)
            for event in page:
                last = event.sequence
                if shown(event):
                    yield event
            if len(page) < REPLAY_PAGE:
                break
        while True:
            delivery = await subscriber.next()
            news = delivery.news
            assert isinstance(news, ChangeNews)
            if not viewer.sees(delivery):
                return  # the order is no longer the viewer's to see
            if news.sequence <= last:
                continue  # already replayed
            if news.sequence == last + 1:
                loaded = await delivery.loaded(f"event:{news.event_id}", _event_row(news.event_id))
                events = [loaded] if loaded is not None else []
            else:
                # News the broker lost (or that is still on its way) is in the table: the
                # sequence of an order's events follows the order its transactions committed.
                events = await _events_after(order_id, last)
            for event in events:
                if event.sequence > last:
                    last = event.sequence
                    if shown(event):
                        yield event
    finally:
        viewer.unsubscribe(subscriber)
