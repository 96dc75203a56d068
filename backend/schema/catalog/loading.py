"""Loading a page of items: what the selection asks for, in bulk, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from backend.models.accounts import Team as TeamModel
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.schema.catalog.types import ServiceItemType, items_as_types
from backend.schema.context import context_of
from backend.schema.relay import (
    Connection,
    Edge,
    PageInfo,
    decode_cursor,
    encode_cursor,
    page_size,
)
from backend.schema.teams.types import TeamType, teams_as_types
from backend.services.catalog import catalog
from backend.services.core.actors import Actor
from backend.services.teams.policies import can_view_teams

ORDER = ("position", "id")


def selects(info: strawberry.Info, name: str) -> bool:
    """Whether the current field's selection asks for a field called `name`, at any depth."""
    pending: list[Any] = list(info.selected_fields)
    while pending:
        selection = pending.pop()
        if getattr(selection, "name", None) == name:
            return True
        pending.extend(getattr(selection, "selections", None) or [])
    return False


async def as_types(
    info: strawberry.Info, actor: Actor, rows: Sequence[ServiceItemModel]
) -> list[ServiceItemType]:
    """`rows` as schema objects, loading teams and histories only when selected."""
    return await items_as_types(
        actor,
        rows,
        with_teams=selects(info, "handlingTeam"),
        with_versions=selects(info, "versions"),
    )


# (category id, include unpublished, with teams, with versions)
Key = tuple[int, bool, bool, bool]


def _loader(
    info: strawberry.Info,
) -> DataLoader[Key, list[tuple[ServiceItemModel, ServiceItemType]]]:
    context = context_of(info)
    actor = context.actor

    async def load(keys: list[Key]) -> list[list[tuple[ServiceItemModel, ServiceItemType]]]:
        groups: dict[tuple[bool, bool, bool], list[int]] = defaultdict(list)
        for category_id, *flags in keys:
            groups[(flags[0], flags[1], flags[2])].append(category_id)
        found: dict[Key, list[tuple[ServiceItemModel, ServiceItemType]]] = defaultdict(list)
        for (include, teams, versions), category_ids in groups.items():
            rows = (
                await catalog.items_visible_to(actor, include)
                .filter(category_id__in=category_ids)
                .order_by(*ORDER)
            )
            types = await items_as_types(actor, rows, with_teams=teams, with_versions=versions)
            for row, item_type in zip(rows, types, strict=True):
                key = (row.category_id, include, teams, versions)
                found[key].append((row, item_type))
        return [found[key] for key in keys]

    loader = context.loaders.get("catalog.category_items")
    if loader is None:
        loader = context.loaders["catalog.category_items"] = DataLoader(load_fn=load)
    return loader


async def category_items(
    info: strawberry.Info,
    category_id: int,
    first: int | None,
    after: str | None,
    include_unpublished: bool,
) -> Connection[ServiceItemType]:
    """A category's items, one page: every category of a list is loaded in one batch.

    A category holds tens of items, so the batch loads them all and pages here, with the same
    opaque keyset cursors as every other list.
    """
    size = page_size(first)
    key = (
        category_id,
        include_unpublished,
        selects(info, "handlingTeam"),
        selects(info, "versions"),
    )
    rows = all_rows = await _loader(info).load(key)
    if after:
        start = tuple(decode_cursor(after, [int, int]))
        rows = [r for r in rows if (r[0].position, r[0].id) > start]
    page = rows[: size + 1]
    cursors = [encode_cursor([row.position, row.id]) for row, _ in page[:size]]

    async def count() -> int:
        return len(all_rows)

    return Connection(
        edges=[Edge(cursor=c, node=t) for c, (_, t) in zip(cursors, page, strict=False)],
        page_info=PageInfo(
            has_next_page=len(page) > size,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        _count=count,
    )


async def category_team(info: strawberry.Info, team_id: int | None) -> TeamType | None:
    """A category's team, for staff: the teams of every category of a list in one batch."""
    context = context_of(info)
    if team_id is None or not can_view_teams(context.actor):
        return None
    loader = context.loaders.get("catalog.category_team")
    if loader is None:

        async def load(keys: list[int]) -> list[TeamType | None]:
            rows = await TeamModel.filter(id__in=set(keys))
            found = dict(zip((t.id for t in rows), await teams_as_types(rows), strict=True))
            return [found.get(key) for key in keys]

        loader = context.loaders["catalog.category_team"] = DataLoader(load_fn=load)
    team: TeamType | None = await loader.load(team_id)
    return team
