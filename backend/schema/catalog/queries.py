"""Catalog queries: open to everyone; applicants and visitors see published items only."""

from __future__ import annotations

import strawberry

from backend.schema.catalog.types import (
    CATEGORY_NEEDS,
    CategoryType,
    ServiceItemType,
    categories_by_ids,
    category_connection,
    first_item,
    item_connection,
    items_by_ids,
    items_wanted,
)
from backend.schema.context import context_of
from backend.schema.loading import Selection
from backend.schema.relay import BadRequest, Connection, decode_id_of
from backend.services.catalog import catalog, pins, popularity


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="Categories in their order.")
    async def categories(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[CategoryType]:
        return await category_connection(info, first, after)

    @strawberry.field(description="One category; null when unknown.")
    async def category(self, info: strawberry.Info, id: strawberry.ID) -> CategoryType | None:
        pk = decode_id_of(id, "Category")
        if pk is None:
            return None
        wanted = CATEGORY_NEEDS.wanted(Selection.of(info))
        return (await categories_by_ids(context_of(info).actor, [pk], wanted)).get(pk)

    @strawberry.field(
        description=(
            "Items in their order, optionally of one category, matching every word of `search` "
            "in their names, summaries or descriptions (either language, any case)."
        )
    )
    async def service_items(
        self,
        info: strawberry.Info,
        category_id: strawberry.ID | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
        include_unpublished: bool = False,
    ) -> Connection[ServiceItemType]:
        actor = context_of(info).actor
        query = catalog.search(catalog.items_visible_to(actor, include_unpublished), search)
        if category_id is not None:
            query = query.filter(category_id=decode_id_of(category_id, "Category") or -1)
        return await item_connection(info, query, first, after)

    @strawberry.field(description="One item; null when unknown or not visible.")
    async def service_item(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> ServiceItemType | None:
        pk = decode_id_of(id, "ServiceItem")
        if pk is None:
            return None
        wanted = items_wanted(Selection.of(info))
        return (await items_by_ids(context_of(info).actor, [pk], wanted)).get(pk)

    @strawberry.field(description="An item by its category's name and its own, in either language.")
    async def service_item_by_name(
        self, info: strawberry.Info, category: str, name: str
    ) -> ServiceItemType | None:
        actor = context_of(info).actor
        query = catalog.items_named(actor, category, name)
        if query is None:
            return None
        return await first_item(actor, query, items_wanted(Selection.of(info)))

    @strawberry.field(
        description="The most applied-for items of the last 90 days (ties by name), at most 20."
    )
    async def popular_service_items(
        self, info: strawberry.Info, limit: int = 6
    ) -> list[ServiceItemType]:
        if not 1 <= limit <= popularity.MOST:
            raise BadRequest(f"`limit` must be between 1 and {popularity.MOST}.", "BAD_LIMIT")
        actor = context_of(info).actor
        ranked = [item.id for item, _ in await popularity.popular_items(actor, limit)]
        found = await items_by_ids(actor, ranked, items_wanted(Selection.of(info)))
        return [found[pk] for pk in ranked if pk in found]

    @strawberry.field(description="The viewer's own board of pinned items, in their order.")
    async def pinned_service_items(self, info: strawberry.Info) -> list[ServiceItemType]:
        actor = context_of(info).actor
        board = [item.id for item in await pins.board(actor)]
        found = await items_by_ids(actor, board, items_wanted(Selection.of(info)))
        return [found[pk] for pk in board if pk in found]
