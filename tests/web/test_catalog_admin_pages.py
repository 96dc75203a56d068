"""The admin catalog and the item editor: versions, errors at their inputs, the no-JS row
buttons, and the live preview."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD, Api, make_user
from tests.schema.catalog_helpers import PUBLISH, create_category, create_item
from tests.web.helpers import sign_in_by_form, submit


@pytest.fixture
async def admin(api: Api) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    assert (await sign_in_by_form(api, "admin@example.cn", PASSWORD)).status_code == 303
    return api


async def _published_item(admin: Api) -> dict[str, Any]:
    category = await create_category(admin, "项目申报", "Project declaration")
    item = await create_item(admin, category["id"], "高新技术企业认定", "High-tech Recognition")
    data = await admin.gql(
        PUBLISH, {"input": {"serviceItemId": item["id"], "expectedVersion": item["version"]}}
    )
    assert data["publishServiceItem"]["userErrors"] == []
    return {"category": category, "item": data["publishServiceItem"]["serviceItem"]}


def _editor_fields(html: str) -> dict[str, Any]:
    """The editor form's fields as a browser would submit them (text, hidden, checked boxes,
    selected options, textareas); buttons are left out."""
    form = html.split('id="editor-form"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, Any] = {}

    def put(name: str, value: str) -> None:
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = value

    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        put(name.group(1), _unescape(value.group(1) if value else ""))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        put(name, _unescape(body))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        first = re.search(r'<option value="([^"]*)"', body)
        put(name, (chosen or first).group(1) if (chosen or first) else "")  # type: ignore[union-attr]
    return fields


def _unescape(value: str) -> str:
    return (
        value.replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


@pytest.mark.parametrize("path", ["/admin/catalog", "/admin/catalog/items/new?category=x"])
async def test_admin_catalog_refuses_non_admins(api: Api, path: str) -> None:
    await make_user("applicant@example.cn", ["APPLICANT"])
    anonymous = await api.client.get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    await sign_in_by_form(api, "applicant@example.cn", PASSWORD)
    response = await api.client.get(path)
    assert response.status_code == 403 and "您无权打开此页面" in response.text
    posted = await submit(api, "/admin/catalog/categories/new", {"nameZh": "x"})
    assert posted.status_code == 403
    preview = await submit(api, "/admin/catalog/preview", {})
    assert preview.status_code == 403


async def test_categories_are_created_and_edited(admin: Api) -> None:
    await admin.gql(
        "mutation($i: CreateTeamInput!) { createTeam(input: $i) { userErrors { field } } }",
        {"i": {"name": "项目申报组"}},
    )
    page = await admin.client.get("/admin/catalog")
    assert page.status_code == 200 and "项目申报组" in page.text
    team_id = re.search(r'<option value="([^"]+)">项目申报组</option>', page.text).group(1)  # type: ignore[union-attr]
    missing = await submit(admin, "/admin/catalog/categories/new", {"nameZh": ""})
    assert missing.status_code == 422 and 'id="new-nameZh-error"' in missing.text
    made = await submit(
        admin,
        "/admin/catalog/categories/new",
        {"nameZh": "人才培训", "nameEn": "Talent training", "teamId": team_id, "position": "2"},
    )
    assert made.status_code == 303
    page = await admin.client.get("/admin/catalog")
    assert "人才培训" in page.text and "分类已创建" in page.text
    category_id = re.search(r'id="category-([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert f'<option value="{team_id}" selected>' in page.text
    saved = await submit(
        admin,
        "/admin/catalog/categories/edit",
        {
            "categoryId": category_id,
            "expectedVersion": "1",
            "nameZh": "人才培训服务",
            "nameEn": "Talent training",
            "descriptionZh": "各类职业培训",
            "teamId": team_id,
        },
    )
    assert saved.status_code == 303
    public = await admin.client.get(f"/catalog/categories/{category_id}")
    assert "人才培训服务" in public.text and "各类职业培训" in public.text
    assert "项目申报组" in public.text


async def test_editing_creates_a_version_and_publish_makes_it_live(
    admin: Api, new_api: Any
) -> None:
    made = await _published_item(admin)
    item_id = made["item"]["id"]
    listing = await admin.client.get("/admin/catalog")
    assert "高新技术企业认定" in listing.text and "已发布" in listing.text
    editor = await admin.client.get(f"/admin/catalog/items/{item_id}/edit")
    assert editor.status_code == 200
    assert 'name="form.fields.0.key" value="amount"' in editor.text
    fields = _editor_fields(editor.text)
    fields["nameZh"] = "高新技术企业认定（2027 年度）"
    fields["action"] = "save"
    saved = await submit(admin, f"/admin/catalog/items/{item_id}/edit", fields)
    assert saved.status_code == 303, saved.text[:3000]
    editor = await admin.client.get(f"/admin/catalog/items/{item_id}/edit")
    assert "第 2 版" in editor.text and "第 1 版正在生效" in editor.text
    assert "已保存为新版本" in editor.text
    visitor = new_api()
    public = await visitor.client.get(f"/catalog/items/{item_id}")
    assert "高新技术企业认定" in public.text and "2027 年度" not in public.text
    version = re.search(r'name="expectedVersion" value="(\d+)"', editor.text).group(1)  # type: ignore[union-attr]
    published = await submit(
        admin,
        f"/admin/catalog/items/{item_id}/publish",
        {"expectedVersion": version, "next": f"/admin/catalog/items/{item_id}/edit"},
    )
    assert published.status_code == 303
    public = await visitor.client.get(f"/catalog/items/{item_id}")
    assert "高新技术企业认定（2027 年度）" in public.text
    retired = await submit(
        admin,
        f"/admin/catalog/items/{item_id}/retire",
        {"expectedVersion": str(int(version) + 1), "next": "/admin/catalog"},
    )
    assert retired.status_code == 303
    assert (await visitor.client.get(f"/catalog/items/{item_id}")).status_code == 404


async def test_a_bad_form_definition_shows_at_its_inputs_and_saves_nothing(admin: Api) -> None:
    made = await _published_item(admin)
    item_id = made["item"]["id"]
    fields = _editor_fields((await admin.client.get(f"/admin/catalog/items/{item_id}/edit")).text)
    extra = {
        "form.fields.1.key": "amount",
        "form.fields.1.type": "TEXT",
        "form.fields.1.label.zh": "重复键",
        "form.fields.2.key": "code",
        "form.fields.2.type": "TEXT",
        "form.fields.2.label.zh": "代码",
        "form.fields.2.pattern": "([a-z",
        "form.fields.3.key": "kind",
        "form.fields.3.type": "CHOICE",
        "form.fields.3.label.zh": "类型",
        "form.fields.4.key": "count",
        "form.fields.4.type": "NUMBER",
        "form.fields.4.label.zh": "人数",
        "form.fields.4.min": "10",
        "form.fields.4.max": "5",
    }
    response = await submit(
        admin, f"/admin/catalog/items/{item_id}/edit", {**fields, **extra, "action": "save"}
    )
    assert response.status_code == 422
    assert "未保存任何内容" in response.text
    for input_id, words in [
        ("form-fields-1-key", "amount"),
        ("form-fields-2-pattern", "正则表达式"),
        ("form-fields-3-options", "至少需要一个选项"),
        ("form-fields-4-min", "最小值大于最大值"),
    ]:
        error = response.text.split(f'id="{input_id}-error"', 1)
        assert len(error) == 2, input_id
        assert words in error[1].split("</p>", 1)[0], (input_id, error[1][:200])
    assert 'value="([a-z"' in response.text  # what was typed stays
    editor = await admin.client.get(f"/admin/catalog/items/{item_id}/edit")
    assert "第 2 版" not in editor.text and "form.fields.1.key" not in editor.text


async def test_rows_are_added_removed_and_moved_without_javascript(admin: Api) -> None:
    made = await _published_item(admin)
    item_id = made["item"]["id"]
    url = f"/admin/catalog/items/{item_id}/edit"
    fields = _editor_fields((await admin.client.get(url)).text)
    added = await submit(admin, url, {**fields, "action": "add_field"})
    assert added.status_code == 200
    assert 'name="form.fields.1.key" value="field2"' in added.text
    fields = _editor_fields(added.text)
    fields["form.fields.1.label.zh"] = "联系人"
    moved = await submit(admin, url, {**fields, "action": "up_field:1"})
    assert moved.text.index('value="联系人"') < moved.text.index('value="amount"')
    assert 'name="form.fields.0.key" value="field2"' in moved.text
    removed = await submit(admin, url, {**_editor_fields(moved.text), "action": "remove_field:1"})
    assert 'value="amount"' not in removed.text and 'value="联系人"' in removed.text
    step = await submit(admin, url, {**_editor_fields(removed.text), "action": "add_step"})
    assert 'name="processSteps.2.title.zh"' in step.text
    material = await submit(admin, url, {**_editor_fields(step.text), "action": "add_attachment"})
    assert 'name="form.attachments.1.kind" value="material2"' in material.text
    editor = await admin.client.get(url)
    assert "第 2 版" not in editor.text and 'value="联系人"' not in editor.text


async def test_new_item_through_the_editor(admin: Api) -> None:
    category = await create_category(admin, "法律维权", "Legal rights")
    url = f"/admin/catalog/items/new?category={category['id']}"
    page = await admin.client.get(url)
    assert page.status_code == 200 and "在“法律维权”中新建服务事项" in page.text
    fields = _editor_fields(page.text)
    fields.update({"nameZh": "法律咨询", "timeLimitDays": "5", "action": "save"})
    saved = await submit(admin, "/admin/catalog/items/new", fields)
    assert saved.status_code == 303
    editor = await admin.client.get(saved.headers["location"])
    assert "法律咨询" in editor.text and "尚无已发布的版本" in editor.text
    bad = await submit(admin, "/admin/catalog/items/new", {**fields, "timeLimitDays": "x"})
    assert bad.status_code == 422 and 'id="timeLimitDays-error"' in bad.text


async def test_preview_renders_the_submitted_fields_unsaved(admin: Api) -> None:
    made = await _published_item(admin)
    response = await submit(
        admin,
        "/admin/catalog/preview",
        {
            "form.fields.0.key": "company",
            "form.fields.0.type": "TEXT",
            "form.fields.0.label.zh": "企业名称",
            "form.fields.0.required": "true",
            "form.fields.0.mirrors": "NAME",
            "form.fields.1.key": "size",
            "form.fields.1.type": "CHOICE",
            "form.fields.1.label.zh": "企业规模",
            "form.fields.1.options": "small | 小型\nlarge | 大型 | Large",
            "form.attachments.0.kind": "licence",
            "form.attachments.0.label.zh": "营业执照",
            "form.attachments.0.mimeTypes": "application/pdf",
            "form.attachments.0.maxBytes": "5",
        },
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="preview-company"' in response.text and "企业名称" in response.text
    # As the applicant will see it: read-only, from the enterprise's record.
    assert 'name="preview-company" value="" readonly' in response.text
    assert 'type="radio" name="preview-size" value="large"' in response.text
    assert "大型" in response.text and "营业执照" in response.text and "5 MB" in response.text
    editor = await admin.client.get(f"/admin/catalog/items/{made['item']['id']}/edit")
    assert "企业名称" not in editor.text


async def test_a_field_is_set_to_mirror_the_enterprises_record_and_keeps_it(admin: Api) -> None:
    made = await _published_item(admin)
    path = f"/admin/catalog/items/{made['item']['id']}/edit"
    fields = _editor_fields((await admin.client.get(path)).text)
    assert fields["form.fields.0.mirrors"] == ""
    # An amount cannot hold a credit code: refused at the choice, nothing saved.
    wrong = await submit(
        admin, path, {**fields, "form.fields.0.mirrors": "CREDIT_CODE", "action": "save"}
    )
    assert wrong.status_code == 422
    problem = wrong.text.split('name="form.fields.0.mirrors"', 1)[1].split("</div>", 1)[0]
    assert "该类型的字段无法承载企业档案中的这一项。" in problem, problem
    fields.update(
        {"form.fields.0.type": "CREDIT_CODE", "form.fields.0.min": "", "form.fields.0.max": ""}
    )
    saved = await submit(
        admin, path, {**fields, "form.fields.0.mirrors": "CREDIT_CODE", "action": "save"}
    )
    assert saved.status_code == 303, saved.text[:3000]
    again = _editor_fields((await admin.client.get(path)).text)
    assert again["form.fields.0.mirrors"] == "CREDIT_CODE"
