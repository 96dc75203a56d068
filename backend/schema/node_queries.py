"""`node(id)` and `nodes(ids)`: any object by its global id, if the viewer may see it."""

from __future__ import annotations

from collections import defaultdict

import strawberry
from graphql import GraphQLError

from backend.schema.context import context_of
from backend.schema.loading import Selection
from backend.schema.nodes import Node, lookup, lookup_selecting
from backend.schema.relay import MAX_PAGE, BadRequest, decode_global_id


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its id; null when unknown or not yours to see.")
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        return (await _resolve(info, [id]))[0]

    @strawberry.field(description="Objects by id, in the order asked; null where not visible.")
    async def nodes(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_PAGE:
            raise BadRequest(f"Ask for at most {MAX_PAGE} ids at once.", "TOO_MANY_IDS")
        return await _resolve(info, ids)


async def _resolve(info: strawberry.Info, ids: list[strawberry.ID]) -> list[Node | None]:
    actor = context_of(info).actor
    wanted = [decode_global_id(str(value)) for value in ids]
    by_type: dict[str, list[int]] = defaultdict(list)
    for type_name, pk in wanted:
        by_type[type_name].append(pk)
    found: dict[tuple[str, int], Node] = {}
    selection = Selection.of(info)
    for type_name, pks in by_type.items():
        entry = lookup(type_name)
        if entry is None:
            continue
        loader, scope = entry
        if actor.scopes is not None and scope is not None and scope not in actor.scopes:
            raise GraphQLError(
                f"This API token may not read {type_name} objects (it needs the scope {scope}).",
                extensions={"code": "FORBIDDEN_SCOPE"},
            )
        selecting = lookup_selecting(type_name)
        loaded = await (selecting(actor, pks, selection) if selecting else loader(actor, pks))
        for pk, node in loaded.items():
            found[(type_name, pk)] = node
    return [found.get(key) for key in wanted]
