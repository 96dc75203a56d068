"""`supplyOwedMaterial` and `reviewOwedMaterial`: owed materials (容缺) handed in and reviewed."""

from __future__ import annotations

from datetime import date

import strawberry

from backend.models.orders import Order as OrderModel
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.schema.orders.errors import OrderError
from backend.schema.orders.loading import payload_order
from backend.schema.orders.owed_loading import owed_material_of
from backend.schema.orders.owed_types import OrderOwedMaterialType
from backend.schema.orders.types import OrderType
from backend.schema.relay import decode_id_of, input_pk
from backend.services.orders import owed

strawberry.enum(
    owed.Review,
    name="OwedMaterialReview",
    description="ACCEPT a supplied material, or RETURN it with a reason.",
)


@strawberry.input
class SupplyOwedMaterialInput:
    owed_material_id: strawberry.ID
    file_id: strawberry.ID = strawberry.field(
        description="The upload (purpose ATTACHMENT with the item and the kind, or "
        "ORDER_ATTACHMENT); checked as a material of its kind is on submit."
    )
    expires_on: date | None = strawberry.field(
        default=None, description="Until when it is valid, for a kind that asks."
    )


@strawberry.input
class ReviewOwedMaterialInput:
    owed_material_id: strawberry.ID
    decision: owed.Review
    reason: str = strawberry.field(default="", description="Required to return it.")


@strawberry.type
class OwedMaterialPayload:
    owed_material: OrderOwedMaterialType | None
    order: OrderType | None
    user_errors: list[OrderError]


def _failed(errors: list[OrderError]) -> OwedMaterialPayload:
    return OwedMaterialPayload(owed_material=None, order=None, user_errors=errors)


async def _payload(info: strawberry.Info, application_id: int, owed_id: int) -> OwedMaterialPayload:
    """The material as its order shows it (the service checked the viewer may see the order)."""
    (order,) = await OrderModel.filter(application_id=application_id).values(
        "id", "application_id", "item_version_id"
    )
    return OwedMaterialPayload(
        owed_material=await owed_material_of(context_of(info).actor, order, owed_id),
        order=await payload_order(info, order["id"]),
        user_errors=[],
    )


@strawberry.type
class OwedMaterialMutations:
    @strawberry.mutation(
        description="A member of the applicant's enterprise hands in an owed material (again, "
        "after a return)."
    )
    async def supply_owed_material(
        self, info: strawberry.Info, input: SupplyOwedMaterialInput
    ) -> OwedMaterialPayload:
        context = context_of(info)

        async def change() -> OwedMaterialPayload:
            supplied = await owed.supply(
                context.actor,
                input_pk(input.owed_material_id, "OwedMaterial", "owedMaterialId"),
                decode_id_of(input.file_id, "File"),
                input.expires_on,
                timezone=context.settings.timezone,
            )
            return await _payload(info, supplied.application_id, supplied.id)

        return await run_mutation(info, OrderError, change, _failed)

    @strawberry.mutation(
        description="The order's handler or the desk (an auditor) accepts a supplied owed "
        "material, or returns it with a reason."
    )
    async def review_owed_material(
        self, info: strawberry.Info, input: ReviewOwedMaterialInput
    ) -> OwedMaterialPayload:
        context = context_of(info)

        async def change() -> OwedMaterialPayload:
            reviewed = await owed.review(
                context.actor,
                input_pk(input.owed_material_id, "OwedMaterial", "owedMaterialId"),
                input.decision,
                input.reason,
            )
            return await _payload(info, reviewed.application_id, reviewed.id)

        return await run_mutation(info, OrderError, change, _failed)
