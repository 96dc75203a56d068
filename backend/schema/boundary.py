"""The input boundary: every string an operation brings is checked before any resolver runs.

Both faces pass here (the API, and the pages, whose form posts and query parameters become
operation variables), so no resolver, service or query ever sees refused text:

- text (`backend/text.py`): a lone surrogate, NUL or another control character but tab, LF and
  CR is `INVALID_TEXT`; accepted text is stored with LF line breaks and in NFC;
- length: every string has a bound (`MAX_TEXT`; `MAX_SEARCH` for any `search`; the column's
  length for lookups in `LOOKUP_BOUNDS`); a longer one is `TOO_LONG`, before the database.

Which strings are kept verbatim (checked, never rewritten): values of type `ID`, and those of an
argument or input field whose name says it is a secret or a position (`VERBATIM_NAMES`, or a
name ending in `password`). The rule reads the schema, so a new `ID` or `*Password` field is
covered without being listed.

Variables and inline literals (arguments, input fields, JSON values and keys, variable
defaults) are all walked; one refused value refuses the whole request with one GraphQL error
naming it: `extensions.field` is its path from the argument (`["input", "formData", "name"]`)
and `locations` points at it in the document.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    is_input_type,
    type_from_ast,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.language.visitor import SKIP, VisitorAction
from strawberry.extensions import SchemaExtension

from backend import text
from backend.models.applications import Application
from backend.models.catalog import Category, ServiceItem
from backend.models.orders import Order
from backend.schema.context import Context

# Every string's bound. Well above each field's own (the longest, a service item's
# description, takes 20,000), so a field that is too long is still answered at the field (a
# userError; on a page, the message next to it); this bounds everything else.
MAX_TEXT = 100_000
# A file's name as uploaded (the stored name keeps at most 255 of it).
MAX_NAME = 1_000
# Search words are matched with LIKE in several columns: a few words are all anyone types.
MAX_SEARCH = 100
SEARCH_NAMES = frozenset({"search"})
VERBATIM_NAMES = frozenset({"after", "before", "cursor", "idempotencyKey", "token", "secret"})


def _column(model: Any, field: str) -> int:
    length = model._meta.fields_map[field].max_length
    assert isinstance(length, int)
    return length


# Lookups by a column's value: anything longer than the column can never match a row.
LOOKUP_BOUNDS: dict[str, int] = {
    "Query.applicationByNumber(number:)": _column(Application, "number"),
    "Query.orderByNumber(number:)": _column(Order, "number"),
    "Query.serviceItemByName(category:)": max(
        _column(Category, "name_zh"), _column(Category, "name_en")
    ),
    "Query.serviceItemByName(name:)": max(
        _column(ServiceItem, "name_zh"), _column(ServiceItem, "name_en")
    ),
}


class Refused(Exception):
    def __init__(self, error: GraphQLError) -> None:
        self.error = error
        super().__init__(error.message)


@dataclass(frozen=True)
class Slot:
    """Where a value sits: its path from the argument, and the rules for strings there."""

    field: tuple[str, ...]
    node: Node | None
    verbatim: bool = False
    limit: int = MAX_TEXT

    def child(self, key: str | int) -> Slot:
        return replace(self, field=(*self.field, str(key)))


def is_verbatim(name: str, type_name: str) -> bool:
    return type_name == "ID" or name in VERBATIM_NAMES or name.lower().endswith("password")


def _slot_for(
    coordinate: str, name: str, type_: GraphQLInputType, field: tuple[str, ...], node: Node | None
) -> Slot:
    limit = LOOKUP_BOUNDS.get(coordinate, MAX_SEARCH if name in SEARCH_NAMES else MAX_TEXT)
    return Slot(field, node, is_verbatim(name, _named(type_).name), limit)


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _where(slot: Slot) -> str:
    return ".".join(slot.field) or "a value"


def _string(value: str, slot: Slot) -> str:
    try:
        cleaned = value if slot.verbatim else text.normalise(value)
        if slot.verbatim:
            text.check(value)
    except text.BadText as bad:
        raise Refused(
            GraphQLError(
                f"`{_where(slot)}` holds a character that is not accepted "
                f"(U+{ord(bad.character):04X} at position {bad.position}): control characters "
                "other than tab and line breaks, and lone surrogates, are refused.",
                nodes=slot.node,
                extensions={"code": "INVALID_TEXT", "field": list(slot.field)},
            )
        ) from bad
    if len(cleaned) > slot.limit:
        raise Refused(
            GraphQLError(
                f"`{_where(slot)}` is longer than {slot.limit} characters.",
                nodes=slot.node,
                extensions={"code": "TOO_LONG", "field": list(slot.field), "max": slot.limit},
            )
        )
    return cleaned


def _json(value: Any, slot: Slot) -> Any:
    """A JSON scalar's value: every string in it, keys too, is text."""
    if isinstance(value, str):
        return _string(value, slot)
    if isinstance(value, list):
        return [_json(item, slot.child(i)) for i, item in enumerate(value)]
    if isinstance(value, dict):
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            key_slot = slot.child(text.shown(str(key)))
            new_key = (
                _string(key, replace(key_slot, limit=MAX_TEXT)) if isinstance(key, str) else key
            )
            if new_key in cleaned:
                raise Refused(
                    GraphQLError(
                        f"`{_where(key_slot)}` names the same key as another once normalised.",
                        nodes=slot.node,
                        extensions={"code": "INVALID_TEXT", "field": list(key_slot.field)},
                    )
                )
            cleaned[new_key] = _json(item, key_slot)
        return cleaned
    return value


