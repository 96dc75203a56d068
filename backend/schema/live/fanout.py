"""One encoding of a shared result per piece of news, and each socket's `next` spliced from it.

A subscription whose selection reads nothing but the news (`execution._shared_key`) has the
same `payload.data` for every subscriber of one piece of news. Through Strawberry each socket
would still pay for its own trip through the async generators, the result handling and the
extension hooks, its own JSON encoding and its own dict of a message. Once such an operation
has sent its first result the ordinary way (which is when its share key, its extensions and
its queue are all known), the protocol handler reads the operation's queue itself
(`LiveTransportWS._send_result_stream`): per delivery the selection is executed and its data
encoded once for every socket (`Delivery.shared`), and each socket's frame is its prefix (its
own operation id), that text and its suffix (the operation's extensions).

What does not change: the subscriber's queue is the same bounded one, filled by the same
per-viewer `accepts` (who may see what is decided per viewer before anything is shared), so a
reader that falls behind is dropped (4008) as before; deliveries leave in the order they came;
a result with errors goes out through the ordinary formatting. Subscriptions whose stream does
more than hand on deliveries (`orderEvents`' replay, `myAssignments`) never offer a lane.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError

from backend.schema.live.context import LiveContext, live_context_of
from backend.services.live.broker import Delivery, Subscriber
from backend.services.live.streams import Deliveries

# Keys in the operation's `LiveContext.memo`.
LANE = "fanout:lane"  # the subscriber and the mapping, offered by the resolver
ROOT = "fanout:root"  # the operation's executor and share key, once an event was shared


@dataclass(frozen=True)
class Lane:
    subscriber: Subscriber
    shown: Callable[[Delivery], Any]


def offer_lane(info: strawberry.Info, source: Any, shown: Callable[[Delivery], Any]) -> None:
    """Lets the socket read `source`'s queue itself if the selection turns out shareable:
    only for a stream that hands on each delivery as it is (`streams.Deliveries`)."""
    if isinstance(source, Deliveries):
        live_context_of(info).memo[LANE] = Lane(source.subscriber, shown)


# A delivery's payload for the sockets: the text of `data`, or a result with errors.
Rendered = str | GraphQLExecutionResult


@dataclass(frozen=True)
class SharedFrames:
    """An operation's deliveries as `next` frames, the payload's text shared per delivery."""

    subscriber: Subscriber
    shown: Callable[[Delivery], Any]
    executor: Any  # the operation's LiveExecution
    key: tuple[Any, ...]
    encode: Callable[[Any], str]

    def payload(self, delivery: Delivery) -> Rendered | asyncio.Future[Rendered]:
        """The encoded `data` of this delivery's result, once for every socket sharing it (or
        the result itself when it has errors: sent the ordinary way). Made at once when the
        execution needs no waiting, as for scalars of the news: the other sockets woken by
        the same delivery then find it made, instead of each waiting for a task to make it."""
        return delivery.shared(("fanout:payload", self.key), lambda: self._render(delivery))

    def _render(self, delivery: Delivery) -> Rendered | asyncio.Future[Rendered]:
        # The per-event executor takes the result other subscribers of this delivery may
        # already have executed (`LiveExecution.execute_operation`).
        try:
            result = self.executor.build_per_event_executor(self.shown(delivery)).execute_operation(
                False
            )
        except Exception as error:  # as Strawberry answers an event that fails: with an error
            return _failed(error)
        if self.executor.is_awaitable(result):
            return asyncio.ensure_future(self._encoded_later(result))
        return self._encoded(result)

    async def _encoded_later(self, result: Awaitable[GraphQLExecutionResult]) -> Rendered:
        try:
            return self._encoded(await result)
        except Exception as error:
            return _failed(error)

    def _encoded(self, result: GraphQLExecutionResult) -> Rendered:
        return result if result.errors else self.encode(result.data)


def _failed(error: Exception) -> GraphQLExecutionResult:
    failure = GraphQLError(str(error), original_error=error)
    return GraphQLExecutionResult(data=None, errors=[failure])


def shared_frames(context: Any, encode: Callable[[Any], str]) -> SharedFrames | None:
    """The operation's lane, when its resolver offered one and its events are shared."""
    if not isinstance(context, LiveContext):
        return None
    lane = context.memo.get(LANE)
    root = context.memo.get(ROOT)
    if lane is None or root is None:
        return None
    executor, key = root
    return SharedFrames(lane.subscriber, lane.shown, executor, key, encode)
