"""Admins create staff and set roles; the user list shows each viewer what they may see."""

from __future__ import annotations

import pytest

from backend.models.accounts import Notification, User
from backend.models.events import Event
from tests.conftest import PASSWORD, Api
from tests.schema.helpers import signed_in

CREATE_STAFF = """mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) {
    user { id name roles version email } userErrors { field code message } } }"""
SET_ROLES = """mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) {
    user { id roles version } userErrors { field code message } } }"""
USERS = """query($role: Role, $first: Int) { users(role: $role, first: $first) {
    totalCount edges { node { name roles email } } } }"""


def _staff(email: str, roles: list[str], name: str = "李静") -> dict:
    return {"input": {"name": name, "email": email, "password": PASSWORD, "roles": roles}}


async def test_an_admin_creates_a_staff_user_who_is_welcomed(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    result = (await admin.gql(CREATE_STAFF, _staff("Auditor@Example.com", ["AUDITOR"])))[
        "createStaffUser"
    ]
    assert result["userErrors"] == []
    assert result["user"]["roles"] == ["AUDITOR"]
    assert result["user"]["email"] == "auditor@example.com"
    created = await User.get(email="auditor@example.com")
    welcome = await Notification.get(user_id=created.id)
    assert welcome.kind == "STAFF_WELCOME"
    assert welcome.params == {"name": "李静", "roles": ["AUDITOR"]}
    event = await Event.get(aggregate_type="user", aggregate_id=created.id)
    assert event.kind == "STAFF_CREATED"
    assert event.actor_id is not None  # type: ignore[attr-defined]
    auditor = new_api()
    assert (await auditor.login("auditor@example.com"))["userErrors"] == []


@pytest.mark.parametrize("roles", [["APPLICANT"], ["HANDLER"]])
async def test_only_admins_create_staff(api: Api, new_api, roles: list[str]) -> None:
    person = await signed_in(new_api, "someone@example.com", roles)
    result = (await person.gql(CREATE_STAFF, _staff("new@example.com", ["ADMIN"])))[
        "createStaffUser"
    ]
    assert [e["code"] for e in result["userErrors"]] == ["FORBIDDEN"]
    assert not await User.filter(email="new@example.com").exists()


async def test_creating_staff_checks_every_field(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    result = (
        await admin.gql(
            CREATE_STAFF,
            {
                "input": {
                    "name": "",
                    "email": "admin@example.com",
                    "phone": "123",
                    "password": "short",
                    "roles": [],
                }
            },
        )
    )["createStaffUser"]
    assert {(tuple(e["field"]), e["code"]) for e in result["userErrors"]} == {
        (("name",), "REQUIRED"),
        (("email",), "CONTACT_TAKEN"),
        (("phone",), "INVALID_PHONE"),
        (("roles",), "REQUIRED"),
        (("password",), "WEAK_PASSWORD"),
    }


@pytest.mark.postgres
async def test_an_admin_sets_roles_and_the_person_is_told(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    staff = (await admin.gql(CREATE_STAFF, _staff("a@example.com", ["AUDITOR"])))[
        "createStaffUser"
    ]["user"]
    result = (
        await admin.gql(
            SET_ROLES,
            {
                "input": {
                    "userId": staff["id"],
                    "roles": ["HANDLER", "AUDITOR"],
                    "expectedVersion": staff["version"],
                }
            },
        )
    )["setUserRoles"]
    assert result["userErrors"] == []
    assert result["user"]["roles"] == ["AUDITOR", "HANDLER"]
    assert result["user"]["version"] == staff["version"] + 1
    user = await User.get(email="a@example.com")
    told = await Notification.get(user_id=user.id, kind="ROLES_CHANGED")
    assert told.params == {"roles": ["AUDITOR", "HANDLER"]}
    event = await Event.get(aggregate_type="user", aggregate_id=user.id, kind="ROLES_SET")
    assert event.sequence == staff["version"] + 1
    assert event.data == {"from": ["AUDITOR"], "to": ["AUDITOR", "HANDLER"]}


@pytest.mark.postgres
async def test_setting_roles_with_a_stale_version_is_refused(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    staff = (await admin.gql(CREATE_STAFF, _staff("a@example.com", ["AUDITOR"])))[
        "createStaffUser"
    ]["user"]
    variables = {"input": {"userId": staff["id"], "roles": ["HANDLER"], "expectedVersion": 1}}
    assert (await admin.gql(SET_ROLES, variables))["setUserRoles"]["userErrors"] == []
    again = (await admin.gql(SET_ROLES, variables))["setUserRoles"]
    assert [e["code"] for e in again["userErrors"]] == ["STALE"]
    assert "2" in again["userErrors"][0]["message"]
    user = await User.get(email="a@example.com")
    assert user.version == 2
    assert await Notification.filter(user_id=user.id, kind="ROLES_CHANGED").count() == 1


@pytest.mark.parametrize("roles", [["APPLICANT"], ["HANDLER"]])
async def test_only_admins_set_roles(new_api, roles: list[str]) -> None:
    person = await signed_in(new_api, "someone@example.com", roles)
    me = (await person.gql("{ me { id version } }"))["me"]
    result = (
        await person.gql(
            SET_ROLES,
            {"input": {"userId": me["id"], "roles": ["ADMIN"], "expectedVersion": me["version"]}},
        )
    )["setUserRoles"]
    assert [e["code"] for e in result["userErrors"]] == ["FORBIDDEN"]
    assert (await person.gql("{ me { roles } }"))["me"]["roles"] == roles


@pytest.mark.postgres
async def test_the_last_admin_keeps_the_admin_role(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    me = (await admin.gql("{ me { id version } }"))["me"]
    variables = {"input": {"userId": me["id"], "roles": ["AUDITOR"], "expectedVersion": 1}}
    result = (await admin.gql(SET_ROLES, variables))["setUserRoles"]
    assert [e["code"] for e in result["userErrors"]] == ["LAST_ADMIN"]
    assert (await admin.gql("{ me { roles } }"))["me"]["roles"] == ["ADMIN"]
    # With a second admin, the first may step down.
    await admin.gql(CREATE_STAFF, _staff("second@example.com", ["ADMIN"]))
    result = (await admin.gql(SET_ROLES, variables))["setUserRoles"]
    assert result["userErrors"] == []


async def test_an_applicant_sees_only_themself(api: Api, new_api) -> None:
    await signed_in(new_api, "admin@example.com", ["ADMIN"])
    await api.sign_up("赵磊", "13800138000")
    other = new_api()
    await other.sign_up("钱七", "13900139000")
    users = (await api.gql(USERS))["users"]
    assert users["totalCount"] == 1
    assert [e["node"]["name"] for e in users["edges"]] == ["赵磊"]
    anonymous = new_api()
    assert (await anonymous.gql(USERS))["users"]["totalCount"] == 0


@pytest.mark.postgres
async def test_admins_list_everyone_and_filter_by_role(api: Api, new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"], name="王敏")
    await api.sign_up("赵磊", "13800138000")
    await admin.gql(CREATE_STAFF, _staff("h1@example.com", ["HANDLER"], name="张伟"))
    await admin.gql(CREATE_STAFF, _staff("h2@example.com", ["HANDLER", "AUDITOR"], name="刘洋"))
    everyone = (await admin.gql(USERS))["users"]
    assert everyone["totalCount"] == 4
    handlers = (await admin.gql(USERS, {"role": "HANDLER"}))["users"]
    assert handlers["totalCount"] == 2
    assert sorted(e["node"]["name"] for e in handlers["edges"]) == ["刘洋", "张伟"]
    applicants = (await admin.gql(USERS, {"role": "APPLICANT"}))["users"]
    assert [e["node"]["name"] for e in applicants["edges"]] == ["赵磊"]
    # An admin sees contacts; an auditor sees names but not contacts.
    assert {e["node"]["email"] for e in handlers["edges"]} == {"h1@example.com", "h2@example.com"}
    auditor = new_api()
    await auditor.login("h2@example.com")
    seen = (await auditor.gql(USERS, {"role": "HANDLER"}))["users"]["edges"]
    assert {e["node"]["email"] for e in seen} == {None, "h2@example.com"}


@pytest.mark.postgres
async def test_a_role_filtered_list_pages_without_gaps(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    for i in range(5):
        await admin.gql(CREATE_STAFF, _staff(f"h{i}@example.com", ["HANDLER", "AUDITOR"]))
    seen: list[str] = []
    after = None
    while True:
        page = (
            await admin.gql(
                """query($a: String) { users(role: HANDLER, first: 2, after: $a) {
                     totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }""",
                {"a": after},
            )
        )["users"]
        assert page["totalCount"] == 5
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 5


async def test_a_staff_account_takes_only_staff_roles_which_the_schema_lists(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"], "管理员")
    listed = (await admin.gql("{ staffRoles }"))["staffRoles"]
    assert listed == ["AUDITOR", "HANDLER", "SUPERVISOR", "ADMIN", "PROVIDER"]
    result = (await admin.gql(CREATE_STAFF, _staff("a@example.com", ["APPLICANT", "AUDITOR"])))[
        "createStaffUser"
    ]
    assert result["user"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["roles"], "INVALID")]
    assert not await User.filter(email="a@example.com").exists()
