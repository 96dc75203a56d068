"""How an order names the people and things around it: an id and a name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from backend.schema.nodes import global_id


@strawberry.type(description="Another object as an order shows it: its id and its name.")
class NamedRef:
    id: strawberry.ID
    name: str


def user_ref(user_id: Any, name: str) -> NamedRef:
    return NamedRef(id=global_id("User", int(user_id)), name=name)


def person_of(row: Mapping[str, Any], relation: str) -> NamedRef | None:
    """The person a plain row names by `<relation>_id`, with `<relation>__name` joined; None
    when it names nobody."""
    pk = row[f"{relation}_id"]
    return user_ref(pk, row[f"{relation}__name"]) if pk is not None else None
