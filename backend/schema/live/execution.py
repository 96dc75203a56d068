"""How operations on a live connection run: each with its own context, subscriptions only,
admission's refusals kept, and every event with fresh loaders.

- `OperationScoped` stands in for the schema in the WebSocket handlers, so each operation on
  a socket gets its own copy of the connection's context (`LiveContext.for_operation`).
- `LiveAdmission` (the last schema extension) keeps what admission decided for a subscription:
  Strawberry executes a subscription even when an extension set a result, so the refusal is
  handed to `LiveExecution.build`, which answers with it instead of executing. It also refuses
  queries and mutations on a socket: those are served over HTTP, with its CSRF rules.
- `LiveExecution` gives every event of a subscription its own context (`for_event`), and
  executes a selection that reads nothing but the news (`_shared_key`) once per piece of news
  for every subscriber asking the same thing: Strawberry's per-result work was most of the
  fan-out's cost (bench/bench_subscribers.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_leaf_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.base import BaseSchema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.execution import PreExecutionError

from backend.schema.extensions import operation_of
from backend.schema.live.context import LiveContext
from backend.schema.live.fanout import ROOT

# Change types whose every scalar field is read off the news alone, the same for every
# subscriber of one piece of news (`Delivery`): a selection of only their scalars is executed
# once per delivery and its result shared. A scalar that depends on the viewer (like
# `OrderAssignmentChange.assigned`) keeps its type out of this set.
SHAREABLE = frozenset(
    {"OrderStatusChange", "ApplicationStatusChange", "OrderConversationChange", "SupervisionChange"}
)
UNSHARED = object()


def _shared_key(executor: Any) -> tuple[Any, ...] | None:
    """What identifies the result of this subscription's selection among the subscribers of one
    delivery, when it reads only news (one root field of a SHAREABLE type, scalars only, no
    fragments or directives); None when it may depend on the viewer."""
    operation = executor.operation
    subscription = executor.schema.subscription_type
    if operation.operation is not OperationType.SUBSCRIPTION or subscription is None:
        return None
    (root, *others) = operation.selection_set.selections
    if others or not isinstance(root, FieldNode) or root.directives or not root.selection_set:
        return None
    field = subscription.fields.get(root.name.value)
    change = get_named_type(field.type) if field is not None else None
    if not isinstance(change, GraphQLObjectType) or change.name not in SHAREABLE:
        return None
    for selection in root.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.selection_set or selection.directives:
            return None
        name = selection.name.value
        if name == "__typename":
            continue
        scalar = change.fields.get(name)
        if scalar is None or not is_leaf_type(get_named_type(scalar.type)):
            return None
    given = executor.variable_values
    coerced = getattr(given, "coerced", given) or {}
    variables = repr(sorted(coerced.items()))
    # The parsed document is shared by every subscriber sending the same text (ParserCache).
    return ("shared-result", id(operation), variables)


class LiveExecution(StrawberryGraphQLCoreExecutionContext):
    _share: Any = UNSHARED  # the operation's key, once worked out
    _shared_with: Any = None  # (delivery, key) of a per-event executor that shares

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: Any,
        root_value: Any = None,
        context_value: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if isinstance(context_value, LiveContext) and context_value.refusal:
            return list(context_value.refusal)
        return super().build(schema, document, root_value, context_value, *args, **kwargs)

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if isinstance(self.context_value, LiveContext):
            executor.context_value = self.context_value.for_event()
        if self._share is UNSHARED:
            self._share = _shared_key(self)
        delivery = getattr(payload, "_delivery", None)
        if self._share is not None and delivery is not None and isinstance(executor, LiveExecution):
            executor._shared_with = (delivery, self._share)
            if isinstance(self.context_value, LiveContext):
                # The socket may now read this operation's queue itself (fanout.py).
                self.context_value.memo[ROOT] = (self, self._share)
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self._shared_with is None:
            return super().execute_operation(serially)
        delivery, key = self._shared_with
        operation = self.operation

        def execute() -> Any:
            result = super(LiveExecution, self).execute_operation(serially)
            return (
                operation,
                asyncio.ensure_future(result) if self.is_awaitable(result) else result,
            )

        owner, result = delivery.shared(key, execute)
        if owner is not operation:  # another document at a reused address: not the same
            return super().execute_operation(serially)
        return asyncio.shield(result) if isinstance(result, asyncio.Future) else result


def _operation_type(execution: Any) -> OperationType | None:
    document = execution.graphql_document
    operation = operation_of(document, execution.operation_name) if document else None
    return operation.operation if isinstance(operation, OperationDefinitionNode) else None


class LiveAdmission(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, LiveContext):
            if _operation_type(execution) is not OperationType.SUBSCRIPTION:
                execution.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "Only subscriptions run on the socket; send queries and mutations "
                            "to /graphql over HTTP.",
                            extensions={"code": "SUBSCRIPTIONS_ONLY"},
                        )
                    ],
                )
                context.executed = False
            elif execution.result is not None and execution.result.errors:
                context.refusal = list(execution.result.errors)
        yield


async def _parse_errors_answered(source: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
    """`source`, with a document that does not parse answered as Strawberry answers it without
    the parser cache: as a pre-execution error (the protocol handler closes the socket with
    4400). With `ParserCache` the parse runs in an extension hook, whose error the streaming
    path lets escape and kill the operation's task silently."""
    try:
        async for result in source:
            yield result
    except GraphQLError as error:
        yield PreExecutionError(data=None, errors=[error])
    finally:
        await source.aclose()


class OperationStream:
    """An operation's results (parse errors answered), with the context it runs with: the
    protocol handler finds the operation's shared lane there (fanout.py)."""

    __slots__ = ("_source", "context")

    def __init__(self, context: Any, source: AsyncGenerator[Any, None]) -> None:
        self.context = context
        self._source = _parse_errors_answered(source)

    def __aiter__(self) -> OperationStream:
        return self

    def __anext__(self) -> Any:
        return self._source.__anext__()

    async def aclose(self) -> None:
        await self._source.aclose()


class OperationScoped:
    """The schema as a socket's protocol handlers see it: each operation with its own context."""

    def __init__(self, schema: BaseSchema) -> None:
        self.schema = schema

    @staticmethod
    def _scoped(context: Any, operation_name: str | None) -> Any:
        return (
            context.for_operation(operation_name) if isinstance(context, LiveContext) else context
        )

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Any = None,
    ) -> Any:
        scoped = self._scoped(context_value, operation_name)
        return OperationStream(
            scoped,
            await self.schema.stream(
                query,
                variable_values=variable_values,
                context_value=scoped,
                root_value=root_value,
                operation_name=operation_name,
                operation_extensions=operation_extensions,
                allowed_operation_types=allowed_operation_types,
            ),
        )

    async def subscribe(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> Any:
        return _parse_errors_answered(
            await self.schema.subscribe(
                query,
                variable_values=variable_values,
                context_value=self._scoped(context_value, operation_name),
                root_value=root_value,
                operation_name=operation_name,
                operation_extensions=operation_extensions,
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.schema, name)
