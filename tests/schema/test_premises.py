"""The premises register: admins build it and bind units; one holder per unit; history kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.models.enterprises import Building, Enterprise, Floor, PremisesBinding, Unit
from tests.conftest import Api
from tests.schema.enterprise_helpers import (
    admin_client,
    credit_code,
    registered,
    storage_app,
    verified,
)
from tests.schema.helpers import global_id, signed_in

BUILDING = """mutation($input: CreateBuildingInput!) { createBuilding(input: $input) {
    building { id name floors { id label units { id label } } }
    userErrors { field code message } } }"""
FLOOR = """mutation($input: CreateFloorInput!) { createFloor(input: $input) {
    building { id floors { id label position units { id } } } userErrors { field code } } }"""
UNIT = """mutation($input: CreateUnitInput!) { createUnit(input: $input) {
    building { floors { label units { id label areaM2 } } } userErrors { field code } } }"""
BIND = """mutation($input: BindPremisesInput!) { bindPremises(input: $input) {
    binding { id unitLabel floorLabel buildingName enterpriseName startsOn endsOn }
    userErrors { field code message } } }"""
END = """mutation($input: EndPremisesBindingInput!) { endPremisesBinding(input: $input) {
    binding { id startsOn endsOn } userErrors { field code message } } }"""
BUILDINGS = """query($n: Int) { buildings(first: $n) { totalCount edges { node { id name address
    floors { id label position units { id label areaM2 currentBinding {
        id enterpriseId enterpriseName startsOn unitLabel } } } } } } }"""
PREMISES = """query($id: ID!) { enterprise(id: $id) {
    premises { unitLabel startsOn endsOn } premisesHistory { unitLabel startsOn endsOn } } }"""


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


def _codes(payload: dict[str, Any]) -> dict[str, str]:
    return {".".join(e["field"] or []): e["code"] for e in payload["userErrors"]}


async def _unit(admin: Api, building: str = "1号楼", floor: str = "3F", unit: str = "301") -> str:
    created = await admin.gql(BUILDING, {"input": {"name": building, "address": "创新路 1 号"}})
    building_id = created["createBuilding"]["building"]["id"]
    floors = await admin.gql(FLOOR, {"input": {"buildingId": building_id, "label": floor}})
    floor_id = floors["createFloor"]["building"]["floors"][0]["id"]
    units = await admin.gql(
        UNIT, {"input": {"floorId": floor_id, "label": unit, "areaM2": "120.5"}}
    )
    assert units["createUnit"]["userErrors"] == []
    [made] = units["createUnit"]["building"]["floors"][0]["units"]
    assert made["areaM2"] == "120.50"
    return str(made["id"])


@pytest.mark.postgres
async def test_admins_build_the_register_and_labels_are_unique(new_api, app: Any) -> None:
    admin = await admin_client(new_api)
    await _unit(admin)
    again = (await admin.gql(BUILDING, {"input": {"name": " 1号楼 "}}))["createBuilding"]
    assert _codes(again) == {"name": "NAME_TAKEN"}
    building = await Building.get(name="1号楼")
    floor = await Floor.get(building=building)
    payload = await admin.gql(
        FLOOR, {"input": {"buildingId": global_id("Building", building.id), "label": "3F"}}
    )
    assert _codes(payload["createFloor"]) == {"label": "LABEL_TAKEN"}
    payload = await admin.gql(
        UNIT, {"input": {"floorId": global_id("Floor", floor.id), "label": "301", "areaM2": "-1"}}
    )
    assert _codes(payload["createUnit"]) == {"label": "LABEL_TAKEN", "areaM2": "NOT_POSITIVE"}
    payload = await admin.gql(UNIT, {"input": {"floorId": global_id("Floor", 999), "label": "1"}})
    assert _codes(payload["createUnit"]) == {"floorId": "NOT_FOUND"}
    assert await Unit.all().count() == 1


@pytest.mark.postgres
async def test_only_admins_change_the_register(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER", "SUPERVISOR"])
    anonymous: Api = new_api()
    for viewer, code in ((api, "FORBIDDEN"), (auditor, "FORBIDDEN"), (handler, "FORBIDDEN")):
        payload = (await viewer.gql(BUILDING, {"input": {"name": "2号楼"}}))["createBuilding"]
        assert _codes(payload) == {"": code}
    payload = (await anonymous.gql(BUILDING, {"input": {"name": "2号楼"}}))["createBuilding"]
    assert _codes(payload) == {"": "NOT_AUTHENTICATED"}
    assert await Building.all().count() == 0


@pytest.mark.postgres
async def test_a_unit_has_one_holder_at_a_time_and_keeps_its_history(
    api: Api, new_api, app: Any
) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    unit = await _unit(admin)
    pending = await registered(api, credit_code(1), name="待审企业")
    payload = (
        await admin.gql(
            BIND,
            {"input": {"unitId": unit, "enterpriseId": pending["id"], "startsOn": "2024-01-01"}},
        )
    )["bindPremises"]
    assert _codes(payload) == {"enterpriseId": "NOT_VERIFIED"}
    first = await verified(api, admin, credit_code(2), name="甲公司")
    second = await verified(api, admin, credit_code(3), name="乙公司")

    async def bind(enterprise: dict[str, Any], starts_on: str) -> dict[str, Any]:
        variables = {"unitId": unit, "enterpriseId": enterprise["id"], "startsOn": starts_on}
        return dict((await admin.gql(BIND, {"input": variables}))["bindPremises"])

    bound = await bind(first, "2024-01-01")
    assert bound["userErrors"] == []
    assert bound["binding"]["enterpriseName"] == "甲公司"
    assert bound["binding"]["buildingName"] == "1号楼"
    assert _codes(await bind(second, "2024-06-01")) == {"unitId": "UNIT_TAKEN"}

    async def end(binding_id: str, ends_on: str) -> dict[str, Any]:
        variables = {"bindingId": binding_id, "endsOn": ends_on}
        return dict((await admin.gql(END, {"input": variables}))["endPremisesBinding"])

    binding_id = bound["binding"]["id"]
    assert _codes(await end(binding_id, "2023-12-31")) == {"endsOn": "ENDS_BEFORE_START"}
    ended = await end(binding_id, "2024-12-31")
    assert ended["binding"]["endsOn"] == "2024-12-31"
    assert _codes(await end(binding_id, "2025-01-31")) == {"bindingId": "BINDING_ENDED"}
    assert _codes(await bind(second, "2024-12-01")) == {"startsOn": "OVERLAPS_PREVIOUS"}
    assert (await bind(second, "2025-01-01"))["userErrors"] == []
    assert await PremisesBinding.all().count() == 2

    history = (await api.gql(PREMISES, {"id": first["id"]}))["enterprise"]
    assert history["premises"] == []
    assert history["premisesHistory"] == [
        {"unitLabel": "301", "startsOn": "2024-01-01", "endsOn": "2024-12-31"}
    ]
    now = (await api.gql(PREMISES, {"id": second["id"]}))["enterprise"]
    assert now["premises"] == [{"unitLabel": "301", "startsOn": "2025-01-01", "endsOn": None}]
    register = (await admin.gql(BUILDINGS, {"n": 5}))["buildings"]["edges"][0]["node"]
    current = register["floors"][0]["units"][0]["currentBinding"]
    assert current["enterpriseName"] == "乙公司"
    assert current["enterpriseId"] == second["id"]


@pytest.mark.postgres
async def test_only_admins_bind_and_end(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    unit = await _unit(admin)
    enterprise = await verified(api, admin, credit_code(4))
    variables = {"unitId": unit, "enterpriseId": enterprise["id"], "startsOn": "2024-01-01"}
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    for viewer in (api, auditor):
        payload = (await viewer.gql(BIND, {"input": variables}))["bindPremises"]
        assert _codes(payload) == {"": "FORBIDDEN"}
    binding = (await admin.gql(BIND, {"input": variables}))["bindPremises"]["binding"]
    ending = {"bindingId": binding["id"], "endsOn": "2024-02-01"}
    for viewer in (api, auditor):
        payload = (await viewer.gql(END, {"input": ending}))["endPremisesBinding"]
        assert _codes(payload) == {"": "FORBIDDEN"}
    anonymous: Api = new_api()
    payload = (await anonymous.gql(END, {"input": ending}))["endPremisesBinding"]
    assert _codes(payload) == {"": "NOT_AUTHENTICATED"}
    assert (await PremisesBinding.get()).ends_on is None


@pytest.mark.postgres
async def test_staff_read_the_register_and_others_see_nothing(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    await _unit(admin)
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])
    for viewer in (admin, auditor, handler):
        assert (await viewer.gql(BUILDINGS, {"n": 5}))["buildings"]["totalCount"] == 1
    anonymous: Api = new_api()
    for viewer in (api, anonymous):
        data = (await viewer.gql(BUILDINGS, {"n": 5}))["buildings"]
        assert data == {"totalCount": 0, "edges": []}


async def _register(buildings: int) -> None:
    for b in range(buildings):
        building = await Building.create(name=f"{b:02d}号楼")
        for f in range(2):
            floor = await Floor.create(building=building, label=f"{f + 1}F", position=f)
            for u in range(2):
                await Unit.create(floor=floor, label=f"{f + 1}0{u + 1}")


@pytest.mark.postgres
async def test_the_register_costs_the_same_for_2_and_20(
    api: Api, new_api, sql_counter: Any, app: Any
) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    await verified(api, admin, credit_code(5))
    enterprise = await Enterprise.get()
    await _register(22)
    for unit in await Unit.all().order_by("id").limit(30):
        await PremisesBinding.create(
            unit=unit,
            enterprise=enterprise,
            starts_on="2024-01-01",
            open_unit_id=unit.id,
        )
    counts = []
    for size in (2, 20):
        await admin.prime()
        sql_counter.reset()
        body = (await admin.post(BUILDINGS, {"n": size})).json()
        assert "errors" not in body, body
        edges = body["data"]["buildings"]["edges"]
        assert len(edges) == size
        assert edges[0]["node"]["floors"][0]["units"][0]["currentBinding"] is not None
        counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements
    assert counts[1] <= 8
