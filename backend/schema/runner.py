"""Running an operation for a request, the same way for `/graphql` and for the web pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from backend.schema.context import CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE, Context
from backend.services.core.actors import ANONYMOUS, Actor


def build_context(connection: HTTPConnection) -> Context:
    state = connection.app.state
    actor = getattr(connection.state, "actor", ANONYMOUS)
    assert isinstance(actor, Actor)
    return Context(
        actor=actor,
        settings=state.settings,
        throttle=state.throttle,
        cost_limiter=state.cost_limiter,
        client_address=connection.client.host if connection.client else "",
        user_agent=connection.headers.get("user-agent", ""),
        device_cookie=connection.cookies.get(DEVICE_COOKIE, ""),
    )


def apply_cookies(response: Response, context: Context) -> None:
    """Sets the cookies a mutation asked for (a new session on login, none on logout)."""
    secure = context.settings.production
    for change in context.cookies:
        if change.value is None:
            response.delete_cookie(change.name, path="/", httponly=True, samesite="lax")
            continue
        response.set_cookie(
            change.name,
            change.value,
            max_age=change.max_age,
            path="/",
            httponly=change.httponly,
            samesite="lax",
            secure=secure,
        )


def session_changed(context: Context) -> bool:
    return any(c.name in (SESSION_COOKIE, CSRF_COOKIE) for c in context.cookies)


async def execute(
    connection: HTTPConnection,
    document: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    *,
    allowed: Iterable[OperationType] | None = None,
    context: Context | None = None,
) -> tuple[ExecutionResult, Context]:
    from backend.schema import schema

    context = context or build_context(connection)
    context.operation_name = operation_name
    result = await schema.execute(
        document,
        variable_values=variables,
        context_value=context,
        operation_name=operation_name,
        allowed_operation_types=allowed,
    )
    return result, context
