"""Service items: admins create, edit in versions, publish and retire; applicants see live ones."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.catalog import ServiceItem, ServiceItemVersion
from backend.models.events import Event
from tests.conftest import Api
from tests.schema.catalog_helpers import (
    CREATE_CATEGORY,
    CREATE_ITEM,
    ITEM,
    PUBLISH,
    RETIRE,
    UPDATE_CATEGORY,
    UPDATE_ITEM,
    admin_client,
    create_category,
    create_item,
    item_input,
    label,
    publish,
    published_item,
)
from tests.schema.helpers import signed_in

ROLES = ("anonymous", "APPLICANT", "HANDLER")


async def _client(new_api: Any, role: str) -> Api:
    if role == "anonymous":
        return new_api()
    return await signed_in(new_api, f"{role.lower()}@example.com", [role])


def _codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


@pytest.mark.postgres
async def test_an_edit_waits_for_publishing_while_applicants_see_the_live_version(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "项目申报", "Project declaration")
    draft = await create_item(admin, category["id"], "高新技术企业认定", "High-tech recognition")
    assert (draft["status"], draft["version"], draft["versionNumber"]) == ("DRAFT", 1, None)
    applicant = await signed_in(new_api, "13800138000", ["APPLICANT"])
    assert (await applicant.gql(ITEM, {"id": draft["id"]}))["serviceItem"] is None

    live = await publish(admin, draft)
    assert (live["status"], live["version"], live["versionNumber"]) == ("PUBLISHED", 2, 1)

    edited = (
        await admin.gql(
            UPDATE_ITEM,
            {
                "input": {
                    "serviceItemId": draft["id"],
                    "expectedVersion": 2,
                    **item_input("高新技术企业认定（2027版）", "High-tech recognition 2027"),
                }
            },
        )
    )["updateServiceItem"]
    assert edited["userErrors"] == []
    item = edited["serviceItem"]
    assert (item["versionNumber"], item["latestVersionNumber"], item["version"]) == (1, 2, 3)
    assert item["nameZh"] == "高新技术企业认定（2027版）"  # admins see what they edit

    seen = (await applicant.gql(ITEM, {"id": draft["id"]}))["serviceItem"]
    assert (seen["name"], seen["versionNumber"]) == ("高新技术企业认定", 1)
    by_name = await applicant.gql(
        'query { serviceItemByName(category: "项目申报", name: "高新技术企业认定") { id } }'
    )
    assert by_name["serviceItemByName"] == {"id": draft["id"]}

    republished = await publish(admin, item)
    assert (republished["versionNumber"], republished["version"]) == (2, 4)
    seen = (await applicant.gql(ITEM, {"id": draft["id"]}))["serviceItem"]
    assert (seen["name"], seen["versionNumber"]) == ("高新技术企业认定（2027版）", 2)

    pk = (await ServiceItem.get(name_zh="高新技术企业认定（2027版）")).id
    versions = await ServiceItemVersion.filter(item_id=pk).order_by("number")
    assert [(v.number, v.name_zh) for v in versions] == [
        (1, "高新技术企业认定"),
        (2, "高新技术企业认定（2027版）"),
    ]
    history = await Event.filter(aggregate_type="service_item", aggregate_id=pk).order_by(
        "sequence"
    )
    assert [(e.sequence, e.kind) for e in history] == [
        (1, "ITEM_CREATED"),
        (2, "ITEM_PUBLISHED"),
        (3, "ITEM_EDITED"),
        (4, "ITEM_PUBLISHED"),
    ]
    admin_view = await admin.gql(
        "query($id: ID!) { serviceItem(id: $id) { versions { number live createdBy { name } } } }",
        {"id": draft["id"]},
    )
    assert admin_view["serviceItem"]["versions"] == [
        {"number": 2, "live": True, "createdBy": {"name": "园区管理员"}},
        {"number": 1, "live": False, "createdBy": {"name": "园区管理员"}},
    ]
    assert (await applicant.gql(
        "query($id: ID!) { serviceItem(id: $id) { versions { number } } }", {"id": draft["id"]}
    ))["serviceItem"]["versions"] is None  # fmt: skip


@pytest.mark.postgres
async def test_the_item_shows_its_content_in_the_viewers_language(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "融资贷款", "Financing loans")
    item = await published_item(admin, category["id"], "银行贷款对接", "Bank loan matching")
    visitor = new_api()
    query = """query($id: ID!) { serviceItem(id: $id) { name summary handlingLocation reminders
        processSteps { position title } category { name }
        form { fields { label } attachments { label } } formSchema } }"""
    chinese = (await visitor.gql(query, {"id": item["id"]}))["serviceItem"]
    assert chinese["name"] == "银行贷款对接"
    assert chinese["processSteps"] == [
        {"position": 1, "title": "在线提交"},
        {"position": 2, "title": "审核"},
    ]
    assert chinese["formSchema"]["properties"]["amount"]["title"] == "金额"
    assert chinese["formSchema"]["properties"]["amount"]["x-minMoney"] == "10000"
    english_admin = admin
    await english_admin.gql(
        'mutation { setLanguage(input: {language: "en"}) { userErrors { code } } }'
    )
    english = (await english_admin.gql(query, {"id": item["id"]}))["serviceItem"]
    assert english["name"] == "Bank loan matching"
    assert english["category"]["name"] == "Financing loans"
    assert english["handlingLocation"] == "园区服务大厅 2 号窗口"  # no English: the Chinese
    assert english["processSteps"][1]["title"] == "审核"
    assert english["reminders"] == ["Bring the business licence"]
    assert english["form"]["fields"][0]["label"] == "Amount"
    assert english["formSchema"]["properties"]["amount"]["title"] == "Amount"


@pytest.mark.postgres
async def test_a_retired_item_is_hidden_from_applicants_but_not_from_admins(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "法律维权")
    item = await published_item(admin, category["id"], "法律咨询")
    retired = (
        await admin.gql(RETIRE, {"input": {"serviceItemId": item["id"], "expectedVersion": 2}})
    )["retireServiceItem"]
    assert retired["serviceItem"]["status"] == "RETIRED"
    applicant = await signed_in(new_api, "13800138000", ["APPLICANT"])
    assert (await applicant.gql(ITEM, {"id": item["id"]}))["serviceItem"] is None
    listed = await applicant.gql("{ serviceItems { edges { node { id } } } }")
    assert listed["serviceItems"]["edges"] == []
    by_name = await applicant.gql(
        'query { serviceItemByName(category: "法律维权", name: "法律咨询") { id } }'
    )
    assert by_name["serviceItemByName"] is None
    node = await applicant.gql("query($id: ID!) { node(id: $id) { id } }", {"id": item["id"]})
    assert node["node"] is None
    assert (await admin.gql(ITEM, {"id": item["id"]}))["serviceItem"]["status"] == "RETIRED"
    everything = await admin.gql(
        "{ serviceItems(includeUnpublished: true) { edges { node { id status } } } }"
    )
    assert [e["node"]["status"] for e in everything["serviceItems"]["edges"]] == ["RETIRED"]
    again = (
        await admin.gql(RETIRE, {"input": {"serviceItemId": item["id"], "expectedVersion": 3}})
    )["retireServiceItem"]
    assert _codes(again) == [(None, "FORBIDDEN_TRANSITION")]
    back = await publish(admin, retired["serviceItem"])
    assert back["status"] == "PUBLISHED"


@pytest.mark.parametrize("role", ROLES)
async def test_only_admins_change_the_catalog(new_api, role: str) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "管理咨询")
    item = await create_item(admin, category["id"], "企业管理诊断")
    other = await _client(new_api, role)
    expected = "NOT_AUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
    attempts = [
        (CREATE_CATEGORY, "createCategory", {"nameZh": "新类别"}),
        (UPDATE_CATEGORY, "updateCategory",
         {"categoryId": category["id"], "nameZh": "改名", "expectedVersion": 1}),
        (CREATE_ITEM, "createServiceItem", {"categoryId": category["id"], **item_input("新事项")}),
        (UPDATE_ITEM, "updateServiceItem",
         {"serviceItemId": item["id"], "expectedVersion": 1, **item_input("改名")}),
        (PUBLISH, "publishServiceItem", {"serviceItemId": item["id"], "expectedVersion": 1}),
        (RETIRE, "retireServiceItem", {"serviceItemId": item["id"], "expectedVersion": 1}),
    ]  # fmt: skip
    for mutation, name, values in attempts:
        payload = (await other.gql(mutation, {"input": values}))[name]
        assert [e["code"] for e in payload["userErrors"]] == [expected], name
    stored = await ServiceItem.get(name_zh="企业管理诊断")
    assert (stored.status.value, stored.version, stored.latest_number) == ("DRAFT", 1, 1)


@pytest.mark.postgres
async def test_categories_are_created_and_renamed_with_their_version(new_api) -> None:
    admin = await admin_client(new_api)
    first = await create_category(admin, "融资贷款", "Financing loans")
    second = await create_category(admin, "项目申报")
    assert (first["position"], second["position"]) == (1, 2)
    renamed = (
        await admin.gql(
            UPDATE_CATEGORY,
            {"input": {"categoryId": second["id"], "nameZh": "项目申报", "nameEn": "Projects",
                       "descriptionZh": "各级项目申报", "position": 0, "expectedVersion": 1}},
        )
    )["updateCategory"]  # fmt: skip
    assert renamed["userErrors"] == []
    assert (renamed["category"]["nameEn"], renamed["category"]["version"]) == ("Projects", 2)
    stale = (
        await admin.gql(
            UPDATE_CATEGORY,
            {"input": {"categoryId": second["id"], "nameZh": "x", "expectedVersion": 1}},
        )
    )["updateCategory"]
    assert _codes(stale) == [(None, "STALE")]
    taken = (
        await admin.gql(CREATE_CATEGORY, {"input": {"nameZh": " 融资贷款 ", "nameEn": "Projects"}})
    )["createCategory"]
    assert _codes(taken) == [(["nameZh"], "NAME_TAKEN"), (["nameEn"], "NAME_TAKEN")]
    listed = await admin.gql("{ categories { edges { node { name } } } }")
    assert [e["node"]["name"] for e in listed["categories"]["edges"]] == ["项目申报", "融资贷款"]


@pytest.mark.postgres
async def test_every_problem_of_an_item_is_a_user_error_at_its_field(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "人才培训")
    bad_form = {
        "fields": [
            {"key": "name", "type": "TEXT", "label": label("名称")},
            {"key": "name", "type": "TEXT", "label": label("名称2")},
            {"key": "code", "type": "TEXT", "label": label("代码"), "pattern": "([a-z"},
            {"key": "kind", "type": "CHOICE", "label": label("类型")},
            {"key": "amount", "type": "MONEY", "label": label("金额"), "min": "9", "max": "1"},
        ],
        "attachments": [
            {"kind": "plan", "label": label("计划"), "mimeTypes": ["pdf"], "maxBytes": 0,
             "deferrable": True},
        ],
    }  # fmt: skip
    payload = (
        await admin.gql(
            CREATE_ITEM,
            {
                "input": {
                    **item_input(" "),
                    "categoryId": category["id"],
                    "form": bad_form,
                    "processSteps": [{"title": label("")}],
                    "fulfilment": "PROVIDER",
                    "appointmentQuota": 0,
                    "timeLimitDays": 400,
                    "auditRules": "not rules",
                }
            },
        )
    )["createServiceItem"]
    assert payload["serviceItem"] is None
    assert _codes(payload) == [
        (["nameZh"], "REQUIRED"),
        (["processSteps", "0", "title", "zh"], "REQUIRED"),
        (["form", "fields", "1", "key"], "DUPLICATE_KEY"),
        (["form", "fields", "2", "pattern"], "INVALID_PATTERN"),
        (["form", "fields", "3", "options"], "OPTIONS_REQUIRED"),
        (["form", "fields", "4", "min"], "MIN_ABOVE_MAX"),
        (["form", "attachments", "0", "mimeTypes", "0"], "INVALID_MIME_TYPE"),
        (["form", "attachments", "0", "maxBytes"], "INVALID_MAX_BYTES"),
        (["form", "attachments", "0", "deferrable"], "DEFERRABLE_NOT_REQUIRED"),
        (["auditRules"], "INVALID_AUDIT_RULES"),
        (["providerId"], "PROVIDER_REQUIRED"),
        (["appointmentQuota"], "BELOW_MINIMUM"),
        (["timeLimitDays"], "ABOVE_MAXIMUM"),
    ]
    assert all(e["message"] for e in payload["userErrors"])
    assert await ServiceItem.all().count() == 0


@pytest.mark.postgres
async def test_unknown_ids_and_stale_versions(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "资源对接")
    item = await create_item(admin, category["id"], "政府部门对接")
    unknown = "U2VydmljZUl0ZW06OTk5OTk"  # ServiceItem:99999
    assert (await admin.gql(ITEM, {"id": unknown}))["serviceItem"] is None
    assert (await admin.gql("query($id: ID!) { category(id: $id) { id } }", {"id": item["id"]}))[
        "category"
    ] is None  # an item's id names no category
    missing = (
        await admin.gql(PUBLISH, {"input": {"serviceItemId": unknown, "expectedVersion": 1}})
    )["publishServiceItem"]
    assert _codes(missing) == [(None, "NOT_FOUND")]
    wrong_category = (
        await admin.gql(CREATE_ITEM, {"input": {"categoryId": item["id"], **item_input("x")}})
    )["createServiceItem"]
    assert _codes(wrong_category) == [(["categoryId"], "NOT_FOUND")]
    stale = (
        await admin.gql(PUBLISH, {"input": {"serviceItemId": item["id"], "expectedVersion": 7}})
    )["publishServiceItem"]
    assert _codes(stale) == [(None, "STALE")]
    duplicate = (
        await admin.gql(
            CREATE_ITEM, {"input": {"categoryId": category["id"], **item_input("政府部门对接")}}
        )
    )["createServiceItem"]
    assert _codes(duplicate) == [(["nameZh"], "NAME_TAKEN")]
