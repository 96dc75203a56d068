"""The context of a live connection, and the copies each operation and each event run with.

Strawberry builds a WebSocket's context once, before `connection_init`, and hands that one
object to every operation on the socket, for as long as it is open. Loaders kept there would
serve stale rows for hours, so each operation runs with its own copy (`for_operation`), and
each event of a subscription with a copy of that (`for_event`): fresh loaders, the viewer as
the connection knows them now, and their reach already known.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field, replace
from typing import Any

import strawberry
from graphql import GraphQLError

from backend.schema.context import REACH, Context, context_of
from backend.services.core.actors import ANONYMOUS, Actor
from backend.services.live.viewers import Viewer


@dataclass
class LiveContext(Context):
    # Who the handshake's session cookie (or Authorization header) says is asking; whether
    # that counts is decided at `connection_init` (transport.py).
    handshake_actor: Actor = ANONYMOUS
    socket: Any = None  # the Starlette WebSocket
    connection_params: dict[str, Any] | None = None
    viewer: Viewer | None = None
    handler: Any = None  # the protocol handler, which ends the socket's operations
    # What admission refused for this operation (a subscription runs anyway otherwise).
    refusal: list[GraphQLError] | None = None
    ending: asyncio.Task[None] | None = None
    # What an operation works out once and its events reuse (what its selection asks for).
    memo: dict[Any, Any] = field(default_factory=dict)

    def _now_actor(self) -> Actor:
        return self.viewer.actor if self.viewer is not None else self.actor

    def for_operation(self, operation_name: str | None) -> LiveContext:
        return replace(
            self,
            actor=self._now_actor(),
            operation_name=operation_name,
            loaders={},
            cookies=[],
            executed=False,
            cost=None,
            refusal=None,
            memo={},
        )

    def for_event(self) -> LiveContext:
        # A shallow copy, not `replace`: it runs for every subscriber of every event.
        event = copy.copy(self)
        event.loaders = {}
        event.cookies = []
        if self.viewer is not None:
            event.actor = self.viewer.actor
            known: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            known.set_result(self.viewer.reach)
            event.loaders[REACH] = known
        return event


def live_context_of(info: strawberry.Info) -> LiveContext:
    context = context_of(info)
    if not isinstance(context, LiveContext) or context.viewer is None:
        raise GraphQLError(
            "Subscriptions are served over WebSocket at /graphql (graphql-transport-ws).",
            extensions={"code": "WEBSOCKET_REQUIRED"},
        )
    return context


def viewer_of(info: strawberry.Info) -> Viewer:
    viewer = live_context_of(info).viewer
    assert viewer is not None
    return viewer
