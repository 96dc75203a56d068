"""Lists cost a fixed number of SQL statements, whatever the page size (no N+1)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import MemberKind, Role, Team, TeamMember, User
from backend.services.notifications import notifications
from tests.conftest import Api, make_user
from tests.schema.helpers import signed_in

USERS = """query($n: Int) { users(first: $n) { totalCount pageInfo { hasNextPage }
    edges { cursor node { id name roles email phone isActive version } } } }"""
TEAMS = """query($n: Int) { teams(first: $n) { totalCount
    edges { node { id name version members { kind onLeave user { id name roles email } } } } } }"""
NOTIFICATIONS = """query($n: Int) { notifications(first: $n) { totalCount
    edges { node { id kind message readAt } } } }"""


async def _statements(api: Api, sql_counter: Any, query: str, size: int) -> int:
    await api.prime()
    sql_counter.reset()
    body = (await api.post(query, {"n": size})).json()
    assert "errors" not in body, body
    edges = next(iter(body["data"].values()))["edges"]
    assert len(edges) == size
    return sql_counter.count


async def _staff_and_teams(count: int) -> None:
    handlers = [await make_user(f"h{i}@example.com", ["HANDLER"]) for i in range(count)]
    auditors = [await make_user(f"a{i}@example.com", ["AUDITOR", "HANDLER"]) for i in range(3)]
    for i in range(count):
        team = await Team.create(name=f"组{i:02d}")
        await TeamMember.create(team=team, user=handlers[i], kind=MemberKind.HANDLER)
        await TeamMember.create(team=team, user=auditors[i % 3], kind=MemberKind.AUDITOR)


@pytest.mark.postgres
async def test_the_users_list_costs_the_same_for_2_and_20(new_api, sql_counter: Any) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    for i in range(22):
        await make_user(f"u{i}@example.com", [Role.HANDLER, Role.AUDITOR][: 1 + i % 2])
    small = await _statements(admin, sql_counter, USERS, 2)
    large = await _statements(admin, sql_counter, USERS, 20)
    assert small == large, sql_counter.statements
    assert large <= 6


@pytest.mark.postgres
async def test_the_teams_list_costs_the_same_for_2_and_20(new_api, sql_counter: Any) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    await _staff_and_teams(22)
    small = await _statements(admin, sql_counter, TEAMS, 2)
    large = await _statements(admin, sql_counter, TEAMS, 20)
    assert small == large, sql_counter.statements
    assert large <= 7


@pytest.mark.postgres
async def test_the_inbox_costs_the_same_for_2_and_20(api: Api, sql_counter: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    user = await User.get(phone="13800138000")
    for i in range(22):
        await notifications.notify(user.id, "TEAM_JOINED", {"team": f"组{i}"})
    small = await _statements(api, sql_counter, NOTIFICATIONS, 2)
    large = await _statements(api, sql_counter, NOTIFICATIONS, 20)
    assert small == large, sql_counter.statements
    assert large <= 5


EVERY_TOLD = (
    """query($n: Int) { teams(first: $n) { edges { node { name everySupervisorTold } } } }"""
)


@pytest.mark.postgres
async def test_every_supervisor_told_follows_the_routing_rule_in_one_query(
    new_api, sql_counter: Any
) -> None:
    """`everySupervisorTold` reads the rule `supervisors_of_team` routes by: a team has a
    supervisor of its own only while that member still holds the role and is active."""
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    own = await make_user("s1@example.com", ["SUPERVISOR"])
    former = await make_user("s2@example.com", ["HANDLER"])
    left = await make_user("s3@example.com", ["SUPERVISOR"])
    left.is_active = False
    await left.save()
    kinds = {"甲组": own, "乙组": former, "丙组": left, "丁组": None}
    for name, supervisor in kinds.items():
        team = await Team.create(name=name)
        if supervisor is not None:
            await TeamMember.create(team=team, user=supervisor, kind=MemberKind.SUPERVISOR)
    await admin.prime()
    sql_counter.reset()
    body = (await admin.post(EVERY_TOLD, {"n": 10})).json()
    assert "errors" not in body, body
    told = {
        e["node"]["name"]: e["node"]["everySupervisorTold"] for e in body["data"]["teams"]["edges"]
    }
    assert told == {"甲组": False, "乙组": True, "丙组": True, "丁组": True}
    assert sql_counter.count <= 7, sql_counter.statements
