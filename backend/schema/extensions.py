"""What runs around every operation: admission (scopes, cost) and the masking of bugs.

Admission happens before execution, so a refused request does no work: a token without the
scope for a root field or for an object of another domain its selection reaches, or a query
whose cost (objects times page sizes) is over the limit or over the token's budget for the
minute, gets errors and no data.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.execution.values import get_variable_values
from graphql.validation import ASTValidationRule
from strawberry import Schema
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from backend.logs import request_id_var
from backend.schema.context import Context
from backend.schema.relay import DEFAULT_PAGE
from backend.schema.scopes import (
    OPEN,
    SESSION,
    TYPE_SCOPES,
    domain_of,
    missing_scope,
    missing_type_scope,
    root_domain,
)

log = logging.getLogger("servicehall.graphql")


class CostCalculator:
    """Objects a query may return: each object field costs 1, times the pages above it."""

    def __init__(
        self,
        schema: Any,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def _ids(self, node: FieldNode) -> int | None:
        """How many objects a field fetched by a list of ids (`nodes(ids:)`) asks for."""
        for argument in node.arguments or ():
            if argument.name.value != "ids":
                continue
            value = argument.value
            if isinstance(value, ListValueNode):
                return len(value.values)
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                return len(raw) if isinstance(raw, list) else 1
        return None

    def _first(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "limit"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                return raw if isinstance(raw, int) else None
        return None

    def selection_cost(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> int:
        if selection_set is None or not isinstance(
            parent, (GraphQLObjectType, GraphQLInterfaceType)
        ):
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                total += self.selection_cost(selection.selection_set, target, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection_cost(fragment.selection_set, target, seen | {name})
        return total

    def field_cost(
        self,
        node: FieldNode,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        seen: frozenset[str],
    ) -> int:
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        result_type = get_named_type(definition.type)
        if node.selection_set is None:
            return 0
        takes_page = "first" in definition.args or "limit" in definition.args
        multiplier = 1
        if takes_page:
            first = self._first(node)
            multiplier = DEFAULT_PAGE if first is None else max(first, 0)
        elif "ids" in definition.args:
            multiplier = self._ids(node) or 1
        return 1 + multiplier * self.selection_cost(node.selection_set, result_type, seen)


NODE_FIELDS = frozenset({"node", "nodes"})


class ScopeWalk:
    """Where a token's selection reaches objects its scopes do not cover.

    Walks the document against the schema once, so the check costs nothing per row. Below a
    root field, objects of that field's domain are covered by its scope; any other domain's
    need that domain's read scope (`TYPE_SCOPES`). Under `node`/`nodes` the type a fragment
    narrows to is checked by the node loader instead, and that type's domain is covered.
    """

    def __init__(
        self, schema: Any, fragments: dict[str, FragmentDefinitionNode], scopes: frozenset[str]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.scopes = scopes
        # The first place each lacking scope is needed, in document order.
        self.lacking: dict[str, tuple[str, str, Node]] = {}
        self.walked: set[tuple[int, str, str | None, bool]] = set()

    def root(self, field: FieldNode, root_type: GraphQLObjectType) -> None:
        name = field.name.value
        definition = root_type.fields.get(name)
        if definition is None or field.selection_set is None or name.startswith("__"):
            return  # introspection describes the schema, which is public
        target = get_named_type(definition.type)
        covered = root_domain(name)
        if name in OPEN and covered is None:
            own = TYPE_SCOPES.get(target.name)  # `me`: the caller's own account
            covered = domain_of(own) if own else None
        self._reach(target, field, name, covered)
        self._walk(field.selection_set, target, name, covered, name in NODE_FIELDS, frozenset())

    def _reach(self, target: GraphQLNamedType, at: Node, path: str, covered: str | None) -> None:
        if not isinstance(target, GraphQLObjectType):
            return
        needed = missing_type_scope(target.name, covered, self.scopes)
        if needed is not None and needed not in self.lacking:
            self.lacking[needed] = (path, target.name, at)

    def _walk(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        path: str,
        covered: str | None,
        under_node: bool,
        seen: frozenset[str],
    ) -> None:
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = parent.fields.get(selection.name.value)
                if definition is None or selection.selection_set is None:
                    continue
                target = get_named_type(definition.type)
                inner = f"{path}.{selection.name.value}"
                self._reach(target, selection, inner, covered)
                self._walk(selection.selection_set, target, inner, covered, False, seen)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition, fragment_set = selection.type_condition, selection.selection_set
                inner_seen = seen
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                condition, fragment_set = fragment.type_condition, fragment.selection_set
                inner_seen = seen | {name}
            else:
                continue
            target = self.schema.get_type(condition.name.value) if condition else parent
            target = target or parent
            narrowed = covered
            if target is not parent and isinstance(target, GraphQLObjectType):
                own = TYPE_SCOPES.get(target.name)
                if under_node:
                    narrowed = domain_of(own) if own else covered
                else:
                    self._reach(target, selection, path, covered)
            # A fragment spread in many places is walked once per type, domain and position
            # (node or not): what it can reach depends on nothing else.
            key = (id(fragment_set), target.name, narrowed, under_node)
            if key in self.walked:
                continue
            self.walked.add(key)
            self._walk(fragment_set, target, path, narrowed, under_node, inner_seen)


def operation_of(document: Any, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return None


def _refuse(message: str, code: str, **extra: Any) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code, **extra})]
    )


def _refuse_nested(lacking: dict[str, tuple[str, str, Node]]) -> GraphQLExecutionResult:
    """One error per scope the token lacks, at the first field that needs it."""
    errors = []
    for needed, (path, type_name, at) in lacking.items():
        reason = f"it needs the scope {needed}" if ":" in needed else "no token may read them"
        errors.append(
            GraphQLError(
                f"This API token may not read the {type_name} objects at `{path}` ({reason}).",
                nodes=at,
                extensions={"code": "FORBIDDEN_SCOPE", "scope": needed, "field": path},
            )
        )
    return GraphQLExecutionResult(data=None, errors=errors)


def root_fields(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """The root fields an operation runs, including those inside fragments on the root type."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                yield from root_fields(fragment.selection_set, fragments, seen | {name})


