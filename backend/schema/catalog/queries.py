"""Catalog queries: open to everyone; applicants and visitors see published items only."""

from __future__ import annotations

import strawberry

from backend.models.catalog import Category as CategoryModel
from backend.schema.catalog.loading import ORDER, as_types
from backend.schema.catalog.types import CategoryType, ServiceItemType
from backend.schema.context import context_of
from backend.schema.relay import BadRequest, Connection, connection, decode_id_of, fetch_page
from backend.services.catalog import catalog, pins, popularity


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="Categories in their order.")
    async def categories(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[CategoryType]:
        language = context_of(info).language
        query = CategoryModel.all()
        page = await fetch_page(query, first=first, after=after, order=("position", "id"))
        return connection(page, lambda c: CategoryType.of(c, language), query)

    @strawberry.field(description="One category; null when unknown.")
    async def category(self, info: strawberry.Info, id: strawberry.ID) -> CategoryType | None:
        pk = decode_id_of(id, "Category")
        row = await CategoryModel.get_or_none(id=pk) if pk is not None else None
        return CategoryType.of(row, context_of(info).language) if row else None

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
        page = await fetch_page(query, first=first, after=after, order=ORDER)
        types = dict(
            zip((r.id for r in page.rows), await as_types(info, actor, page.rows), strict=True)
        )
        return connection(page, lambda r: types[r.id], query)

    @strawberry.field(description="One item; null when unknown or not visible.")
    async def service_item(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> ServiceItemType | None:
        actor = context_of(info).actor
        pk = decode_id_of(id, "ServiceItem")
        if pk is None:
            return None
        row = await catalog.items_visible_to(actor, include_unpublished=True).get_or_none(id=pk)
        return (await as_types(info, actor, [row]))[0] if row else None

    @strawberry.field(description="An item by its category's name and its own, in either language.")
    async def service_item_by_name(
        self, info: strawberry.Info, category: str, name: str
    ) -> ServiceItemType | None:
        actor = context_of(info).actor
        row = await catalog.item_by_name(actor, category, name)
        return (await as_types(info, actor, [row]))[0] if row else None

    @strawberry.field(
        description="The most applied-for items of the last 90 days (ties by name), at most 20."
    )
    async def popular_service_items(
        self, info: strawberry.Info, limit: int = 6
    ) -> list[ServiceItemType]:
        if not 1 <= limit <= popularity.MOST:
            raise BadRequest(f"`limit` must be between 1 and {popularity.MOST}.", "BAD_LIMIT")
        actor = context_of(info).actor
        ranked = await popularity.popular_items(actor, limit)
        return await as_types(info, actor, [item for item, _ in ranked])

    @strawberry.field(description="The viewer's own board of pinned items, in their order.")
    async def pinned_service_items(self, info: strawberry.Info) -> list[ServiceItemType]:
        actor = context_of(info).actor
        return await as_types(info, actor, await pins.board(actor))
