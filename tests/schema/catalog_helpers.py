"""Shared steps for the catalog tests: an admin, a category, items made through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.schema.helpers import signed_in

ERRORS = "userErrors { field code message }"
ITEM_FIELDS = """id name nameZh nameEn summary status version versionNumber latestVersionNumber
    category { id name } reminders processSteps { position title }
    form { fields { key type label required min max options { value label } }
           attachments { kind label mimeTypes maxBytes required deferrable } }"""
CREATE_CATEGORY = f"""mutation($input: CreateCategoryInput!) {{ createCategory(input: $input) {{
    category {{ id name nameZh nameEn description position version }} {ERRORS} }} }}"""
UPDATE_CATEGORY = f"""mutation($input: UpdateCategoryInput!) {{ updateCategory(input: $input) {{
    category {{ id name nameZh nameEn description position version }} {ERRORS} }} }}"""
CREATE_ITEM = f"""mutation($input: CreateServiceItemInput!) {{ createServiceItem(input: $input) {{
    serviceItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
UPDATE_ITEM = f"""mutation($input: UpdateServiceItemInput!) {{ updateServiceItem(input: $input) {{
    serviceItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
PUBLISH = f"""mutation($input: ServiceItemChangeInput!) {{ publishServiceItem(input: $input) {{
    serviceItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
RETIRE = f"""mutation($input: ServiceItemChangeInput!) {{ retireServiceItem(input: $input) {{
    serviceItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
ITEM = f"""query($id: ID!) {{ serviceItem(id: $id) {{ {ITEM_FIELDS} }} }}"""


def label(zh: str, en: str = "") -> dict[str, str]:
    return {"zh": zh, "en": en}


def item_input(name_zh: str, name_en: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "nameZh": name_zh,
        "nameEn": name_en,
        "summaryZh": f"{name_zh}的简介",
        "summaryEn": f"About {name_en}" if name_en else "",
        "handlingLocationZh": "园区服务大厅 2 号窗口",
        "processSteps": [{"title": label("在线提交", "Apply online")}, {"title": label("审核")}],
        "reminders": [label("请准备营业执照", "Bring the business licence")],
        "form": {
            "fields": [
                {"key": "amount", "type": "MONEY", "label": label("金额", "Amount"),
                 "required": True, "min": "10000", "max": "5000000"},
            ],
            "attachments": [
                {"kind": "licence", "label": label("营业执照"), "mimeTypes": ["application/pdf"],
                 "maxBytes": 1048576, "required": True},
            ],
        },
        **extra,
    }  # fmt: skip


async def admin_client(new_api: Any) -> Api:
    return await signed_in(new_api, "admin@example.com", ["ADMIN"], name="园区管理员")


async def create_category(admin: Api, name_zh: str, name_en: str = "", **extra: Any) -> Any:
    data = await admin.gql(
        CREATE_CATEGORY, {"input": {"nameZh": name_zh, "nameEn": name_en, **extra}}
    )
    payload = data["createCategory"]
    assert payload["userErrors"] == [], payload
    return payload["category"]


async def create_item(
    admin: Api, category_id: str, name_zh: str, name_en: str = "", **extra: Any
) -> Any:
    data = await admin.gql(
        CREATE_ITEM, {"input": {"categoryId": category_id, **item_input(name_zh, name_en, **extra)}}
    )
    payload = data["createServiceItem"]
    assert payload["userErrors"] == [], payload
    return payload["serviceItem"]


async def publish(admin: Api, item: dict[str, Any]) -> Any:
    data = await admin.gql(
        PUBLISH, {"input": {"serviceItemId": item["id"], "expectedVersion": item["version"]}}
    )
    payload = data["publishServiceItem"]
    assert payload["userErrors"] == [], payload
    return payload["serviceItem"]


async def published_item(
    admin: Api, category_id: str, name_zh: str, name_en: str = "", **extra: Any
) -> Any:
    return await publish(admin, await create_item(admin, category_id, name_zh, name_en, **extra))
