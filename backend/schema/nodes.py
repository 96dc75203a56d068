"""`Node` and the registry `node(id)` and `nodes(ids)` resolve through.

Each domain registers a loader that returns only what the actor may see, so a foreign or
unknown id is answered the same way: null.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry

from backend.schema.loading import Selection
from backend.schema.relay import encode_global_id
from backend.services.core.actors import Actor


@strawberry.interface(description="An object with an opaque global id.")
class Node:
    id: strawberry.ID


NodeLoader = Callable[[Actor, Sequence[int]], Awaitable[dict[int, Any]]]
_loaders: dict[str, tuple[NodeLoader, str | None]] = {}


def register(type_name: str, loader: NodeLoader, scope: str | None) -> None:
    """`loader` maps visible primary keys to schema objects; `scope` is what a token needs."""
    _loaders[type_name] = (loader, scope)


def lookup(type_name: str) -> tuple[NodeLoader, str | None] | None:
    return _loaders.get(type_name)


def global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_global_id(type_name, pk))


# A loader that reads only what the query selects on the object (the fields under `node`).
SelectingLoader = Callable[[Actor, Sequence[int], Selection], Awaitable[dict[int, Any]]]
_selecting: dict[str, SelectingLoader] = {}


def register_selecting(type_name: str, loader: SelectingLoader) -> None:
    """Lets `node(id)` load a registered type through `loader`, with the query's selection."""
    _selecting[type_name] = loader


def lookup_selecting(type_name: str) -> SelectingLoader | None:
    return _selecting.get(type_name)
