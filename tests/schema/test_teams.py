"""Teams: admins create, rename, staff and mark leave; others are refused; versions guard."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Notification, Team, TeamMember, User
from backend.models.events import Event
from tests.conftest import Api
from tests.schema.helpers import global_id, signed_in, token_client

TEAM_FIELDS = "team { id name description version members { user { name roles } kind onLeave } }"
CREATE = f"""mutation($input: CreateTeamInput!) {{ createTeam(input: $input) {{
    {TEAM_FIELDS} userErrors {{ field code message }} }} }}"""
UPDATE = f"""mutation($input: UpdateTeamInput!) {{ updateTeam(input: $input) {{
    {TEAM_FIELDS} userErrors {{ field code message }} }} }}"""
ADD = f"""mutation($input: TeamMemberInput!) {{ addTeamMember(input: $input) {{
    {TEAM_FIELDS} userErrors {{ field code message }} }} }}"""
REMOVE = f"""mutation($input: TeamMemberInput!) {{ removeTeamMember(input: $input) {{
    {TEAM_FIELDS} userErrors {{ field code message }} }} }}"""
LEAVE = f"""mutation($input: SetHandlerLeaveInput!) {{ setHandlerLeave(input: $input) {{
    {TEAM_FIELDS} userErrors {{ field code message }} }} }}"""


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def _user_id(login: str) -> str:
    user = await User.get(email=login)
    return global_id("User", user.id)


async def _admin_with_team(new_api) -> tuple[Api, dict[str, Any]]:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    created = await admin.gql(CREATE, {"input": {"name": "企业服务一组", "description": "融资"}})
    assert created["createTeam"]["userErrors"] == []
    return admin, created["createTeam"]["team"]


@pytest.mark.postgres
async def test_an_admin_runs_a_team_from_creation_to_leave(new_api) -> None:
    admin, team = await _admin_with_team(new_api)
    assert team["version"] == 1
    await signed_in(new_api, "handler@example.com", ["HANDLER"], name="张伟")
    handler_id = await _user_id("handler@example.com")

    renamed = (
        await admin.gql(
            UPDATE,
            {"input": {"teamId": team["id"], "name": "企业服务二组", "expectedVersion": 1}},
        )
    )["updateTeam"]
    assert renamed["userErrors"] == []
    assert (renamed["team"]["name"], renamed["team"]["version"]) == ("企业服务二组", 2)

    member = {"teamId": team["id"], "userId": handler_id, "kind": "HANDLER"}
    added = (await admin.gql(ADD, {"input": {**member, "expectedVersion": 2}}))["addTeamMember"]
    assert added["userErrors"] == []
    assert added["team"]["members"] == [
        {"user": {"name": "张伟", "roles": ["HANDLER"]}, "kind": "HANDLER", "onLeave": False}
    ]

    leave = (
        await admin.gql(
            LEAVE,
            {
                "input": {
                    "teamId": team["id"],
                    "userId": handler_id,
                    "onLeave": True,
                    "expectedVersion": 3,
                }
            },
        )
    )["setHandlerLeave"]
    assert leave["userErrors"] == []
    assert leave["team"]["members"][0]["onLeave"] is True

    removed = (await admin.gql(REMOVE, {"input": {**member, "expectedVersion": 4}}))[
        "removeTeamMember"
    ]
    assert removed["userErrors"] == []
    assert removed["team"]["members"] == []
    assert removed["team"]["version"] == 5

    team_pk = (await Team.get(name="企业服务二组")).id
    events = await Event.filter(aggregate_type="team", aggregate_id=team_pk).order_by("sequence")
    assert [(e.sequence, e.kind) for e in events] == [
        (1, "TEAM_CREATED"),
        (2, "TEAM_UPDATED"),
        (3, "MEMBER_ADDED"),
        (4, "HANDLER_LEAVE_SET"),
        (5, "MEMBER_REMOVED"),
    ]
    assert all(e.actor_id is not None for e in events)  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_the_added_member_is_told(new_api) -> None:
    admin, team = await _admin_with_team(new_api)
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])
    await admin.gql(
        ADD,
        {
            "input": {
                "teamId": team["id"],
                "userId": await _user_id("handler@example.com"),
                "kind": "HANDLER",
                "expectedVersion": 1,
            }
        },
    )
    inbox = (await handler.gql("{ notifications { edges { node { kind message } } } }"))[
        "notifications"
    ]["edges"]
    assert [e["node"]["kind"] for e in inbox] == ["TEAM_JOINED"]
    assert "企业服务一组" in inbox[0]["node"]["message"]


@pytest.mark.postgres
async def test_a_stale_version_is_refused_and_changes_nothing(new_api) -> None:
    admin, team = await _admin_with_team(new_api)
    await signed_in(new_api, "handler@example.com", ["HANDLER"])
    stale = (
        await admin.gql(
            UPDATE, {"input": {"teamId": team["id"], "name": "新名字", "expectedVersion": 7}}
        )
    )["updateTeam"]
    assert _codes(stale) == ["STALE"]
    add = (
        await admin.gql(
            ADD,
            {
                "input": {
                    "teamId": team["id"],
                    "userId": await _user_id("handler@example.com"),
                    "kind": "HANDLER",
                    "expectedVersion": 0,
                }
            },
        )
    )["addTeamMember"]
    assert _codes(add) == ["STALE"]
    stored = await Team.get()
    assert (stored.name, stored.version) == ("企业服务一组", 1)
    assert await TeamMember.filter().count() == 0
    assert await Notification.filter(kind="TEAM_JOINED").count() == 0


async def test_only_handlers_join_as_handlers(new_api) -> None:
    admin, team = await _admin_with_team(new_api)
    await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    applicant = new_api()
    await applicant.sign_up("赵磊", "applicant@example.com")
    for login in ("auditor@example.com", "applicant@example.com"):
        result = (
            await admin.gql(
                ADD,
                {
                    "input": {
                        "teamId": team["id"],
                        "userId": await _user_id(login),
                        "kind": "HANDLER",
                        "expectedVersion": 1,
                    }
                },
            )
        )["addTeamMember"]
        assert _codes(result) == ["NOT_STAFF"]
    as_auditor = (
        await admin.gql(
            ADD,
            {
                "input": {
                    "teamId": team["id"],
                    "userId": await _user_id("auditor@example.com"),
                    "kind": "AUDITOR",
                    "expectedVersion": 1,
                }
            },
        )
    )["addTeamMember"]
    assert as_auditor["userErrors"] == []
    again = (
        await admin.gql(
            ADD,
            {
                "input": {
                    "teamId": team["id"],
                    "userId": await _user_id("auditor@example.com"),
                    "kind": "AUDITOR",
                    "expectedVersion": 2,
                }
            },
        )
    )["addTeamMember"]
    assert _codes(again) == ["ALREADY_MEMBER"]


@pytest.mark.parametrize("roles", [["APPLICANT"], ["HANDLER"], ["SUPERVISOR"]])
async def test_team_changes_are_for_admins_only(new_api, roles: list[str]) -> None:
    _admin, team = await _admin_with_team(new_api)
    person = await signed_in(new_api, "person@example.com", roles)
    await signed_in(new_api, "handler@example.com", ["HANDLER"])
    handler_id = await _user_id("handler@example.com")
    attempts = [
        (CREATE, {"name": "别的组"}, "createTeam"),
        (UPDATE, {"teamId": team["id"], "name": "x", "expectedVersion": 1}, "updateTeam"),
        (
            ADD,
            {"teamId": team["id"], "userId": handler_id, "kind": "HANDLER", "expectedVersion": 1},
            "addTeamMember",
        ),
        (
            REMOVE,
            {"teamId": team["id"], "userId": handler_id, "kind": "HANDLER", "expectedVersion": 1},
            "removeTeamMember",
        ),
        (
            LEAVE,
            {"teamId": team["id"], "userId": handler_id, "onLeave": True, "expectedVersion": 1},
            "setHandlerLeave",
        ),
    ]
    for mutation, payload, name in attempts:
        result = (await person.gql(mutation, {"input": payload}))[name]
        assert _codes(result) == ["FORBIDDEN"], name
    stored = await Team.get()
    assert (stored.name, stored.version) == ("企业服务一组", 1)
    assert await Team.filter().count() == 1


@pytest.mark.postgres
async def test_team_names_are_unique_and_checked(new_api) -> None:
    admin, team = await _admin_with_team(new_api)
    taken = (await admin.gql(CREATE, {"input": {"name": " 企业服务一组 "}}))["createTeam"]
    assert _codes(taken) == ["NAME_TAKEN"]
    empty = (await admin.gql(CREATE, {"input": {"name": "  "}}))["createTeam"]
    assert _codes(empty) == ["REQUIRED"]
    await admin.gql(CREATE, {"input": {"name": "二组"}})
    rename = (
        await admin.gql(
            UPDATE, {"input": {"teamId": team["id"], "name": "二组", "expectedVersion": 1}}
        )
    )["updateTeam"]
    assert _codes(rename) == ["NAME_TAKEN"]


async def test_staff_see_teams_and_applicants_do_not(api: Api, new_api) -> None:
    await _admin_with_team(new_api)
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])
    assert (await handler.gql("{ teams { totalCount } }"))["teams"]["totalCount"] == 1
    await api.sign_up("赵磊", "13800138000")
    assert (await api.gql("{ teams { totalCount edges { node { id } } } }"))["teams"] == {
        "totalCount": 0,
        "edges": [],
    }


@pytest.mark.postgres
async def test_a_change_made_with_a_token_records_the_actor_and_the_token(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    integrator = await token_client(new_api, admin, ["teams:write", "accounts:read"])
    created = (await integrator.gql(CREATE, {"input": {"name": "接口建的组"}}))["createTeam"]
    assert created["userErrors"] == []
    team = await Team.get(name="接口建的组")
    event = await Event.get(aggregate_type="team", aggregate_id=team.id)
    admin_user = await User.get(email="admin@example.com")
    assert event.actor_id == admin_user.id  # type: ignore[attr-defined]
    assert event.api_token_id is not None  # type: ignore[attr-defined]
    token = await event.api_token
    assert token.name == "integration"
    assert event.request_id
