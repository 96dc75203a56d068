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
(more work, never a wrong answer).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode
from graphql.language import SelectionSetNode

FollowUp = TypeVar("FollowUp", bound=Enum)


def in_language(language: str, zh: str, en: str) -> str:
    """The text in the reader's language; Chinese when there is no English."""
    return en if language == "en" and en else zh


class Selection:
    """The fields selected on one object type: names, and the selection under each."""

    __slots__ = ("_fields", "_fragments")

    def __init__(
        self, nodes: Iterable[SelectionSetNode | None], fragments: Mapping[str, Any]
    ) -> None:
        self._fragments = fragments
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
        return cls((node.selection_set for node in raw.field_nodes), raw.fragments)

    def has(self, name: str) -> bool:
        return name in self._fields

    def names(self) -> Iterator[str]:
        return iter(self._fields)

    def under(self, *path: str) -> Selection:
        """The selection below `path` (e.g. `under("edges", "node")` for a connection's nodes)."""
        selection = self
        for name in path:
            selection = Selection(
                (node.selection_set for node in selection._fields.get(name, ())),
                self._fragments,
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
        )


@dataclass(frozen=True)
class Needs(Generic[FollowUp]):
    """What one field needs: columns of the list's model (paths such as `item__name_zh`, joined
    by the query builder) and follow-up bulk loads."""

    columns: tuple[str, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()


@dataclass(frozen=True)
class Wanted(Generic[FollowUp]):
    columns: tuple[str, ...]
    follow_ups: frozenset[FollowUp]


@dataclass(frozen=True)
class FieldNeeds(Generic[FollowUp]):
    """A list type's table: GraphQL field name → what it needs; `always` is loaded for every
    row (the key, and what cursors and permission checks read)."""

    always: tuple[str, ...]
    fields: Mapping[str, Needs[FollowUp]] = field(default_factory=dict)

    def wanted(self, selection: Selection) -> Wanted[FollowUp]:
        columns = dict.fromkeys(self.always)
        follow_ups: set[FollowUp] = set()
        for name in selection.names():
            needs = self.fields.get(name)
            if needs is not None:
                columns.update(dict.fromkeys(needs.columns))
                follow_ups.update(needs.follow_ups)
        return Wanted(tuple(columns), frozenset(follow_ups))
