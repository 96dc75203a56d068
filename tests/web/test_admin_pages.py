"""Admin pages: only admins may open them; their forms show userErrors where they belong."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, Api, make_user
from tests.web.helpers import sign_in_by_form, submit


@pytest.fixture
async def admin(api: Api) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    assert (await sign_in_by_form(api, "admin@example.cn", PASSWORD)).status_code == 303
    return api


@pytest.mark.parametrize("path", ["/admin/users", "/admin/teams"])
async def test_admin_pages_refuse_non_admins(api: Api, path: str) -> None:
    await make_user("handler@example.cn", ["HANDLER"])
    anonymous = await api.client.get(path)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={path}"
    await sign_in_by_form(api, "handler@example.cn", PASSWORD)
    response = await api.client.get(path)
    assert response.status_code == 403
    assert "您无权打开此页面" in response.text
    posted = await submit(api, "/admin/teams/new", {"name": "x"})
    assert posted.status_code == 403


async def test_people_list_filter_and_create_staff(admin: Api) -> None:
    await make_user("h1@example.cn", ["HANDLER"], name="办理员甲")
    page = await admin.client.get("/admin/users?role=HANDLER")
    assert page.status_code == 200
    assert "办理员甲" in page.text and "管理员王敏" not in page.text.split("<main", 1)[1]
    bad = await submit(
        admin,
        "/admin/users/new",
        {"name": "新同事", "email": "bad", "password": PASSWORD},
    )
    assert bad.status_code == 422
    assert 'id="email-error"' in bad.text and 'value="新同事"' in bad.text
    assert 'id="roles-error"' in bad.text
    good = await submit(
        admin,
        "/admin/users/new",
        {"name": "新同事", "email": "new@example.cn", "password": PASSWORD, "roles": "AUDITOR"},
    )
    assert good.status_code == 303
    listed = await admin.client.get("/admin/users?role=AUDITOR")
    assert "新同事" in listed.text and "员工账号已创建" in listed.text


async def test_set_roles_with_a_stale_version_shows_the_error(admin: Api) -> None:
    user = await make_user("h1@example.cn", ["HANDLER"], name="办理员甲")
    page = await admin.client.get("/admin/users")
    block = page.text.split('id="user-', 1)[1]
    user_id = re.search(r'name="userId" value="([^"]+)"', block)
    assert user_id
    fields = {"userId": user_id.group(1), "roles": ["HANDLER", "AUDITOR"]}
    ok = await submit(admin, "/admin/users/roles", {**fields, "expectedVersion": user.version})
    assert ok.status_code == 303
    stale = await submit(admin, "/admin/users/roles", {**fields, "expectedVersion": user.version})
    assert stale.status_code == 422
    row = stale.text.split(f'id="user-{user_id.group(1)}"', 1)[1].split("</li>", 1)[0]
    assert "在此期间已有他人修改" in row


async def test_teams_create_add_leave_remove(admin: Api) -> None:
    await make_user("h1@example.cn", ["HANDLER"], name="办理员甲")
    await make_user("h2@example.cn", ["HANDLER"], name="办理员乙")
    empty = await submit(admin, "/admin/teams/new", {"name": ""})
    assert empty.status_code == 422 and 'id="name-error"' in empty.text
    assert (await submit(admin, "/admin/teams/new", {"name": "企业服务组"})).status_code == 303
    page = (await admin.client.get("/admin/teams")).text
    team_id = re.search(r'name="teamId" value="([^"]+)"', page)
    member = re.search(r'<option value="([^"]+)">办理员甲</option>', page)
    assert team_id and member
    base = {"teamId": team_id.group(1), "userId": member.group(1), "kind": "HANDLER"}
    added = await submit(admin, "/admin/teams/members/add", {**base, "expectedVersion": 1})
    assert added.status_code == 303
    again = await submit(admin, "/admin/teams/members/add", {**base, "expectedVersion": 2})
    assert again.status_code == 422 and "此人已以该角色在团队中" in again.text
    other = re.search(r'<option value="([^"]+)">办理员乙</option>', page)
    assert other
    stale = {**base, "userId": other.group(1), "expectedVersion": 1}
    response = await submit(admin, "/admin/teams/members/add", stale)
    assert response.status_code == 422 and "在此期间已有他人修改" in response.text
    page = (await admin.client.get("/admin/teams")).text
    version = re.search(r'name="expectedVersion" value="(\d+)"', page)
    assert version and "标记休假" in page
    leave = {**base, "onLeave": "true", "expectedVersion": version.group(1)}
    assert (await submit(admin, "/admin/teams/members/leave", leave)).status_code == 303
    page = (await admin.client.get("/admin/teams")).text
    assert "休假中" in page
    version = re.search(r'name="expectedVersion" value="(\d+)"', page)
    assert version
    removed = await submit(
        admin, "/admin/teams/members/remove", {**base, "expectedVersion": version.group(1)}
    )
    assert removed.status_code == 303
    assert "暂无成员" in (await admin.client.get("/admin/teams")).text
    unknown = await submit(admin, "/admin/teams/members/promote", base)
    assert unknown.status_code == 404


async def test_a_team_gets_a_supervisor_on_the_teams_page(admin: Api) -> None:
    await make_user("s1@example.cn", ["SUPERVISOR"], name="监管丙")
    await make_user("h3@example.cn", ["HANDLER"], name="办理员丁")
    assert (await submit(admin, "/admin/teams/new", {"name": "督办组"})).status_code == 303
    page = (await admin.client.get("/admin/teams")).text
    # Without one, the page says that every supervisor is told.
    assert "每位监管员都会收到" in page
    team_id = re.search(r'name="teamId" value="([^"]+)"', page)
    supervisor = re.search(r'<option value="([^"]+)">监管丙</option>', page)
    handler = re.search(r'<option value="([^"]+)">办理员丁</option>', page)
    assert team_id and supervisor and handler
    assert '<option value="SUPERVISOR">监管员</option>' in page
    add = {"teamId": team_id.group(1), "userId": supervisor.group(1), "expectedVersion": 1}
    assert (
        await submit(admin, "/admin/teams/members/add", {**add, "kind": "SUPERVISOR"})
    ).status_code == 303
    page = (await admin.client.get("/admin/teams")).text
    assert "监管丙" in page and "每位监管员都会收到" not in page
    # A handler is not a supervisor: the role decides what one may be in a team.
    wrong = {**add, "userId": handler.group(1), "kind": "SUPERVISOR", "expectedVersion": 2}
    refused = await submit(admin, "/admin/teams/members/add", wrong)
    assert refused.status_code == 422
