"""The premises register and the providers list, for admins, through their forms."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, Api, make_user
from tests.schema.enterprise_helpers import credit_code, storage_app
from tests.web.helpers import sign_in_by_form, submit
from tests.web.test_enterprise_pages import FIELDS, register_by_page, signed_up


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


@pytest.fixture
async def admin(new_api: Any) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    client: Api = new_api()
    assert (await sign_in_by_form(client, "admin@example.cn", PASSWORD)).status_code == 303
    return client


async def _verified_enterprise(owner: Api, admin: Api, n: int, name: str) -> str:
    status_path = await register_by_page(owner, n, name=name)
    enterprise_id = status_path.rsplit("/", 1)[1]
    queue = (await admin.client.get("/admin/enterprises")).text
    row = queue.split(f'id="enterprise-{enterprise_id}"', 1)[1]
    version = re.search(r'name="expectedVersion" value="(\d+)"', row)
    assert version
    fields = {"enterpriseId": enterprise_id, "expectedVersion": version.group(1)}
    response = await submit(admin, "/admin/enterprises/review", {**fields, "decision": "VERIFY"})
    assert response.status_code == 303
    return enterprise_id


def _option(html: str, label: str) -> str:
    found = re.search(rf'<option value="([^"]+)"[^>]*>{re.escape(label)}</option>', html)
    assert found, label
    return found.group(1)


async def test_build_the_register_bind_a_unit_and_see_a_conflict(
    api: Api, admin: Api, new_api: Any
) -> None:
    await signed_up(api, "赵磊", "13800138000")
    first = await _verified_enterprise(api, admin, 1, "云栖科技")
    other = await signed_up(new_api(), "钱七", "13900139000")
    second = await _verified_enterprise(other, admin, 2, "西溪数据")
    await register_by_page(api, 3, name="待审企业")

    empty = await submit(admin, "/admin/premises/building", {"name": ""})
    assert empty.status_code == 422 and 'id="building-name-error"' in empty.text
    assert (
        await submit(admin, "/admin/premises/building", {"name": "A 座", "address": "云栖路 1 号"})
    ).status_code == 303
    page = (await admin.client.get("/admin/premises")).text
    building = _option(page, "A 座")
    floor = await submit(
        admin, "/admin/premises/floor", {"buildingId": building, "label": "3F", "position": "3"}
    )
    assert floor.status_code == 303
    page = (await admin.client.get("/admin/premises")).text
    floor_id = _option(page, "3F")
    bad_area = await submit(
        admin, "/admin/premises/unit", {"floorId": floor_id, "label": "301", "areaM2": "大"}
    )
    assert bad_area.status_code == 422 and 'id="unit-areaM2-error"' in bad_area.text
    unit = await submit(
        admin, "/admin/premises/unit", {"floorId": floor_id, "label": "301", "areaM2": "120.5"}
    )
    assert unit.status_code == 303
    page = (await admin.client.get("/admin/premises")).text
    assert "120.50 平方米" in page and "空置" in page
    unit_id = _option(page, "301")
    bind_select = page.split('id="bind-enterpriseId"', 1)[1].split("</select>", 1)[0]
    assert "云栖科技" in bind_select and "西溪数据" in bind_select
    assert "待审企业" not in bind_select  # only verified enterprises

    missing = await submit(admin, "/admin/premises/bind", {"unitId": unit_id})
    assert missing.status_code == 422
    assert 'id="bind-enterpriseId-error"' in missing.text
    assert 'id="bind-startsOn-error"' in missing.text
    fields = {"unitId": unit_id, "enterpriseId": first, "startsOn": "2026-01-01"}
    assert (await submit(admin, "/admin/premises/bind", fields)).status_code == 303
    page = (await admin.client.get("/admin/premises")).text
    assert "云栖科技" in page.split('id="register"', 1)[1].split('id="bind"', 1)[0]

    taken = await submit(admin, "/admin/premises/bind", {**fields, "enterpriseId": second})
    assert taken.status_code == 422
    bind_form = taken.text.split('action="/admin/premises/bind"', 1)[1].split("</form>", 1)[0]
    assert 'id="bind-unitId-error"' in bind_form and "已由其他企业使用" in bind_form

    owner_page = (await api.client.get(f"/enterprises/{first}")).text
    assert "A 座 · 3F · 301" in owner_page and "自 2026-01-01 起" in owner_page

    binding = re.search(r'name="bindingId" value="([^"]+)"', page)
    assert binding
    too_early = await submit(
        admin, "/admin/premises/end", {"bindingId": binding.group(1), "endsOn": "2025-12-01"}
    )
    assert too_early.status_code == 422 and "2026-01-01" in too_early.text
    assert re.search(r'id="end-[^"]+-endsOn-error"', too_early.text)
    ended = await submit(
        admin, "/admin/premises/end", {"bindingId": binding.group(1), "endsOn": "2026-06-30"}
    )
    assert ended.status_code == 303
    owner_page = (await api.client.get(f"/enterprises/{first}")).text
    assert "曾用房源" in owner_page and "2026-06-30" in owner_page


async def test_providers_list_create_and_edit(admin: Api) -> None:
    bad = await submit(
        admin, "/admin/providers/new", {"name": "", "email": "nope", "active": "true"}
    )
    assert bad.status_code == 422
    assert 'id="new-name-error"' in bad.text and 'id="new-email-error"' in bad.text
    created = await submit(
        admin,
        "/admin/providers/new",
        {"name": "正和律师事务所", "contactName": "孙律师", "active": "true"},
    )
    assert created.status_code == 303
    page = (await admin.client.get("/admin/providers")).text
    assert "正和律师事务所" in page and "服务商已添加" in page
    provider_id = re.search(r'name="providerId" value="([^"]+)"', page)
    version = re.search(r'name="expectedVersion" value="(\d+)"', page)
    assert provider_id and version
    fields = {
        "providerId": provider_id.group(1),
        "expectedVersion": version.group(1),
        "name": "正和律师事务所（杭州）",
        "contactPhone": "0571-88888888",
    }
    saved = await submit(admin, "/admin/providers/edit", fields)
    assert saved.status_code == 303
    page = (await admin.client.get("/admin/providers")).text
    assert "正和律师事务所（杭州）" in page and "已停用" in page
    stale = await submit(admin, "/admin/providers/edit", fields)
    assert stale.status_code == 422
    block = stale.text.split(f'id="provider-{provider_id.group(1)}"', 1)[1].split("</li>", 1)[0]
    assert "<details open>" in block and 'role="alert"' in block


async def test_an_empty_register_offers_no_pending_enterprise(api: Api, admin: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    await register_by_page(api, 4)
    page = (await admin.client.get("/admin/premises")).text
    assert "还没有楼栋" in page and 'href="#new-floor"' not in page
    assert FIELDS["name"] not in page and credit_code(4) not in page
