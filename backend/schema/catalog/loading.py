"""Catalog rows as plain dicts: the columns a selection needs, and its follow-ups in bulk.

What each GraphQL field needs is declared next to its type (`types.ITEM_NEEDS`,
`types.CATEGORY_NEEDS`); this module runs those needs. It builds no schema object of the
catalog's own, so the types import it and never the other way round.

An item's content lives in its versions, and which version a viewer sees depends on who they
are: admins see the latest (the one they edit), everyone else the live one. The tables name
the version's columns under `SHOWN` (`shown__name_zh`); a row has them under that name, read
from whichever version the viewer sees, joined into the page query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from tortoise.expressions import RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.models.accounts import Team as TeamModel
from backend.models.accounts import User as UserModel
from backend.models.catalog import ItemVersionProvider
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.models.catalog import ServiceItemVersion as VersionModel
from backend.schema.accounts.types import UserType, users_as_types
from backend.schema.nodes import global_id
from backend.schema.relay import decode_cursor, encode_cursor, page_size, rows_after
from backend.schema.teams.types import TeamType, teams_as_types
from backend.services.catalog.policies import can_manage_catalog
from backend.services.core.actors import Actor
from backend.services.teams.policies import can_view_teams

# Items and categories both list in (position, id): the keyset of their cursors.
ORDER = ("position", "id")
ORDER_KINDS = (int, int)
SHOWN = "shown__"
# The item's own category column; the category's other columns are joined under this prefix.
CATEGORY = "category__"

Row = dict[str, Any]
M = TypeVar("M", bound=Model)


class ItemLoad(Enum):
    """What an item list may load after its page, each in bulk for the whole page."""

    TEAMS = "teams"  # the item's handling team (its own, else its category's); staff only
    CATEGORY_TEAMS = "category_teams"  # its category's team; staff only
    VERSIONS = "versions"  # every version with its author; admins only
    PROVIDERS = "providers"  # the providers serving the version shown, in the admin's order


class CategoryLoad(Enum):
    TEAM = "team"  # the category's team; staff only


def _version_path(admin: bool, column: str) -> str:
    return ("versions__" if admin else "live_version__") + column[len(SHOWN) :]


async def item_rows(
    actor: Actor, query: QuerySet[ServiceItemModel], columns: Iterable[str]
) -> list[Row]:
    """`query`'s items as rows of `columns`, the version the viewer sees joined in."""
    admin = can_manage_catalog(actor)
    paths = {
        column: _version_path(admin, column) if column.startswith(SHOWN) else column
        for column in columns
    }
    if admin and any(column.startswith(SHOWN) for column in paths):
        # The latest version is the one numbered as the item says: one row per item. The
        # item's column is named with its table so that no other join can take the name.
        table = ServiceItemModel._meta.db_table
        query = query.filter(versions__number=RawSQL(f'"{table}"."latest_number"'))
    return list(await query.values(**paths))


@dataclass(frozen=True)
class RowPage:
    rows: list[Row]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def start_of(after: str | None) -> tuple[int, int] | None:
    """The (position, id) a cursor stands at (BAD_CURSOR if it is not one of ours)."""
    if not after:
        return None
    position, pk = decode_cursor(after, ORDER_KINDS)
    return int(position), int(pk)


def cursor_of(row: Row) -> str:
    return encode_cursor([row["position"], row["id"]])


async def keyset_page(
    query: QuerySet[M],
    fetch: Callable[[QuerySet[M]], Awaitable[list[Row]]],
    *,
    first: int | None,
    after: str | None,
) -> RowPage:
    """One page of `query` in (position, id) order, as the rows `fetch` reads: one statement."""
    size = page_size(first)
    start = start_of(after)
    if start is not None:
        query = query.filter(rows_after(ORDER, start))
    rows = await fetch(query.order_by(*ORDER).limit(size + 1))
    page = rows[:size]
    return RowPage(page, [cursor_of(r) for r in page], len(rows) > size, after is not None)


