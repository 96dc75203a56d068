"""The shared selection reader: one level down, through fragments, never matching deeper names."""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from backend.schema.loading import FieldNeeds, Needs, Selection, in_language


class Load(Enum):
    EVENTS = "events"


TABLE: FieldNeeds[Load] = FieldNeeds(
    always=("id",),
    fields={
        "number": Needs(columns=("number",)),
        "enterprise": Needs(columns=("enterprise_id", "enterprise__name")),
        "timeline": Needs(follow_ups=(Load.EVENTS,)),
    },
)


def selection_of(document: str) -> Selection:
    definitions = parse(document).definitions
    operation = next(d for d in definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    field_node = operation.selection_set.selections[0]
    info: Any = type(
        "Info", (), {"field_nodes": [field_node], "fragments": fragments, "variable_values": {}}
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
