"""The park's premises register (buildings, floors, units) and which enterprise holds each unit.

A binding is history: ending one sets its end date and clears `open_unit_id`, whose unique
index lets a unit have one open binding at a time, even when two admins bind it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.i18n import N_
from backend.models.enterprises import (
    Building,
    Enterprise,
    EnterpriseStatus,
    Floor,
    PremisesBinding,
    Unit,
)
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    PermissionDenied,
    Problems,
    ServiceError,
    register_messages,
)
from backend.services.core.transactions import in_transaction
from backend.services.enterprises.policies import can_manage_premises

register_messages(
    {
        "UNIT_TAKEN": N_(
            "This unit is already held by another enterprise; end that binding first."
        ),
        "BINDING_ENDED": N_("This binding has already ended."),
        "ENDS_BEFORE_START": N_("The end date cannot be before the start date, {starts_on}."),
        "OVERLAPS_PREVIOUS": N_("The unit was held until {ends_on}; start on or after that day."),
        "LABEL_TAKEN": N_("This label is already used here."),
        "NOT_POSITIVE": N_("Enter a number greater than zero."),
    }
)


def _require_admin(actor: Actor) -> None:
    require_user(actor)
    if not can_manage_premises(actor):
        raise PermissionDenied()


def _label(problems: Problems, field_name: str, value: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        problems.add(field_name, "REQUIRED")
    elif len(cleaned) > limit:
        problems.add(field_name, "TOO_LONG", max=limit)
    return cleaned


async def create_building(
    actor: Actor, name: str, address: str, idempotency_key: str | None = None
) -> Building:
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createBuilding", Building)
    if claim.first is not None:
        return claim.first
    try:
        problems = Problems()
        cleaned = _label(problems, "name", name, 100)
        if len(address.strip()) > 300:
            problems.add("address", "TOO_LONG", max=300)
        if cleaned and await Building.filter(name=cleaned).exists():
            problems.add("name", "NAME_TAKEN")
        problems.raise_if_any()
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Building:
        building = await Building.create(name=cleaned, address=address.strip(), using_db=conn)
        await events.record(conn, actor, "building", building.id, "BUILDING_CREATED")
        return building

    building, _ = await claim.run(write, conflict=lambda: Invalid.at("name", "NAME_TAKEN"))
    return building


async def create_floor(
    actor: Actor, building_id: int, label: str, position: int, idempotency_key: str | None = None
) -> Floor:
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createFloor", Floor)
    if claim.first is not None:
        return claim.first
    try:
        problems = Problems()
        cleaned = _label(problems, "label", label, 20)
        if not await Building.filter(id=building_id).exists():
            problems.add("buildingId", "NOT_FOUND")
        elif cleaned and await Floor.filter(building_id=building_id, label=cleaned).exists():
            problems.add("label", "LABEL_TAKEN")
        problems.raise_if_any()
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Floor:
        floor = await Floor.create(
            building_id=building_id, label=cleaned, position=position, using_db=conn
        )
        await events.record(
            conn, actor, "floor", floor.id, "FLOOR_CREATED", {"buildingId": building_id}
        )
        return floor

    floor, _ = await claim.run(write, conflict=lambda: Invalid.at("label", "LABEL_TAKEN"))
    return floor


async def create_unit(
    actor: Actor,
    floor_id: int,
    label: str,
    area_m2: Decimal | None,
    idempotency_key: str | None = None,
) -> Unit:
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createUnit", Unit)
    if claim.first is not None:
        return claim.first
    try:
        problems = Problems()
        cleaned = _label(problems, "label", label, 20)
        if area_m2 is not None and (area_m2 <= 0 or area_m2 >= Decimal("1e8")):
            problems.add("areaM2", "NOT_POSITIVE")
        if not await Floor.filter(id=floor_id).exists():
            problems.add("floorId", "NOT_FOUND")
        elif cleaned and await Unit.filter(floor_id=floor_id, label=cleaned).exists():
            problems.add("label", "LABEL_TAKEN")
        problems.raise_if_any()
        area = area_m2.quantize(Decimal("0.01")) if area_m2 is not None else None
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Unit:
        unit = await Unit.create(floor_id=floor_id, label=cleaned, area_m2=area, using_db=conn)
        await events.record(conn, actor, "unit", unit.id, "UNIT_CREATED", {"floorId": floor_id})
        return unit

    unit, _ = await claim.run(write, conflict=lambda: Invalid.at("label", "LABEL_TAKEN"))
    return unit


async def bind(actor: Actor, unit_id: int, enterprise_id: int, starts_on: date) -> PremisesBinding:
    """An admin binds a unit to a verified enterprise; a unit has one holder at a time."""
    _require_admin(actor)
    problems = Problems()
    unit = await Unit.get_or_none(id=unit_id)
    enterprise = await Enterprise.get_or_none(id=enterprise_id)
    if unit is None:
        problems.add("unitId", "NOT_FOUND")
    elif await PremisesBinding.filter(open_unit_id=unit_id).exists():
        problems.add("unitId", "UNIT_TAKEN")
    else:
        last = (
            await PremisesBinding.filter(unit_id=unit_id, ends_on__isnull=False)
            .order_by("-ends_on")
            .first()
        )
        if last is not None and last.ends_on is not None and starts_on < last.ends_on:
            problems.add("startsOn", "OVERLAPS_PREVIOUS", ends_on=last.ends_on.isoformat())
    if enterprise is None:
        problems.add("enterpriseId", "NOT_FOUND")
    elif enterprise.status is not EnterpriseStatus.VERIFIED:
        problems.add("enterpriseId", "NOT_VERIFIED")
    problems.raise_if_any()
    try:
        async with in_transaction() as conn:
            binding = await PremisesBinding.create(
                unit_id=unit_id,
                enterprise_id=enterprise_id,
                starts_on=starts_on,
                open_unit_id=unit_id,
                created_by_id=actor.user_id,
                using_db=conn,
            )
            await events.record(
                conn,
                actor,
                "premises_binding",
                binding.id,
                "PREMISES_BOUND",
                {"unitId": unit_id, "enterpriseId": enterprise_id},
            )
    except IntegrityError as exc:
        # Bound by another admin at the same moment: the unique index decides.
        raise Invalid.at("unitId", "UNIT_TAKEN") from exc
    return binding


async def end_binding(actor: Actor, binding_id: int, ends_on: date) -> PremisesBinding:
    """Ends an open binding on `ends_on`; the row stays as history and the unit is free."""
    _require_admin(actor)
    binding = await PremisesBinding.get_or_none(id=binding_id)
    if binding is None:
        raise Invalid.at("bindingId", "NOT_FOUND")
    if binding.open_unit_id is None:
        raise Invalid.at("bindingId", "BINDING_ENDED")
    if ends_on < binding.starts_on:
        raise Invalid.at("endsOn", "ENDS_BEFORE_START", starts_on=binding.starts_on.isoformat())
    async with in_transaction() as conn:
        ended = (
            await PremisesBinding.filter(id=binding_id, open_unit_id__isnull=False)
            .using_db(conn)
            .update(ends_on=ends_on, open_unit_id=None)
        )
        if not ended:
            raise Invalid.at("bindingId", "BINDING_ENDED")
        await events.record(
            conn,
            actor,
            "premises_binding",
            binding_id,
            "PREMISES_RELEASED",
            {"endsOn": ends_on.isoformat()},
        )
    return await PremisesBinding.get(id=binding_id)


@dataclass(frozen=True)
class Register:
    """Buildings with their floors, units and each unit's open binding, loaded in bulk."""

    floors: dict[int, list[Floor]]
    units: dict[int, list[Unit]]
    open_bindings: dict[int, PremisesBinding]


async def load_register(building_ids: list[int]) -> Register:
    """Three queries, whatever the number of buildings."""
    floors = await Floor.filter(building_id__in=building_ids).order_by("position", "label", "id")
    units = await Unit.filter(floor_id__in=[f.id for f in floors]).order_by("label", "id")
    bindings = await PremisesBinding.filter(open_unit_id__in=[u.id for u in units]).select_related(
        "enterprise"
    )
    by_building: dict[int, list[Floor]] = {pk: [] for pk in building_ids}
    for floor in floors:
        by_building[floor.building_id].append(floor)
    by_floor: dict[int, list[Unit]] = {f.id: [] for f in floors}
    for unit in units:
        by_floor[unit.floor_id].append(unit)
    return Register(by_building, by_floor, {b.unit_id: b for b in bindings})


async def bindings_of(enterprise_ids: list[int]) -> list[PremisesBinding]:
    """Every binding of these enterprises, with unit, floor and building, newest first."""
    return (
        await PremisesBinding.filter(enterprise_id__in=enterprise_ids)
        .select_related("unit__floor__building", "enterprise")
        .order_by("-starts_on", "-id")
    )
