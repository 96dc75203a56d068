"""What a subscription answers when it cannot start: an `error` message with the problem's code.

A subscription has no payload to carry `userErrors`, so an expected failure of its service
(an order the viewer may not see) becomes a GraphQL error with the same code, field and words.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from backend.schema.live.context import live_context_of
from backend.services.core.errors import Problem, ServiceError

S = TypeVar("S")


def refusal(info: strawberry.Info, problem: Problem) -> GraphQLError:
    language = live_context_of(info).actor.language
    extensions: dict[str, object] = {"code": problem.code}
    if problem.field:
        extensions["field"] = list(problem.field)
    return GraphQLError(problem.message(language), extensions=extensions)


async def opened(info: strawberry.Info, opening: Awaitable[AsyncIterator[S]]) -> AsyncIterator[S]:
    """The stream `opening` returns, or its service's refusal as a GraphQL error."""
    try:
        return await opening
    except ServiceError as error:
        raise refusal(info, error.problems[0]) from error