def clean_value(value: Any, type_: GraphQLInputType, slot: Slot) -> Any:
    """`value` (a variable's, as JSON gave it) with its strings checked and normalised."""
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        return clean_value(value, type_.of_type, slot)
    if isinstance(type_, GraphQLList):
        if isinstance(value, list):
            return [clean_value(item, type_.of_type, slot.child(i)) for i, item in enumerate(value)]
        return clean_value(value, type_.of_type, slot)  # one value stands for a list of one
    if isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return value  # coercion names the mistake
        cleaned = dict(value)
        for key, item in value.items():
            field = type_.fields.get(key)
            if field is not None:
                coordinate = f"{type_.name}.{key}"
                inner = _slot_for(coordinate, key, field.type, (*slot.field, key), slot.node)
                cleaned[key] = clean_value(item, field.type, inner)
        return cleaned
    if isinstance(type_, GraphQLScalarType) and type_.name == "JSON":
        return _json(value, slot)
    if isinstance(type_, GraphQLScalarType) and type_.name == "Upload":
        # The file's name is text the client wrote (it is shown, and sent back on download).
        if isinstance(getattr(value, "filename", None), str):
            value.filename = _string(value.filename, replace(slot, limit=MAX_NAME))
        return value
    if isinstance(value, str):
        return _string(value, slot)
    return value


class _Literals(Visitor):
    """Walks every argument written into the document with its type, and variable defaults.

    Nodes are immutable: the normalised strings are collected in `changes` and a copy of the
    document is made with them (`_Rewrite`) only when one differs.
    """

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: list[str] = []
        self.usages: dict[str, list[Slot]] = {}
        self.changes: dict[int, str] = {}

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        self.fields.append(f"{parent.name if parent else '?'}.{node.name.value}")

    def leave_field(self, *_: Any) -> None:
        self.fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> VisitorAction:
        argument = self.type_info.get_argument()
        if argument is not None:
            name = node.name.value
            owner = self.fields[-1] if self.fields else "@"
            slot = _slot_for(f"{owner}({name}:)", name, argument.type, (name,), node)
            self.literal(node.value, argument.type, slot)
        return SKIP

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> VisitorAction:
        if node.default_value is not None:
            name = f"${node.variable.name.value}"
            self.literal(node.default_value, self.type_info.get_input_type(), Slot((name,), node))
        return SKIP

    def literal(self, node: ValueNode, type_: Any, slot: Slot) -> None:
        if isinstance(node, VariableNode):
            self.usages.setdefault(node.name.value, []).append(replace(slot, node=node))
            return
        named = _named(type_)
        if isinstance(node, ListValueNode):
            item_type = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
            item_type = item_type.of_type if isinstance(item_type, GraphQLList) else item_type
            for i, item in enumerate(node.values):
                self.literal(item, item_type, slot.child(i))
        elif isinstance(node, ObjectValueNode):
            for field_node in node.fields:
                key = field_node.name.value
                if isinstance(named, GraphQLInputObjectType) and key in named.fields:
                    field = named.fields[key]
                    inner = _slot_for(
                        f"{named.name}.{key}", key, field.type, (*slot.field, key), field_node
                    )
                    self.literal(field_node.value, field.type, inner)
                else:  # a JSON object, or a field coercion will refuse
                    self.literal(field_node.value, None, slot.child(key))
        elif isinstance(node, StringValueNode):
            cleaned = _string(node.value, replace(slot, node=node))
            if cleaned != node.value:
                self.changes[id(node)] = cleaned


