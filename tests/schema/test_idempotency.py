"""Idempotency keys on every create: a repeat returns the first result and makes nothing new."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tortoise.models import Model

from backend.models.accounts import Team, User
from backend.models.applications import IdempotencyKey
from backend.models.catalog import Category, ServiceItem
from backend.models.enterprises import Building, Enterprise, Floor, Invitation, Provider, Unit
from tests.conftest import PASSWORD, Api
from tests.schema.catalog_helpers import item_input
from tests.schema.enterprise_helpers import (
    admin_client,
    credit_code,
    registration,
    storage_app,
    uploaded,
    verified,
)
from tests.schema.helpers import signed_in

ERRORS = "userErrors { field code message }"
REUSED_ZH = "此幂等键已用于其他操作。"
QUERIES = {
    "createStaffUser": f"""mutation($input: CreateStaffUserInput!) {{
        createStaffUser(input: $input) {{ user {{ id }} {ERRORS} }} }}""",
    "createTeam": f"""mutation($input: CreateTeamInput!) {{
        createTeam(input: $input) {{ team {{ id }} {ERRORS} }} }}""",
    "registerEnterprise": f"""mutation($input: RegisterEnterpriseInput!) {{
        registerEnterprise(input: $input) {{ enterprise {{ id }} {ERRORS} }} }}""",
    "createBuilding": f"""mutation($input: CreateBuildingInput!) {{
        createBuilding(input: $input) {{ building {{ id }} {ERRORS} }} }}""",
    "createFloor": f"""mutation($input: CreateFloorInput!) {{
        createFloor(input: $input) {{ building {{ id floors {{ id label }} }} {ERRORS} }} }}""",
    "createUnit": f"""mutation($input: CreateUnitInput!) {{ createUnit(input: $input) {{
        building {{ floors {{ units {{ id label }} }} }} {ERRORS} }} }}""",
    "createProvider": f"""mutation($input: CreateProviderInput!) {{
        createProvider(input: $input) {{ provider {{ id }} {ERRORS} }} }}""",
    "createCategory": f"""mutation($input: CreateCategoryInput!) {{
        createCategory(input: $input) {{ category {{ id }} {ERRORS} }} }}""",
    "createServiceItem": f"""mutation($input: CreateServiceItemInput!) {{
        createServiceItem(input: $input) {{ serviceItem {{ id }} {ERRORS} }} }}""",
    "inviteMember": f"""mutation($input: InviteMemberInput!) {{
        inviteMember(input: $input) {{ invitation {{ code }} {ERRORS} }} }}""",
}


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def call(client: Api, mutation: str, input: dict[str, Any]) -> dict[str, Any]:
    return (await client.gql(QUERIES[mutation], {"input": input}))[mutation]


def _codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


@dataclass
class World:
    """Who calls, and what the creates need (ids of a building, floor, category, enterprise)."""

    client: Api
    ids: dict[str, str]


def _floor_id(payload: dict[str, Any], input: dict[str, Any]) -> str:
    floors = payload["building"]["floors"]
    return str(next(f["id"] for f in floors if f["label"] == input["label"]))


def _unit_id(payload: dict[str, Any], input: dict[str, Any]) -> str:
    units = [u for f in payload["building"]["floors"] for u in f["units"]]
    return str(next(u["id"] for u in units if u["label"] == input["label"]))


@dataclass
class Case:
    mutation: str
    model: type[Model]
    input: Callable[[World, int], dict[str, Any]]
    result_id: Callable[[dict[str, Any], dict[str, Any]], str]
    # Another create the same person may make, to spend a key on.
    other: str = "createTeam"


CASES = [
    Case(
        "createStaffUser", User,
        lambda w, n: {"name": "李静", "email": f"staff{n}@example.com", "password": PASSWORD,
                      "roles": ["HANDLER"]},
        lambda p, _: p["user"]["id"],
    ),
    Case(
        "createTeam", Team,
        lambda w, n: {"name": f"企业服务{n}组"},
        lambda p, _: p["team"]["id"],
        other="createBuilding",
    ),
    Case(
        "registerEnterprise", Enterprise,
        lambda w, n: registration(credit_code(100 + n), w.ids["licence"]),
        lambda p, _: p["enterprise"]["id"],
        other="inviteMember",
    ),
    Case(
        "createBuilding", Building,
        lambda w, n: {"name": f"{n}号楼", "address": "园区路 1 号"},
        lambda p, _: p["building"]["id"],
    ),
    Case(
        "createFloor", Floor,
        lambda w, n: {"buildingId": w.ids["building"], "label": f"{n}F", "position": n},
        _floor_id,
    ),
    Case(
        "createUnit", Unit,
        lambda w, n: {"floorId": w.ids["floor"], "label": f"{n}01", "areaM2": "120.5"},
        _unit_id,
    ),
    Case(
        "createProvider", Provider,
        lambda w, n: {"name": f"杭州财税咨询{n}号有限公司"},
        lambda p, _: p["provider"]["id"],
    ),
    Case(
        "createCategory", Category,
        lambda w, n: {"nameZh": f"企业服务{n}", "nameEn": f"Services {n}"},
        lambda p, _: p["category"]["id"],
    ),
    Case(
        "createServiceItem", ServiceItem,
        lambda w, n: {"categoryId": w.ids["category"], **item_input(f"融资对接{n}")},
        lambda p, _: p["serviceItem"]["id"],
    ),
    Case(
        "inviteMember", Invitation,
        lambda w, n: {"enterpriseId": w.ids["enterprise"]},
        lambda p, _: p["invitation"]["code"],
        other="registerEnterprise",
    ),
]  # fmt: skip
BY_NAME = {case.mutation: case for case in CASES}
OWNER_CASES = {"registerEnterprise", "inviteMember"}


async def _world(mutation: str, api: Api, new_api: Any) -> World:
    """An admin with a building, floor and category; or an owner of a verified enterprise."""
    admin = await admin_client(new_api)
    if mutation in OWNER_CASES:
        assert (await api.sign_up("赵磊", "13800138000"))["userErrors"] == []
        enterprise = await verified(api, admin, credit_code(1))
        licence = await uploaded(api)
        return World(api, {"enterprise": enterprise["id"], "licence": licence["id"]})
    world = World(admin, {})
    building = await call(admin, "createBuilding", {"name": "一号楼"})
    world.ids["building"] = building["building"]["id"]
    floor = await call(admin, "createFloor", {"buildingId": world.ids["building"], "label": "0F"})
    world.ids["floor"] = floor["building"]["floors"][0]["id"]
    category = await call(admin, "createCategory", {"nameZh": "综合服务"})
    world.ids["category"] = category["category"]["id"]
    return world


async def _create(
    case: Case, world: World, n: int, key: str | None, first_n: int | None = None
) -> str:
    """The id of what the call returned (found by the input of call `first_n` on a replay)."""
    input = {**case.input(world, n), "idempotencyKey": key}
    payload = await call(world.client, case.mutation, input)
    assert payload["userErrors"] == [], payload
    return case.result_id(payload, case.input(world, first_n or n))


@pytest.mark.parametrize("mutation", list(BY_NAME))
async def test_a_repeated_key_returns_the_first_result_and_creates_nothing(
    mutation: str, api: Api, new_api: Any
) -> None:
    case = BY_NAME[mutation]
    world = await _world(mutation, api, new_api)
    before = await case.model.all().count()

    first = await _create(case, world, 1, "k-1")
    assert await case.model.all().count() == before + 1
    again = await _create(case, world, 1, "k-1")
    assert again == first
    assert await case.model.all().count() == before + 1
    # The repeat returns the first result even when the rest of the input changed.
    changed = await _create(case, world, 2, "k-1", first_n=1)
    assert changed == first
    assert await case.model.all().count() == before + 1

    second = await _create(case, world, 2, "k-2")
    assert second != first
    assert await case.model.all().count() == before + 2
    # Without a key, every call creates.
    third = await _create(case, world, 3, None)
    assert third not in {first, second}
    assert await case.model.all().count() == before + 3


@pytest.mark.parametrize("mutation", list(BY_NAME))
async def test_a_key_spent_on_another_action_is_refused(
    mutation: str, api: Api, new_api: Any
) -> None:
    case = BY_NAME[mutation]
    world = await _world(mutation, api, new_api)
    await _create(BY_NAME[case.other], world, 7, "spent")
    before = await case.model.all().count()

    payload = await call(
        world.client, mutation, {**case.input(world, 1), "idempotencyKey": "spent"}
    )
    assert _codes(payload) == [(["idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")]
    assert payload["userErrors"][0]["message"] == REUSED_ZH
    assert await case.model.all().count() == before


async def test_keys_are_per_person_and_at_most_100_characters(new_api: Any) -> None:
    admin = await admin_client(new_api)
    case = BY_NAME["createTeam"]
    world = World(admin, {})
    first = await _create(case, world, 1, " k-1 ")
    # Spaces around the key do not make another key.
    assert (await _create(case, world, 2, "k-1", first_n=1)) == first
    other_admin = World(await signed_in(new_api, "admin2@example.com", ["ADMIN"]), {})
    theirs = await _create(case, other_admin, 2, "k-1")
    assert theirs != first
    assert await Team.all().count() == 2

    too_long = await call(admin, "createTeam", {"name": "三组", "idempotencyKey": "k" * 101})
    assert _codes(too_long) == [(["idempotencyKey"], "TOO_LONG")]
    assert await Team.all().count() == 2
    longest = await _create(case, world, 3, "k" * 100)
    assert (await _create(case, world, 3, "k" * 100)) == longest
    assert await Team.all().count() == 3


async def test_a_failed_create_does_not_spend_its_key(new_api: Any) -> None:
    admin = await admin_client(new_api)
    world = World(admin, {})
    case = BY_NAME["createTeam"]
    await _create(case, world, 1, None)
    taken = await call(admin, "createTeam", {"name": "企业服务1组", "idempotencyKey": "k-9"})
    assert _codes(taken) == [(["name"], "NAME_TAKEN")]
    assert not await IdempotencyKey.filter(key="k-9").exists()
    created = await _create(case, world, 2, "k-9")
    assert (await _create(case, world, 2, "k-9")) == created


@pytest.mark.postgres
async def test_ten_racing_creates_with_one_key_make_one_team(new_api: Any) -> None:
    admin = await admin_client(new_api)
    await admin.prime()
    input = {"name": "企业服务一组", "idempotencyKey": "race"}
    payloads: list[dict[str, Any]] = await asyncio.gather(
        *(call(admin, "createTeam", input) for _ in range(10))
    )
    assert [p["userErrors"] for p in payloads if p["userErrors"]] == []
    assert len({p["team"]["id"] for p in payloads}) == 1
    assert await Team.all().count() == 1
    assert await IdempotencyKey.filter(key="race").count() == 1
