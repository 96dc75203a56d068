"""`/graphql` over WebSocket: graphql-transport-ws (and the legacy graphql-ws), subscriptions only.

Who is asking is settled at `connection_init`:
- a bearer token in the payload (`{"authorization": "Bearer sh_…"}`) or in the handshake's
  `Authorization` header: an integrator; any origin may open such a socket, since the page
  must hold the token;
- otherwise the session cookie, only from this site's own origin (the handshake's host,
  `SERVICEHALL_PUBLIC_URL`'s) or one listed in `SERVICEHALL_ALLOWED_ORIGINS`: browsers send
  cookies with a socket another site opens, so the cookie alone proves nothing;
- nobody signed in is refused (4403).

The connection then has one viewer (`services/live/viewers.py`) that ends it: 4401 when its
session ends or its token is revoked, 4008 when it reads too slowly to keep up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import fields, replace
from datetime import timedelta
from typing import Any, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.websocket_origin import is_same_origin, normalize_origin
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import ExecutionResult, PreExecutionError

from backend.schema import schema
from backend.schema.context import Context
from backend.schema.extensions import bug_masked
from backend.schema.live.context import LiveContext
from backend.schema.live.execution import OperationScoped
from backend.schema.live.fanout import SharedFrames, shared_frames
from backend.schema.runner import build_context
from backend.security import token_actor
from backend.services.accounts import tokens
from backend.services.core.actors import ANONYMOUS, Actor
from backend.services.live import broker
from backend.services.live.viewers import Ending, connect
from backend.settings import Settings

log = logging.getLogger("servicehall.live")

STATE_KEY = "live_context"


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class LiveTransportWS(BaseGraphQLTransportWSHandler[LiveContext, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.context, LiveContext):
            self.context.handler = self

    async def _send_result_stream(
        self, operation: Operation[LiveContext, None], result_source: Any
    ) -> None:
        """Strawberry's loop, except that an operation whose events are shared (fanout.py)
        continues, after its first result, on frames spliced from one encoding per event."""
        is_first_result = True
        async for result in result_source:
            if is_first_result and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            if not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            await operation.send_next(result)
            is_first_result = False
            if not result.errors:
                frames = shared_frames(
                    getattr(result_source, "context", None), self.view.encode_json_string
                )
                if frames is not None:
                    await self._send_shared(operation, frames, result.extensions)
                    return

    async def _send_shared(
        self,
        operation: Operation[LiveContext, None],
        frames: SharedFrames,
        extensions: dict[str, Any] | None,
    ) -> None:
        """Reads the operation's queue until it is cancelled (`complete`, the socket's end)."""
        encode = self.view.encode_json_string
        prefix = f'{{"id":{encode(operation.id)},"type":"next","payload":{{"data":'
        suffix = f',"extensions":{encode(extensions)}}}}}' if extensions else "}}"
        socket = cast(ASGIWebSocketAdapter, self.websocket).ws
        while True:
            delivery = await frames.subscriber.next()
            payload = frames.payload(delivery)
            if isinstance(payload, asyncio.Future):
                payload = payload.result() if payload.done() else await asyncio.shield(payload)
            if operation.completed:
                return
            if isinstance(payload, str):
                try:
                    await socket.send_text(prefix + payload + suffix)
                except WebSocketDisconnect as exc:
                    raise WebSocketDisconnected from exc
            else:
                await operation.send_next(self._formatted(payload, extensions))

    @staticmethod
    def _formatted(
        result: GraphQLExecutionResult, extensions: dict[str, Any] | None
    ) -> ExecutionResult:
        """A shared result with errors as Strawberry would have sent it: bugs masked and
        logged."""
        errors = [bug_masked(error) for error in result.errors or ()]
        schema.process_errors(list(result.errors or ()))
        return ExecutionResult(data=result.data, errors=errors, extensions=extensions)

    async def terminate(self, ending: Ending) -> None:
        """Stops every operation (no message goes out after this), then closes the socket."""
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):
            await self.websocket.close(ending.code, ending.reason)


class LiveLegacyWS(BaseGraphQLWSHandler[LiveContext, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.context, LiveContext):
            self.context.handler = self

    async def terminate(self, ending: Ending) -> None:
        running = list(self.tasks.values())
        for task in running:
            task.cancel()
            task.add_done_callback(_retrieve)
        if running:
            # The legacy protocol says `complete` for each stopped operation; a client that
            # does not read gets its close without them.
            await asyncio.wait(running, timeout=1)
        with contextlib.suppress(Exception):
            await self.websocket.close(ending.code, ending.reason)


class LiveSocket(GraphQL[LiveContext, None]):
    graphql_transport_ws_handler_class = LiveTransportWS
    graphql_ws_handler_class = LiveLegacyWS

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            cast(BaseSchema, OperationScoped(schema)),
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            connection_init_wait_timeout=timedelta(seconds=settings.live_init_seconds),
            max_subscriptions_per_connection=settings.live_max_subscriptions,
            # Every origin may open a socket; whether its cookie counts is decided at
            # `connection_init`, once we know whether it brings a token instead.
            allowed_origins=("*",),
        )
        self.settings = settings
        self.cookie_origins = frozenset(
            origin
            for origin in (
                normalize_origin(o) for o in (settings.public_url, *settings.allowed_origins)
            )
            if origin is not None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            context = scope.get("state", {}).get(STATE_KEY)
            if isinstance(context, LiveContext) and context.viewer is not None:
                context.viewer.close()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> LiveContext:
        base = build_context(request)
        shared = {f.name: getattr(base, f.name) for f in fields(Context)}
        handshake = base.actor
        shared["actor"] = replace(
            ANONYMOUS, request_id=handshake.request_id, language=handshake.language
        )
        context = LiveContext(**shared, handshake_actor=handshake, socket=request)
        request.state.live_context = context
        return context

    def cookie_origin_allowed(self, socket: WebSocket) -> bool:
        origin = socket.headers.get("origin")
        if origin is None:
            return True  # not a browser: no cookie it did not mean to send
        if is_same_origin(origin, socket.headers.get("host")):
            return True
        return normalize_origin(origin) in self.cookie_origins

    async def _who(self, context: LiveContext) -> Actor:
        params = context.connection_params or {}
        authorization = params.get("authorization", params.get("Authorization"))
        handshake = context.handshake_actor
        if authorization is not None:
            if not isinstance(authorization, str) or authorization[:7].lower() != "bearer ":
                raise ConnectionRejectionError(
                    {"message": "authorization must be 'Bearer <token>'"}
                )
            try:
                holder = await tokens.authenticate(authorization[7:].strip())
            except tokens.TokenRejected as rejected:
                raise ConnectionRejectionError(
                    {"message": f"The API token is {rejected.reason}."}
                ) from rejected
            return token_actor(holder, handshake.request_id)
        if handshake.token_id is not None:
            return handshake  # a bearer header: browsers cannot send one
        if handshake.session_id is not None:
            if not self.cookie_origin_allowed(context.socket):
                log.info(
                    "refused a cookie socket from origin %r", context.socket.headers.get("origin")
                )
                raise ConnectionRejectionError(
                    {"message": "Cross-origin sockets must use a token."}
                )
            return handshake
        raise ConnectionRejectionError({"message": "Sign in, or send a bearer token."})

    async def on_ws_connect(self, context: LiveContext) -> Any:
        if context.viewer is not None:
            # The legacy protocol lets a client initialise twice; one viewer per socket.
            raise ConnectionRejectionError({"message": "Already initialised."})
        running = broker.current()
        if running is None:
            log.error("a live socket was opened but this process runs no broker")
            raise ConnectionRejectionError({"message": "Live updates are not running."})
        actor = await self._who(context)

        def end(ending: Ending) -> None:
            handler = context.handler
            if handler is not None:
                context.ending = asyncio.create_task(handler.terminate(ending), name="live-end")
                context.ending.add_done_callback(_retrieve)

        viewer = await connect(actor, running, queue_size=self.settings.live_queue_size, on_end=end)
        if viewer is None:
            raise ConnectionRejectionError({"message": "The session or token is no longer valid."})
        context.viewer = viewer
        context.actor = viewer.actor
        return await super().on_ws_connect(context)