@functools.cache
def _limit_rules(max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    """The limiters' rules, made once per pair of limits: each limiter builds a new rule class,
    and validated documents are cached by the rules they were validated with."""
    return (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    )


class DocumentLimits(SchemaExtension):
    """Depth, alias and token limits from the app's settings, checked while parsing/validating.

    (Strawberry's limiters take fixed numbers; these read `max_query_depth`, `max_aliases` and
    `max_tokens` from the settings of the app the operation runs in.)
    """

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        settings = context.settings if isinstance(context, Context) else None
        if settings is not None:
            execution.parse_options["max_tokens"] = settings.max_tokens
            execution.validation_rules = (
                *execution.validation_rules,
                *_limit_rules(settings.max_query_depth, settings.max_aliases),
            )
        yield


# Distinct documents kept parsed and validated. The pages send about 80; API clients a few
# more. Bounded, so a client sending ever new texts costs parsing, never memory.
DOCUMENT_CACHE_SIZE = 512

_ValidationKey = tuple[str, tuple[tuple[str, Any], ...], tuple[type[ASTValidationRule], ...]]
_validated: OrderedDict[_ValidationKey, list[GraphQLError]] = OrderedDict()


class ValidationCacheByText(SchemaExtension):
    """Validation errors of a document, kept by its text, the parse options and the rules.

    Strawberry's own `ValidationCache` keys on the parsed document, whose hash walks the whole
    tree on every lookup (about 70 µs for the order queue's query); the text it was parsed from
    (with the same options, by `ParserCache`) names the same document for the price of a string
    hash. Runs after `DocumentLimits` has set the rules.
    """

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if execution.query is None or document is None:
            yield
            return
        key: _ValidationKey = (
            execution.query,
            tuple(sorted(execution.parse_options.items())),
            tuple(execution.validation_rules),
        )
        errors = _validated.get(key)
        if errors is None:
            errors = validate_document(execution.schema._schema, document, key[2])
            _validated[key] = errors
            while len(_validated) > DOCUMENT_CACHE_SIZE:
                _validated.popitem(last=False)
        else:
            _validated.move_to_end(key)
        execution.pre_execution_errors = errors
        yield


class Admission(SchemaExtension):
    """Checks token scopes and cost before execution; reports the cost in `extensions.cost`."""

    cost: int | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        assert isinstance(context, Context)
        document = execution.graphql_document
        operation = operation_of(document, execution.operation_name) if document else None
        named = (
            [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if document
            else []
        )
        if operation is None or (len(named) > 1 and context.operation_name is None):
            execution.result = _refuse(
                "The document has several operations: name the one to run in `operationName`.",
                "OPERATION_NAME_REQUIRED",
            )
        else:
            refusal = await self._admit(context, document, operation, execution.variables or {})
            if refusal is not None:
                execution.result = refusal
            else:
                context.executed = True
        yield

    async def _admit(
        self,
        context: Context,
        document: Any,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
    ) -> GraphQLExecutionResult | None:
        actor = context.actor
        schema = self.execution_context.schema._schema
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        if actor.scopes is not None:
            selections = list(root_fields(operation.selection_set, fragments))
            for selection in selections:
                name = selection.name.value
                lacking = missing_scope(name, actor.scopes)
                if lacking == SESSION:
                    return _refuse(
                        f"`{name}` can only be run when signed in, not with an API token.",
                        "TOKEN_NOT_ALLOWED",
                    )
                if lacking is not None:
                    return _refuse(
                        f"This API token may not run `{name}`"
                        + (f" (it needs the scope {lacking})." if ":" in lacking else "."),
                        "FORBIDDEN_SCOPE",
                    )
            root_type = schema.get_root_type(operation.operation)
            walk = ScopeWalk(schema, fragments, actor.scopes)
            for selection in selections:
                if root_type is not None:
                    walk.root(selection, root_type)
            if walk.lacking:
                return _refuse_nested(walk.lacking)
        # Variables are checked here, before anything runs, so a wrong one is a request error
        # (and the cost is computed from the values the operation will really use, defaults too).
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return GraphQLExecutionResult(data=None, errors=coerced)
        variables = coerced.coerced
        root = schema.get_root_type(operation.operation)
        if root is None:
            return None
        cost = CostCalculator(schema, fragments, variables).selection_cost(
            operation.selection_set, root, frozenset()
        )
        self.cost = cost
        context.cost = cost
        limit = context.settings.max_query_cost
        if cost > limit:
            return _refuse(
                f"This query could return {cost} objects; the limit is {limit}. "
                "Ask for smaller pages or fewer nested lists.",
                "COST_LIMIT",
                cost=cost,
                limit=limit,
            )
        if actor.token_id is not None and not await context.cost_limiter.spend(
            actor.token_id, cost
        ):
            return _refuse(
                f"This token has spent its budget of {context.cost_limiter.per_minute} "
                "per minute. Try again in a minute.",
                "RATE_LIMITED",
            )
        return None

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost}}


def _is_bug(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _anonymised(error: GraphQLError) -> GraphQLError:
    request_id = request_id_var.get()
    return GraphQLError(
        message=f"Unexpected error. Quote request id {request_id} when reporting it.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
    )


def bug_masked(error: GraphQLError) -> GraphQLError:
    """`error` as MaskBugs lets it out (for results sent without the extension's hooks)."""
    return _anonymised(error) if _is_bug(error) else error


class MaskBugs(MaskErrors):
    """Replaces an unexpected error with a message carrying the request id; the log has it all."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_bug)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return _anonymised(error)

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()

    def _process_result(self, result: object) -> None:
        # Strawberry asks `isinstance` of a runtime protocol here, which costs more than the
        # rest of a subscription's event together on Python 3.11; every result has `errors`.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


class LoggedSchema(Schema):
    """Logs a bug at ERROR with its traceback, and an expected refusal (a validation error, a
    refused admission or scope, a malformed id) at INFO on one line: a client's mistake is not
    the server's, and must not bury the bugs."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if _is_bug(error):
                log.error("%s", error.message, exc_info=error.original_error)
            else:
                code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
                log.info("refused (%s): %s", code, error.message)
