"""The enterprise pages for their members: register with a licence, see the status, join, invite."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, Api, make_user
from tests.schema.enterprise_helpers import PDF, PNG, credit_code, storage_app
from tests.web.helpers import sign_in_by_form, submit

FIELDS = {
    "name": "杭州云栖智能科技有限公司",
    "establishedOn": "2019-05-20",
    "legalRepresentative": "周明",
    "contactName": "赵磊",
    "contactPhone": "0571-88888888",
    "address": "杭州市西湖区云栖小镇 8 号楼",
}


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def signed_up(api: Api, name: str, contact: str) -> Api:
    response = await submit(
        api, "/signup", {"name": name, "contact": contact, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text
    return api


async def post_registration(
    api: Api,
    fields: dict[str, str],
    licence: tuple[str, bytes, str] | None = ("licence.pdf", PDF, "application/pdf"),
    *,
    path: str = "/enterprises/new",
    csrf: bool = True,
) -> Any:
    """The registration form as a browser sends it: multipart, the CSRF token in the URL."""
    await api.prime()
    url = path + (f"?csrf_token={api.csrf()}" if csrf else "")
    files = {"licence": licence or ("", b"", "application/octet-stream")}
    return await api.client.post(url, data=fields, files=files, headers={"Accept": "text/html"})


async def register_by_page(api: Api, n: int = 1, **overrides: str) -> str:
    """Registers through the page; returns the status page's path."""
    response = await post_registration(api, {**FIELDS, "creditCode": credit_code(n), **overrides})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/enterprises/")
    return str(location)


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1]


async def test_register_with_a_licence_and_see_the_status_page(api: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    form = await api.client.get("/enterprises/new")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert 'accept=".pdf,.jpg,.jpeg,.png' in form.text and "10 MB" in form.text
    assert "18" in form.text and "/static/js/upload-progress.js" in form.text
    status_path = await register_by_page(api)
    page = await api.client.get(status_path)
    assert page.status_code == 200
    main = _main(page.text)
    assert "杭州云栖智能科技有限公司" in main and "等待审核" in main
    assert "企业登记已提交" in main
    assert 'id="licence-link"' in main and 'href="/files/' in main
    mine = await api.client.get("/enterprises")
    assert "杭州云栖智能科技有限公司" in mine.text and "负责人" in mine.text
    assert 'href="/enterprises"' in mine.text.split("</nav>", 1)[0]


async def test_every_problem_is_shown_at_its_field_and_values_are_kept(api: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    good = credit_code(1)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = await post_registration(
        api,
        {**FIELDS, "creditCode": wrong_check, "legalRepresentative": "", "contactPhone": "12"},
        ("licence.pdf", b"this is only text, not a PDF", "application/pdf"),
    )
    assert response.status_code == 422
    html = response.text
    credit = html.split('id="creditCode-error"', 1)[1].split("</p>", 1)[0]
    assert f"应为 {good[-1]}" in credit
    assert 'id="legalRepresentative-error"' in html
    assert 'id="contactPhone-error"' in html
    licence = html.split('id="licence-error"', 1)[1].split("</p>", 1)[0]
    assert "不接受这种文件" in licence and "PDF" in licence
    assert f'value="{wrong_check}"' in html and 'value="杭州云栖智能科技有限公司"' in html
    assert "重新选择" in html


async def test_a_missing_licence_and_fields_are_named(api: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    response = await post_registration(api, {"name": "", "creditCode": ""}, None)
    assert response.status_code == 422
    for name in ("name", "creditCode", "establishedOn", "contactName", "address", "licence"):
        assert f'id="{name}-error"' in response.text, name


async def test_the_multipart_form_needs_the_csrf_token_in_its_address(api: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    fields = {**FIELDS, "creditCode": credit_code(1)}
    response = await post_registration(api, fields, csrf=False)
    assert response.status_code == 403
    assert "/enterprises/" not in response.headers.get("location", "")


async def test_anonymous_visitors_are_sent_to_sign_in(api: Api) -> None:
    for path in ("/enterprises", "/enterprises/new"):
        response = await api.client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


async def test_a_stranger_sees_no_enterprise_and_no_licence(api: Api, new_api: Any) -> None:
    await signed_up(api, "赵磊", "13800138000")
    status_path = await register_by_page(api)
    stranger = await signed_up(new_api(), "路人", "13900139000")
    response = await stranger.client.get(status_path)
    assert response.status_code == 404
    assert "/files/" not in response.text
    assert (await stranger.client.get("/enterprises/not-an-id")).status_code == 404


async def _verify(new_api: Any, status_path: str) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    admin: Api = new_api()
    assert (await sign_in_by_form(admin, "admin@example.cn", PASSWORD)).status_code == 303
    queue = (await admin.client.get("/admin/enterprises")).text
    enterprise_id = status_path.rsplit("/", 1)[1]
    block = queue.split(f'id="enterprise-{enterprise_id}"', 1)[1]
    version = re.search(r'name="expectedVersion" value="(\d+)"', block)
    assert version
    fields = {"enterpriseId": enterprise_id, "expectedVersion": version.group(1)}
    verified = await submit(admin, "/admin/enterprises/review", {**fields, "decision": "VERIFY"})
    assert verified.status_code == 303
    return admin


async def test_invite_a_colleague_who_joins_and_can_be_removed(api: Api, new_api: Any) -> None:
    await signed_up(api, "赵磊", "13800138000")
    status_path = await register_by_page(api)
    pending = await submit(api, status_path + "/invitations", {})
    assert pending.status_code == 422 and "审核通过" in pending.text
    await _verify(new_api, status_path)
    page = await api.client.get(status_path)
    assert "已通过审核" in page.text and 'id="members"' in page.text
    created = await submit(api, status_path + "/invitations", {})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    code = re.search(r'id="new-invitation">.*?<code>([A-Z0-9]+)</code>', created.text, re.S)
    assert code
    colleague = await signed_up(new_api(), "钱七", "13900139000")
    wrong = await submit(colleague, "/enterprises/join", {"code": "NOPE"})
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
    joined = await submit(colleague, "/enterprises/join", {"code": code.group(1).lower()})
    assert joined.status_code == 303 and joined.headers["location"] == status_path
    seen = await colleague.client.get(status_path)
    assert "钱七" in seen.text and "成员" in seen.text
    assert "/members/remove" not in seen.text  # only owners remove
    again = await submit(colleague, "/enterprises/join", {"code": code.group(1)})
    assert again.status_code == 422 and "已被使用" in again.text
    page = (await api.client.get(status_path)).text
    member = re.search(r'id="member-([^"]+)">\s*<span class="who">钱七', page)
    assert member
    removed = await submit(api, status_path + "/members/remove", {"userId": member.group(1)})
    assert removed.status_code == 303
    assert "钱七" not in (await api.client.get(status_path)).text


async def test_a_png_licence_is_accepted(api: Api) -> None:
    await signed_up(api, "赵磊", "13800138000")
    response = await post_registration(
        api, {**FIELDS, "creditCode": credit_code(2)}, ("执照.png", PNG, "image/png")
    )
    assert response.status_code == 303
