"""What a list loads, decided from what the query selects: shared by every domain's lists.

A list type declares, next to its strawberry type, a `FieldNeeds` table: for each of its
GraphQL fields, the columns that field reads (as paths on the list's model, so the query builder
makes the joins) and the follow-up bulk loads it needs (an enum of the list's own). The list's
resolver looks at the selection one level down (`Selection`), takes the union of the needs of
the fields asked for (`FieldNeeds.wanted`), and loads just that: plain rows, no ORM objects,
JSON columns only when a field that shows them is selected.

A field is matched by its name on its own type, one level down, never "anywhere below": a
`name` inside `enterprise { name }` is not the order's `name`. Fragments and inline fragments
are followed; `@skip`/`@include` are not evaluated, so a skipped field may be loaded anyway
(more work, never a wrong answer). What a field's own selection decides (the category of
`serviceItem { categoryName }`) is a nested table (`Needs.below`), read one level further down.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar, cast

import strawberry
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    Undefined,
)
from graphql.execution.values import VariableValues
from graphql.language import SelectionSetNode
from graphql.utilities import value_from_ast_untyped
from pypika_tortoise.terms import ValueWrapper
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.queryset import QuerySet

FollowUp = TypeVar("FollowUp", bound=Enum)


def in_language(language: str, zh: str, en: str) -> str:
    """The text in the reader's language; Chinese when there is no English."""
    return en if language == "en" and en else zh


