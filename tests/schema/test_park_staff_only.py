"""What only the park's own staff see: teams and their members, the calendar, the premises
register with each unit's enterprise, and the providers' contact details. A provider's user
holds a staff account but works for a third party, so sees none of it, like an applicant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.calendar import CalendarDay, DayKind
from backend.models.enterprises import Building, Floor, PremisesBinding, Provider, Unit
from tests import builders
from tests.conftest import Api
from tests.schema.application_helpers import login
from tests.schema.helpers import global_id

PARK_STAFF = [Role.AUDITOR, Role.HANDLER, Role.SUPERVISOR, Role.ADMIN]
OUTSIDERS = [Role.PROVIDER, Role.APPLICANT]

TEAMS = "{ teams { totalCount edges { node { name members { user { name } } } } } }"
TEAM = "query($id: ID!) { team(id: $id) { name members { user { name } } } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
HANDLING_TEAM = """query($item: ID!, $category: ID!) {
    serviceItem(id: $item) { name handlingTeam { name } }
    category(id: $category) { name handlingTeam { name } } }"""
CALENDAR = "{ calendar(year: 2026) { entered days { day name } } }"
BUILDINGS = """{ buildings { totalCount edges { node { name floors { units {
    label currentBinding { enterpriseName } } } } } } }"""
PROVIDERS = "{ providers { totalCount edges { node { name contactName contactPhone email } } } }"


@dataclass
class Park:
    team_id: str
    team_name: str
    item_id: str
    category_id: str
    building_id: str
    provider_id: str
    enterprise_name: str


async def _park() -> Park:
    team, _ = await builders.team_with_handlers(1, "物业维修组")
    item, _version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise("星河科技")
    building = await Building.create(name="1号楼")
    floor = await Floor.create(building=building, label="3F")
    unit = await Unit.create(floor=floor, label="301")
    await PremisesBinding.create(
        unit=unit, enterprise=enterprise, starts_on=date(2026, 1, 1), open_unit_id=unit.id
    )
    provider = await Provider.create(
        name="顺达物流", contact_name="王芳", contact_phone="13900139000", email="wf@shunda.cn"
    )
    await CalendarDay.create(day=date(2026, 10, 1), kind=DayKind.OFF, name_zh="国庆节")
    return Park(
        team_id=global_id("Team", team.id),
        team_name=team.name,
        item_id=global_id("ServiceItem", item.id),
        category_id=global_id("Category", item.category_id),  # type: ignore[attr-defined]
        building_id=global_id("Building", building.id),
        provider_id=global_id("Provider", provider.id),
        enterprise_name=enterprise.name,
    )


async def _as(new_api: Any, role: Role) -> Api:
    return await login(new_api, await builders.user(role))


async def _sees(api: Api, park: Park) -> dict[str, Any]:
    """Every way to reach each park-staff-only object, as one person sees it."""
    teams = await api.gql(TEAMS)
    handling = await api.gql(HANDLING_TEAM, {"item": park.item_id, "category": park.category_id})
    buildings = await api.gql(BUILDINGS)
    providers = await api.gql(PROVIDERS)
    return {
        "teams": [e["node"] for e in teams["teams"]["edges"]],
        "team": (await api.gql(TEAM, {"id": park.team_id}))["team"],
        "team node": (await api.gql(NODE, {"id": park.team_id}))["node"],
        "item's team": handling["serviceItem"]["handlingTeam"],
        "category's team": handling["category"]["handlingTeam"],
        "calendar": (await api.gql(CALENDAR))["calendar"],
        "buildings": [e["node"] for e in buildings["buildings"]["edges"]],
        "building node": (await api.gql(NODE, {"id": park.building_id}))["node"],
        "providers": [e["node"] for e in providers["providers"]["edges"]],
        "provider node": (await api.gql(NODE, {"id": park.provider_id}))["node"],
    }


@pytest.mark.postgres
@pytest.mark.parametrize("role", PARK_STAFF, ids=lambda r: r.value)
async def test_park_staff_see_teams_calendar_premises_and_providers(
    new_api: Any, role: Role
) -> None:
    park = await _park()
    seen = await _sees(await _as(new_api, role), park)
    assert seen["teams"] == [{"name": park.team_name, "members": [{"user": {"name": "办理员 0"}}]}]
    assert seen["team"] == seen["teams"][0]
    assert seen["team node"] == {"id": park.team_id}
    assert seen["item's team"] == seen["category's team"] == {"name": park.team_name}
    assert seen["calendar"]["days"] == [{"day": "2026-10-01", "name": "国庆节"}]
    [building] = seen["buildings"]
    assert building["floors"][0]["units"][0]["currentBinding"] == {
        "enterpriseName": park.enterprise_name
    }
    assert seen["building node"] == {"id": park.building_id}
    assert seen["providers"] == [
        {"name": "顺达物流", "contactName": "王芳", "contactPhone": "13900139000",
         "email": "wf@shunda.cn"}
    ]  # fmt: skip
    assert seen["provider node"] == {"id": park.provider_id}


@pytest.mark.postgres
@pytest.mark.parametrize("role", OUTSIDERS, ids=lambda r: r.value)
async def test_providers_and_applicants_see_none_of_it(new_api: Any, role: Role) -> None:
    park = await _park()
    seen = await _sees(await _as(new_api, role), park)
    assert seen == {
        "teams": [],
        "team": None,
        "team node": None,
        "item's team": None,
        "category's team": None,
        "calendar": None,
        "buildings": [],
        "building node": None,
        "providers": [],
        "provider node": None,
    }
