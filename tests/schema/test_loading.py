"""The shared selection reader: one level down, through fragments, never matching deeper names."""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from backend.schema.loading import FieldNeeds, Needs, Selection, in_language


class Load(Enum):
    EVENTS = "events"
    ROLES = "roles"


TABLE: FieldNeeds[Load] = FieldNeeds(
    always=("id",),
    fields={
        "number": Needs(columns=("number",)),
        "enterprise": Needs(columns=("enterprise_id", "enterprise__name")),
        "timeline": Needs(follow_ups=(Load.EVENTS,)),
        "assignee": Needs(
            columns=("assignee_id",),
            below=FieldNeeds(
                always=(),
                fields={
                    "name": Needs(columns=("assignee__name",)),
                    "roles": Needs(follow_ups=(Load.ROLES,)),
                },
            ),
        ),
    },
)


def selection_of(document: str, variables: dict[str, Any] | None = None) -> Selection:
    definitions = parse(document).definitions
    operation = next(d for d in definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    field_node = operation.selection_set.selections[0]
    info: Any = type(
        "Info",
        (),
        {"field_nodes": [field_node], "fragments": fragments, "variable_values": variables or {}},
    )
    return Selection.of(info)


def test_a_name_below_a_relation_is_not_the_lists_own_field() -> None:
    nodes = selection_of("{ orders { edges { node { enterprise { name number: id } } } } }").nodes()
    assert nodes.has("enterprise")
    assert not nodes.has("number")
    assert TABLE.wanted(nodes).columns == ("id", "enterprise_id", "enterprise__name")


def test_fragments_and_inline_fragments_are_followed() -> None:
    document = """
    { orders { nodes { ...F } edges { node { ... on Order { timeline { id } } } } } }
    fragment F on Order { number }
    """
    wanted = TABLE.wanted(selection_of(document).nodes())
    assert wanted.columns == ("id", "number")
    assert wanted.follow_ups == frozenset({Load.EVENTS})


def test_an_aliased_field_is_matched_by_its_name() -> None:
    nodes = selection_of("{ orders { edges { node { n: number } } } }").nodes()
    assert TABLE.wanted(nodes).columns == ("id", "number")


def test_english_falls_back_to_chinese_when_there_is_no_english() -> None:
    assert in_language("en", "中文", "") == "中文"
    assert in_language("en", "中文", "English") == "English"
    assert in_language("zh-CN", "中文", "English") == "中文"


def test_a_fields_own_selection_decides_what_it_needs_further() -> None:
    """`assignee { name }` joins the name; `assignee { roles }` loads roles, not the name."""
    named = TABLE.wanted(selection_of("{ orders { nodes { assignee { name } } } }").nodes())
    assert named.columns == ("id", "assignee_id", "assignee__name")
    assert named.follow_ups == frozenset()
    roles = TABLE.wanted(selection_of("{ orders { nodes { assignee { roles } } } }").nodes())
    assert roles.columns == ("id", "assignee_id")
    assert roles.follow_ups == frozenset({Load.ROLES})


def test_without_a_selection_every_field_is_loaded() -> None:
    everything = TABLE.wanted(None)
    assert set(everything.columns) == {
        "id", "number", "enterprise_id", "enterprise__name", "assignee_id", "assignee__name"
    }  # fmt: skip
    assert everything.follow_ups == frozenset(Load)


def test_arguments_are_read_per_occurrence_with_variables_resolved() -> None:
    document = """query($n: Int, $after: String, $missing: Int) { orders { nodes {
        a: timeline(first: $n, after: $after) { totalCount }
        b: timeline(first: 2) { totalCount }
        c: timeline(first: $missing) { totalCount } } } }"""
    nodes = selection_of(document, {"n": 5, "after": "abc"}).nodes()
    assert nodes.arguments("timeline") == [{"first": 5, "after": "abc"}, {"first": 2}, {}]
    assert nodes.arguments("number") == []