class Selection:
    """The fields selected on one object type: names, and the selection under each."""

    __slots__ = ("_fields", "_fragments", "_variables")

    def __init__(
        self,
        nodes: Iterable[SelectionSetNode | None],
        fragments: Mapping[str, Any],
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self._fragments = fragments
        self._variables = dict(variables or {})
        self._fields: dict[str, list[FieldNode]] = {}
        for node in nodes:
            self._collect(node)

    def _collect(self, selection_set: SelectionSetNode | None) -> None:
        for node in selection_set.selections if selection_set is not None else ():
            if isinstance(node, FieldNode):
                self._fields.setdefault(node.name.value, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                self._collect(node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self._fragments.get(node.name.value)
                if fragment is not None:
                    self._collect(fragment.selection_set)

    @classmethod
    def of(cls, info: strawberry.Info | GraphQLResolveInfo[Any]) -> Selection:
        """What the current field selects on its result (for a list: on the connection)."""
        raw = info._raw_info if isinstance(info, strawberry.Info) else info
        # Strawberry hands resolvers the coerced dict; graphql-core's own executor, its
        # `VariableValues` container.
        variables: Any = raw.variable_values
        if isinstance(variables, VariableValues):
            variables = variables.coerced
        return cls((node.selection_set for node in raw.field_nodes), raw.fragments, variables)

    def has(self, name: str) -> bool:
        return name in self._fields

    def names(self) -> Iterator[str]:
        return iter(self._fields)

    def arguments(self, name: str) -> list[dict[str, Any]]:
        """The arguments of each occurrence of field `name` (aliases may ask twice, differently),
        variables resolved; an argument left out, or given a variable the request left out, is
        absent (as the field's resolver sees it: its default)."""
        found = []
        for node in self._fields.get(name, ()):
            values = {
                argument.name.value: value_from_ast_untyped(argument.value, self._variables)
                for argument in node.arguments or ()
            }
            found.append({k: v for k, v in values.items() if v is not Undefined})
        return found

    def under(self, *path: str) -> Selection:
        """The selection below `path` (e.g. `under("edges", "node")` for a connection's nodes)."""
        selection = self
        for name in path:
            selection = Selection(
                (node.selection_set for node in selection._fields.get(name, ())),
                self._fragments,
                self._variables,
            )
        return selection

    def nodes(self) -> Selection:
        """A connection's nodes, whether asked through `edges { node }` or `nodes`."""
        return Selection(
            [
                *(n.selection_set for n in self.under("edges")._fields.get("node", ())),
                *(n.selection_set for n in self._fields.get("nodes", ())),
            ],
            self._fragments,
            self._variables,
        )


@dataclass(frozen=True)
class Needs(Generic[FollowUp]):
    """What one field needs: columns of the list's model (paths such as `item__name_zh`, joined
    by the query builder) and follow-up bulk loads; `below`, what it needs more depending on
    its own selection (paths still on the list's model)."""

    columns: tuple[str, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    below: FieldNeeds[FollowUp] | None = None


@dataclass(frozen=True)
class Wanted(Generic[FollowUp]):
    columns: tuple[str, ...]
    follow_ups: frozenset[FollowUp]

    def plus(self, *columns: str) -> Wanted[FollowUp]:
        """With `columns` too (what the list itself reads: its sort key, for cursors)."""
        return Wanted(tuple(dict.fromkeys((*self.columns, *columns))), self.follow_ups)


@dataclass(frozen=True)
class FieldNeeds(Generic[FollowUp]):
    """A list type's table: GraphQL field name → what it needs; `always` is loaded for every
    row (the key, and what cursors and permission checks read)."""

    always: tuple[str, ...]
    fields: Mapping[str, Needs[FollowUp]] = field(default_factory=dict)

    def wanted(self, selection: Selection | None) -> Wanted[FollowUp]:
        """What `selection` needs; None: what every field needs (for a caller that cannot see
        a selection, such as `node`)."""
        columns = dict.fromkeys(self.always)
        follow_ups: set[FollowUp] = set()
        for name in self.fields if selection is None else selection.names():
            needs = self.fields.get(name)
            if needs is None:
                continue
            columns.update(dict.fromkeys(needs.columns))
            follow_ups.update(needs.follow_ups)
            if needs.below is not None:
                deeper = needs.below.wanted(None if selection is None else selection.under(name))
                columns.update(dict.fromkeys(deeper.columns))
                follow_ups.update(deeper.follow_ups)
        return Wanted(tuple(columns), frozenset(follow_ups))


class NoFollowUp(Enum):
    """For a table whose fields need no follow-up load (only columns)."""


class Parameters:
    """The values of one raw statement and their placeholders, in the connection's style
    (`$1` for asyncpg, `?` for SQLite): call it with each value in the order the text reads."""

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        # Settings admit only SQLite and asyncpg (SERVICEHALL_DATABASE_URL is checked at start).
        self.numbered = connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.numbered else "?"

    def any_of(self, column: str, values: Sequence[Any]) -> str:
        """`column` is one of `values`: one array parameter on PostgreSQL (the same statement
        text, so the same prepared statement, whatever the page size), a list elsewhere."""
        if self.numbered:
            return f"{column} = ANY({self(list(values))})"
        return f"{column} IN ({', '.join(self(v) for v in values)})" if values else "1 = 0"

    def none_of(self, column: str, values: Sequence[Any]) -> str:
        """`column` is none of `values` (as `any_of`, one array parameter on PostgreSQL)."""
        if self.numbered:
            return f"{column} <> ALL({self(list(values))})"
        return f"{column} NOT IN ({', '.join(self(v) for v in values)})" if values else "1 = 1"


async def rows_of(
    query: QuerySet[Any], columns: Sequence[str], *, limit: int
) -> list[dict[str, Any]]:
    """The first `limit` rows of `query` (filtered and ordered by the caller) as plain dicts of
    `columns` (paths such as `enterprise__name`, joined by the query builder).

    The limit is written into the statement, not sent as a parameter: with `LIMIT $n`
    PostgreSQL cannot cost a generic plan well, keeps planning a joined page afresh on every
    execution (about 10 ms for six joins) and never reuses the prepared statement's plan; with
    the number in the text it does (one statement per page size). Tortoise always parameterizes
    `.limit()`, hence the one step into its query building (tortoise-orm is pinned; a test reads
    the statement).
    """
    values = query.values(*columns)
    values._choose_db_if_not_chosen()
    values._make_query()
    values.query._limit = ValueWrapper(int(limit), allow_parametrize=False)
    return cast(list[dict[str, Any]], await values._execute())
