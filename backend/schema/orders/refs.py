"""How an order names the people and things around it: an id and a name."""

from __future__ import annotations

from typing import Any

import strawberry

from backend.schema.nodes import global_id


@strawberry.type(description="Another object as an order shows it: its id and its name.")
class NamedRef:
    id: strawberry.ID
    name: str


def user_ref(user_id: Any, name: str) -> NamedRef:
    return NamedRef(id=global_id("User", int(user_id)), name=name)
