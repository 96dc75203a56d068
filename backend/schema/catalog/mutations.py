"""Catalog mutations: admins define categories and items; anyone signed in keeps a board."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from backend.models.catalog import Category as CategoryModel
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.schema.catalog.errors import CatalogError
from backend.schema.catalog.inputs import (
    CreateCategoryInput,
    CreateServiceItemInput,
    PinServiceItemInput,
    ServiceItemChangeInput,
    UnpinServiceItemInput,
    UpdateCategoryInput,
    UpdateServiceItemInput,
)
from backend.schema.catalog.types import (
    CATEGORY_NEEDS,
    CategoryType,
    ServiceItemType,
    category_of_model,
    items_by_ids,
    items_wanted,
)
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.loading import Selection
from backend.schema.relay import input_pk, optional_input_pk
from backend.services.catalog import catalog, pins
from backend.services.core.actors import Actor


@strawberry.type
class CategoryPayload:
    category: CategoryType | None
    user_errors: list[CatalogError]


@strawberry.type
class ServiceItemPayload:
    service_item: ServiceItemType | None
    user_errors: list[CatalogError]


@strawberry.type
class PinnedServiceItemsPayload:
    pinned_service_items: list[ServiceItemType] | None
    user_errors: list[CatalogError]


async def _category(
    info: strawberry.Info, change: Callable[[Actor], Awaitable[CategoryModel]]
) -> CategoryPayload:
    context = context_of(info)

    async def done() -> CategoryPayload:
        row = await change(context.actor)
        wanted = CATEGORY_NEEDS.wanted(Selection.of(info).under("category"))
        category = await category_of_model(context.actor, row, wanted)
        return CategoryPayload(category=category, user_errors=[])

    return await run_mutation(
        info, CatalogError, done, lambda errors: CategoryPayload(category=None, user_errors=errors)
    )


async def _item(
    info: strawberry.Info, change: Callable[[Actor], Awaitable[ServiceItemModel]]
) -> ServiceItemPayload:
    actor = context_of(info).actor

    async def done() -> ServiceItemPayload:
        row = await change(actor)
        wanted = items_wanted(Selection.of(info).under("serviceItem"))
        found = await items_by_ids(actor, [row.id], wanted)
        return ServiceItemPayload(service_item=found[row.id], user_errors=[])

    return await run_mutation(
        info,
        CatalogError,
        done,
        lambda errors: ServiceItemPayload(service_item=None, user_errors=errors),
    )


async def _board(
    info: strawberry.Info, change: Callable[[Actor], Awaitable[list[ServiceItemModel]]]
) -> PinnedServiceItemsPayload:
    actor = context_of(info).actor

    async def done() -> PinnedServiceItemsPayload:
        board = [item.id for item in await change(actor)]
        wanted = items_wanted(Selection.of(info).under("pinnedServiceItems"))
        found = await items_by_ids(actor, board, wanted)
        return PinnedServiceItemsPayload(
            pinned_service_items=[found[pk] for pk in board if pk in found], user_errors=[]
        )

    return await run_mutation(
        info,
        CatalogError,
        done,
        lambda errors: PinnedServiceItemsPayload(pinned_service_items=None, user_errors=errors),
    )


def _item_pk(value: strawberry.ID) -> int:
    return input_pk(value, "ServiceItem", "serviceItemId")


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(description="Adds a category; admins only.")
    async def create_category(
        self, info: strawberry.Info, input: CreateCategoryInput
    ) -> CategoryPayload:
        return await _category(
            info, lambda a: catalog.create_category(a, input.fields(), input.idempotency_key)
        )

    @strawberry.mutation(description="Changes a category's names, description, order or team.")
    async def update_category(
        self, info: strawberry.Info, input: UpdateCategoryInput
    ) -> CategoryPayload:
        async def change(actor: Actor) -> CategoryModel:
            pk = optional_input_pk(input.category_id, "Category", "categoryId")
            assert pk is not None
            return await catalog.update_category(actor, pk, input.fields(), input.expected_version)

        return await _category(info, change)

    @strawberry.mutation(description="Adds an item as a DRAFT with its version 1; admins only.")
    async def create_service_item(
        self, info: strawberry.Info, input: CreateServiceItemInput
    ) -> ServiceItemPayload:
        async def change(actor: Actor) -> ServiceItemModel:
            pk = optional_input_pk(input.category_id, "Category", "categoryId")
            assert pk is not None
            return await catalog.create_item(actor, pk, input.content(), input.idempotency_key)

        return await _item(info, change)

    @strawberry.mutation(
        description="Writes the item's next version; a published item serves its live version "
        "until published again."
    )
    async def update_service_item(
        self, info: strawberry.Info, input: UpdateServiceItemInput
    ) -> ServiceItemPayload:
        return await _item(
            info,
            lambda a: catalog.update_item(
                a, _item_pk(input.service_item_id), input.content(), input.expected_version
            ),
        )

    @strawberry.mutation(description="Makes the item's latest version the live one.")
    async def publish_service_item(
        self, info: strawberry.Info, input: ServiceItemChangeInput
    ) -> ServiceItemPayload:
        return await _item(
            info,
            lambda a: catalog.publish_item(
                a, _item_pk(input.service_item_id), input.expected_version
            ),
        )

    @strawberry.mutation(description="Hides the item from applicants.")
    async def retire_service_item(
        self, info: strawberry.Info, input: ServiceItemChangeInput
    ) -> ServiceItemPayload:
        return await _item(
            info,
            lambda a: catalog.retire_item(
                a, _item_pk(input.service_item_id), input.expected_version
            ),
        )

    @strawberry.mutation(description="Puts an item on the viewer's board (again: moves it).")
    async def pin_service_item(
        self, info: strawberry.Info, input: PinServiceItemInput
    ) -> PinnedServiceItemsPayload:
        return await _board(
            info, lambda a: pins.pin(a, _item_pk(input.service_item_id), input.position)
        )

    @strawberry.mutation(description="Takes an item off the viewer's board.")
    async def unpin_service_item(
        self, info: strawberry.Info, input: UnpinServiceItemInput
    ) -> PinnedServiceItemsPayload:
        return await _board(info, lambda a: pins.unpin(a, _item_pk(input.service_item_id)))