class _Rewrite(Visitor):
    def __init__(self, changes: dict[int, str]) -> None:
        super().__init__()
        self.changes = changes

    def enter_string_value(self, node: StringValueNode, *_: Any) -> StringValueNode | None:
        value = self.changes.get(id(node))
        if value is None:
            return None
        return StringValueNode(value=value, block=node.block, loc=node.loc)


def _operations(
    document: DocumentNode, operation_name: str | None
) -> Iterator[OperationDefinitionNode]:
    """The operation that will run (every one when that is unclear: admission refuses those)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    named = [o for o in operations if o.name is not None and o.name.value == operation_name]
    yield from named if operation_name is not None and named else operations


@dataclass(frozen=True)
class Analysis:
    """What a document says about its strings: its literals cleaned, and each variable's slot."""

    document: DocumentNode
    variables: dict[str, tuple[GraphQLInputType, Slot]]


def analyse(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None
) -> Analysis:
    """Checks every string written into `document`; raises `Refused` for a refused one."""
    type_info = TypeInfo(schema)
    literals = _Literals(type_info)
    visit(document, TypeInfoVisitor(type_info, literals))
    variables: dict[str, tuple[GraphQLInputType, Slot]] = {}
    for operation in _operations(document, operation_name):
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            type_ = type_from_ast(schema, definition.type)
            if not is_input_type(type_):
                continue  # validation has named the unknown type
            uses = literals.usages.get(name, [])
            variables[name] = (
                type_,
                Slot(
                    uses[0].field if uses else (f"${name}",),
                    uses[0].node if uses else definition,
                    verbatim=any(use.verbatim for use in uses) or _named(type_).name == "ID",
                    limit=min((use.limit for use in uses), default=MAX_TEXT),
                ),
            )
    if literals.changes:
        document = visit(document, _Rewrite(literals.changes))
    return Analysis(document, variables)


def clean_variables(analysis: Analysis, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The variables with their strings checked, bounded and normalised (or `Refused`)."""
    cleaned = dict(variables)
    for name, value in variables.items():
        if name in analysis.variables:  # undeclared variables are never read
            type_, slot = analysis.variables[name]
            cleaned[name] = clean_value(value, type_, slot)
    return cleaned


def clean_request(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any],
    operation_name: str | None = None,
) -> tuple[DocumentNode, dict[str, Any]]:
    """The document and the variables with their strings cleaned (or `Refused`)."""
    analysis = analyse(schema, document, operation_name)
    return analysis.document, clean_variables(analysis, variables)


# Walking a document with its types costs milliseconds; the pages run a few dozen documents
# and integrators a few more, so the analysis is kept per document text (refusals are not).
ANALYSES_KEPT = 256
_analyses: OrderedDict[tuple[str, str | None], Analysis] = OrderedDict()


def _analysis(
    schema: GraphQLSchema, query: str | None, document: DocumentNode, operation_name: str | None
) -> Analysis:
    if query is None:
        return analyse(schema, document, operation_name)
    key = (query, operation_name)
    found = _analyses.get(key)
    if found is not None:
        _analyses.move_to_end(key)
        return found
    found = _analyses[key] = analyse(schema, document, operation_name)
    if len(_analyses) > ANALYSES_KEPT:
        _analyses.popitem(last=False)
    return found


class TextBoundary(SchemaExtension):
    """Cleans the document and the variables after admission and before execution."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if execution.result is None and document is not None:
            try:
                analysis = _analysis(
                    execution.schema._schema, execution.query, document, execution.operation_name
                )
                execution.graphql_document = analysis.document
                execution.variables = clean_variables(analysis, execution.variables or {})
            except Refused as refused:
                execution.result = GraphQLExecutionResult(data=None, errors=[refused.error])
                context = execution.context
                if isinstance(context, Context):
                    context.executed = False
        yield
