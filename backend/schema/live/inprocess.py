"""Subscriptions run inside the process, for the pages' server-sent-events stream (web/live.py).

A page's stream is a live connection like a socket: one viewer (`services/live/viewers.py`)
for the request's session, known from the start and ended by a sign-out, a revoked access or
a reader too slow to keep up; each subscription executes against the same schema, with its
own copy of the connection's context, so the pages hear exactly what an integrator's socket
would, checked by the same rules. Nothing here holds a database connection between events.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import fields, replace
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.types import ExecutionResult

from backend.schema.context import Context
from backend.schema.live.context import LiveContext
from backend.schema.live.execution import OperationScoped
from backend.schema.runner import build_context
from backend.services.core.actors import ANONYMOUS
from backend.services.live import broker
from backend.services.live.viewers import Ending, connect

__all__ = ["Ending", "LiveSession", "open_session"]


class LiveSession:
    """One stream's viewer and the subscriptions it runs."""

    def __init__(self, context: LiveContext) -> None:
        self.context = context

    @property
    def language(self) -> str:
        return self.context.actor.language

    @property
    def subscriptions(self) -> int:
        viewer = self.context.viewer
        return viewer.subscriptions if viewer is not None else 0

    async def subscribe(
        self, document: str, variables: dict[str, Any] | None = None, name: str | None = None
    ) -> AsyncGenerator[ExecutionResult, None]:
        """The results of the subscription `document`, one per event; a refusal (an order the
        viewer may not see, a malformed id) is a first result with errors, then the end."""
        from backend.schema import schema

        results: AsyncGenerator[ExecutionResult, None] = await OperationScoped(schema).subscribe(
            document, variables, context_value=self.context, operation_name=name
        )
        return results

    @property
    def ended(self) -> bool:
        viewer = self.context.viewer
        return viewer is None or viewer.ended

    def close(self) -> None:
        if self.context.viewer is not None:
            self.context.viewer.close()


async def open_session(
    connection: HTTPConnection, *, on_end: Callable[[Ending], None]
) -> LiveSession | None:
    """A live session for the signed-in person of `connection` (by its session cookie, checked
    by the gatekeeper); None for visitors, or when this process runs no broker."""
    running = broker.current()
    base = build_context(connection)
    if running is None or base.actor.user_id is None:
        return None
    shared = {f.name: getattr(base, f.name) for f in fields(Context)}
    shared["actor"] = replace(
        ANONYMOUS, request_id=base.actor.request_id, language=base.actor.language
    )
    context = LiveContext(**shared, handshake_actor=base.actor)
    viewer = await connect(
        base.actor, running, queue_size=base.settings.live_queue_size, on_end=on_end
    )
    if viewer is None:
        return None
    context.viewer = viewer
    context.actor = viewer.actor
    return LiveSession(context)