async def teams_by_id(actor: Actor, ids: Iterable[int | None]) -> dict[int, TeamType]:
    """Teams with their members, for staff; nobody else sees who handles an item."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted or not can_view_teams(actor):
        return {}
    rows = await TeamModel.filter(id__in=wanted)
    return {t.id: shown for t, shown in zip(rows, await teams_as_types(rows), strict=True)}


@dataclass(frozen=True)
class VersionRow:
    id: int
    item_id: int
    number: int
    created_at: datetime
    created_by: UserType | None


async def histories(item_ids: Sequence[int]) -> dict[int, list[VersionRow]]:
    """Every version of each item, newest first, with who wrote it."""
    history: dict[int, list[VersionRow]] = {pk: [] for pk in item_ids}
    if not item_ids:
        return history
    versions = (
        await VersionModel.filter(item_id__in=list(history))
        .order_by("-number")
        .values("id", "item_id", "number", "created_at", "created_by_id")
    )
    author_ids = sorted({v["created_by_id"] for v in versions if v["created_by_id"] is not None})
    authors = (
        {u._model.id: u for u in await users_as_types(await UserModel.filter(id__in=author_ids))}
        if author_ids
        else {}
    )
    for v in versions:
        history[v["item_id"]].append(
            VersionRow(
                id=v["id"],
                item_id=v["item_id"],
                number=v["number"],
                created_at=v["created_at"],
                created_by=authors.get(v["created_by_id"]),
            )
        )
    return history


@strawberry.type(
    name="ServiceItemProvider",
    description="A provider serving an item: the enterprise may choose it when applying.",
)
class ServiceItemProviderType:
    id: strawberry.ID
    name: str
    description: str
    primary: bool = strawberry.field(description="The item's primary provider (`providerId`).")


async def providers_serving(version_ids: Iterable[int]) -> dict[int, list[ServiceItemProviderType]]:
    """The providers of each version, the primary first: one statement for the page."""
    wanted = sorted(set(version_ids))
    found: dict[int, list[ServiceItemProviderType]] = {pk: [] for pk in wanted}
    if not wanted:
        return found
    rows = (
        await ItemVersionProvider.filter(item_version_id__in=wanted)
        .order_by("item_version_id", "position", "id")
        .values("item_version_id", "provider_id", "position", "provider__name",
                "provider__description")
    )  # fmt: skip
    for r in rows:
        found[r["item_version_id"]].append(
            ServiceItemProviderType(
                id=global_id("Provider", r["provider_id"]),
                name=r["provider__name"],
                description=r["provider__description"],
                primary=r["position"] == 0,
            )
        )
    return found


@dataclass(frozen=True)
class ItemFollowUps:
    """What a page of items needs besides its rows, loaded once for the page."""

    teams: dict[int, TeamType]
    histories: dict[int, list[VersionRow]] | None  # None: not asked for, or not an admin
    providers: dict[int, list[ServiceItemProviderType]] | None = None  # by version id


async def item_follow_ups(
    actor: Actor, rows: Sequence[Row], follow_ups: frozenset[ItemLoad]
) -> ItemFollowUps:
    team_ids: set[int | None] = set()
    if ItemLoad.TEAMS in follow_ups:
        team_ids |= {r[f"{SHOWN}team_id"] or r[f"{CATEGORY}team_id"] for r in rows}
    if ItemLoad.CATEGORY_TEAMS in follow_ups:
        team_ids |= {r[f"{CATEGORY}team_id"] for r in rows}
    history = None
    if ItemLoad.VERSIONS in follow_ups and can_manage_catalog(actor):
        history = await histories([r["id"] for r in rows])
    providers = None
    if ItemLoad.PROVIDERS in follow_ups:
        providers = await providers_serving(
            r[f"{SHOWN}id"] for r in rows if r.get(f"{SHOWN}id") is not None
        )
    return ItemFollowUps(await teams_by_id(actor, team_ids), history, providers)
