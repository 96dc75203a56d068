"""The verification queue: admins verify or reject with a reason; registrants see the outcome."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, Api, make_user
from tests.schema.enterprise_helpers import PNG, credit_code, storage_app
from tests.web.helpers import sign_in_by_form, submit
from tests.web.test_enterprise_pages import (
    FIELDS,
    post_registration,
    register_by_page,
    signed_up,
)


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


@pytest.fixture
async def admin(new_api: Any) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    client: Api = new_api()
    assert (await sign_in_by_form(client, "admin@example.cn", PASSWORD)).status_code == 303
    return client


def _row(html: str, enterprise_id: str) -> str:
    return html.split(f'id="enterprise-{enterprise_id}"', 1)[1].split("</li>", 1)[0]


def _version(row: str) -> str:
    found = re.search(r'name="expectedVersion" value="(\d+)"', row)
    assert found
    return found.group(1)


@pytest.mark.parametrize("path", ["/admin/enterprises", "/admin/premises", "/admin/providers"])
async def test_admin_pages_refuse_others(api: Api, path: str) -> None:
    anonymous = await api.client.get(path)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={path}"
    await signed_up(api, "赵磊", "13800138000")
    refused = await api.client.get(path)
    assert refused.status_code == 403 and "您无权打开此页面" in refused.text
    posted = await submit(api, "/admin/enterprises/review", {"enterpriseId": "x"})
    assert posted.status_code == 403


async def test_admin_verifies_in_the_queue_and_the_registrant_sees_it(api: Api, admin: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    first = await register_by_page(api, 1, name="先登记的公司")
    response = await post_registration(
        api,
        {**FIELDS, "creditCode": credit_code(2), "name": "后登记的公司"},
        ("执照.png", PNG, "image/png"),
    )
    assert response.status_code == 303
    second_id = response.headers["location"].rsplit("/", 1)[1]
    first_id = first.rsplit("/", 1)[1]
    queue = await admin.client.get("/admin/enterprises")
    assert queue.status_code == 200
    html = queue.text
    assert html.index("先登记的公司") < html.index("后登记的公司")  # oldest first
    assert 'href="/admin/enterprises"' in html.split("</nav>", 1)[0]
    pdf_row, png_row = _row(html, first_id), _row(html, second_id)
    assert re.search(r'<img src="/files/[^"]+" alt="后登记的公司 的营业执照"', png_row)
    assert re.search(r'<a class="button" href="/files/[^"]+"', pdf_row) and "<img" not in pdf_row
    verified = await submit(
        admin,
        "/admin/enterprises/review",
        {"enterpriseId": first_id, "expectedVersion": _version(pdf_row), "decision": "VERIFY"},
    )
    assert verified.status_code == 303
    after = await admin.client.get(verified.headers["location"])
    assert "企业已审核通过" in after.text and "先登记的公司" not in after.text
    listed = await admin.client.get("/admin/enterprises?status=VERIFIED")
    assert "先登记的公司" in listed.text
    seen = await api.client.get(first)
    assert "企业已通过审核" in seen.text and "已认证" in seen.text


async def test_a_rejection_needs_a_reason_then_the_registrant_resubmits(
    api: Api, admin: Api
) -> None:
    await signed_up(api, "赵磊", "13800138000")
    status_path = await register_by_page(api)
    enterprise_id = status_path.rsplit("/", 1)[1]
    row = _row((await admin.client.get("/admin/enterprises")).text, enterprise_id)
    fields = {"enterpriseId": enterprise_id, "expectedVersion": _version(row)}
    no_reason = await submit(admin, "/admin/enterprises/review", {**fields, "decision": "REJECT"})
    assert no_reason.status_code == 422
    row = _row(no_reason.text, enterprise_id)
    assert f'id="reason-{enterprise_id}-error"' in row and 'aria-invalid="true"' in row
    reason = "营业执照照片模糊，请上传清晰的扫描件。"
    rejected = await submit(
        admin, "/admin/enterprises/review", {**fields, "decision": "REJECT", "reason": reason}
    )
    assert rejected.status_code == 303
    page = (await api.client.get(status_path)).text
    assert "企业登记未通过审核" in page and reason in page
    assert "修改后重新提交" in page and 'value="杭州云栖智能科技有限公司"' in page
    mine = (await api.client.get("/enterprises")).text
    assert reason in mine
    version = re.search(r'name="expectedVersion" value="(\d+)"', page)
    current = re.search(r'name="currentLicenceId" value="([^"]+)"', page)
    assert version and current
    resubmitted_fields = {
        **FIELDS,
        "creditCode": credit_code(1),
        "expectedVersion": version.group(1),
        "currentLicenceId": current.group(1),
    }
    bad = await post_registration(
        api,
        {**resubmitted_fields, "contactPhone": ""},
        ("new.png", PNG, "image/png"),
        path=status_path + "/resubmit",
    )
    assert bad.status_code == 422 and 'id="contactPhone-error"' in bad.text
    good = await post_registration(
        api,
        {**resubmitted_fields, "name": "杭州云栖智能科技股份有限公司"},
        None,
        path=status_path + "/resubmit",
    )
    assert good.status_code == 303, good.text
    page = (await api.client.get(status_path)).text
    assert "杭州云栖智能科技股份有限公司" in page and "等待审核" in page
    assert enterprise_id in (await admin.client.get("/admin/enterprises")).text


async def test_the_licence_link_is_for_admins_and_members_only(
    api: Api, admin: Api, new_api: Any
) -> None:
    await signed_up(api, "赵磊", "13800138000")
    status_path = await register_by_page(api)
    assert 'id="licence-link"' in (await api.client.get(status_path)).text
    assert 'id="licence-link"' in (await admin.client.get(status_path)).text
    await make_user("handler@example.cn", ["HANDLER"])
    handler: Api = new_api()
    await sign_in_by_form(handler, "handler@example.cn", PASSWORD)
    assert (await handler.client.get(status_path)).status_code == 404
    stranger = await signed_up(new_api(), "路人", "13900139000")
    refused = await stranger.client.get(status_path)
    assert refused.status_code == 404 and "/files/" not in refused.text
