"""The premises register: buildings, floors, units and who holds them; staff read, admins write."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry

from backend.models.enterprises import Building as BuildingModel
from backend.models.enterprises import Floor as FloorModel
from backend.models.enterprises import PremisesBinding as BindingModel
from backend.schema.context import context_of
from backend.schema.enterprises.errors import PremisesError
from backend.schema.enterprises.types import PremisesBindingType
from backend.schema.errors import run_mutation
from backend.schema.idempotency import idempotency_key
from backend.schema.nodes import Node, global_id, register
from backend.schema.relay import Connection, connection, fetch_page, input_pk
from backend.services.core.actors import Actor
from backend.services.enterprises import premises
from backend.services.enterprises.policies import can_view_premises


@strawberry.type(name="Unit", description="A rentable unit on a floor.")
class UnitType:
    id: strawberry.ID
    label: str
    area_m2: Decimal | None
    current_binding: PremisesBindingType | None


@strawberry.type(name="Floor")
class FloorType:
    id: strawberry.ID
    label: str
    position: int
    units: list[UnitType]


@strawberry.type(name="Building", description="A building of the park, with its floors.")
class BuildingType(Node):
    name: str
    address: str
    floors: list[FloorType]


async def buildings_as_types(buildings: Sequence[BuildingModel]) -> list[BuildingType]:
    """Buildings with floors, units and open bindings: three queries, whatever the count."""
    loaded = await premises.load_register([b.id for b in buildings])
    result = []
    for building in buildings:
        floors = []
        for floor in loaded.floors[building.id]:
            units = []
            for unit in loaded.units[floor.id]:
                binding = loaded.open_bindings.get(unit.id)
                current = (
                    PremisesBindingType.of(
                        binding, unit, building.name, floor.label, binding.enterprise.name
                    )
                    if binding
                    else None
                )
                units.append(
                    UnitType(
                        id=global_id("Unit", unit.id),
                        label=unit.label,
                        area_m2=unit.area_m2,
                        current_binding=current,
                    )
                )
            floors.append(
                FloorType(
                    id=global_id("Floor", floor.id),
                    label=floor.label,
                    position=floor.position,
                    units=units,
                )
            )
        result.append(
            BuildingType(
                id=global_id("Building", building.id),
                name=building.name,
                address=building.address,
                floors=floors,
            )
        )
    return result


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    if not can_view_premises(actor):
        return {}
    rows = await BuildingModel.filter(id__in=list(pks))
    return {b.id: t for b, t in zip(rows, await buildings_as_types(rows), strict=True)}


register("Building", _load, "premises:read")


@strawberry.type
class PremisesQueries:
    @strawberry.field(description="The premises register by building name; staff only.")
    async def buildings(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[BuildingType]:
        actor = context_of(info).actor
        query = BuildingModel.all() if can_view_premises(actor) else BuildingModel.filter(id=-1)
        page = await fetch_page(query, first=first, after=after, order=("name", "id"))
        types = await buildings_as_types(page.rows)
        by_id = {b.id: t for b, t in zip(page.rows, types, strict=True)}
        return connection(page, lambda b: by_id[b.id], query)


@strawberry.input
class CreateBuildingInput:
    name: str
    address: str = ""
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class CreateFloorInput:
    building_id: strawberry.ID
    label: str
    position: int = 0
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class CreateUnitInput:
    floor_id: strawberry.ID
    label: str
    area_m2: Decimal | None = None
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class BindPremisesInput:
    unit_id: strawberry.ID
    enterprise_id: strawberry.ID
    starts_on: date


@strawberry.input
class EndPremisesBindingInput:
    binding_id: strawberry.ID
    ends_on: date


@strawberry.type
class BuildingPayload:
    building: BuildingType | None
    user_errors: list[PremisesError]


@strawberry.type
class PremisesBindingPayload:
    binding: PremisesBindingType | None
    user_errors: list[PremisesError]


def _failed_building(errors: list[PremisesError]) -> BuildingPayload:
    return BuildingPayload(building=None, user_errors=errors)


def _failed_binding(errors: list[PremisesError]) -> PremisesBindingPayload:
    return PremisesBindingPayload(binding=None, user_errors=errors)


async def _building_payload(building_id: int) -> BuildingPayload:
    building = await BuildingModel.get(id=building_id)
    return BuildingPayload(building=(await buildings_as_types([building]))[0], user_errors=[])


async def _binding(change: Awaitable[BindingModel]) -> PremisesBindingType:
    binding = await change
    loaded = await BindingModel.get(id=binding.id).select_related(
        "unit__floor__building", "enterprise"
    )
    return PremisesBindingType.loaded(loaded)


@strawberry.type
class PremisesMutations:
    @strawberry.mutation(description="Adds a building to the register; admins only.")
    async def create_building(
        self, info: strawberry.Info, input: CreateBuildingInput
    ) -> BuildingPayload:
        actor = context_of(info).actor

        async def change() -> BuildingPayload:
            building = await premises.create_building(
                actor, input.name, input.address, input.idempotency_key
            )
            return await _building_payload(building.id)

        return await run_mutation(info, PremisesError, change, _failed_building)

    @strawberry.mutation(description="Adds a floor to a building; admins only.")
    async def create_floor(self, info: strawberry.Info, input: CreateFloorInput) -> BuildingPayload:
        actor = context_of(info).actor

        async def change() -> BuildingPayload:
            pk = input_pk(input.building_id, "Building", "buildingId")
            floor = await premises.create_floor(
                actor, pk, input.label, input.position, input.idempotency_key
            )
            return await _building_payload(floor.building_id)

        return await run_mutation(info, PremisesError, change, _failed_building)

    @strawberry.mutation(description="Adds a unit to a floor; admins only.")
    async def create_unit(self, info: strawberry.Info, input: CreateUnitInput) -> BuildingPayload:
        actor = context_of(info).actor

        async def change() -> BuildingPayload:
            pk = input_pk(input.floor_id, "Floor", "floorId")
            unit = await premises.create_unit(
                actor, pk, input.label, input.area_m2, input.idempotency_key
            )
            floor = await FloorModel.get(id=unit.floor_id)
            return await _building_payload(floor.building_id)

        return await run_mutation(info, PremisesError, change, _failed_building)

    @strawberry.mutation(description="Binds a unit to a verified enterprise; admins only.")
    async def bind_premises(
        self, info: strawberry.Info, input: BindPremisesInput
    ) -> PremisesBindingPayload:
        actor = context_of(info).actor

        async def change() -> PremisesBindingPayload:
            unit = input_pk(input.unit_id, "Unit", "unitId")
            enterprise = input_pk(input.enterprise_id, "Enterprise", "enterpriseId")
            binding = await _binding(premises.bind(actor, unit, enterprise, input.starts_on))
            return PremisesBindingPayload(binding=binding, user_errors=[])

        return await run_mutation(info, PremisesError, change, _failed_binding)

    @strawberry.mutation(description="Ends a binding on a date, keeping it as history.")
    async def end_premises_binding(
        self, info: strawberry.Info, input: EndPremisesBindingInput
    ) -> PremisesBindingPayload:
        actor = context_of(info).actor

        async def change() -> PremisesBindingPayload:
            pk = input_pk(input.binding_id, "PremisesBinding", "bindingId")
            binding = await _binding(premises.end_binding(actor, pk, input.ends_on))
            return PremisesBindingPayload(binding=binding, user_errors=[])

        return await run_mutation(info, PremisesError, change, _failed_binding)
