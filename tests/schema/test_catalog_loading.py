"""What catalog lists load: per-field tables, every path answering alike, a fixed SQL cost."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType

from backend.models.catalog import Category, ItemStatus, ServiceItem, ServiceItemVersion
from backend.schema import schema
from backend.schema.catalog.loading import CATEGORY, SHOWN, ItemLoad
from backend.schema.catalog.types import CATEGORY_NEEDS, ITEM_NEEDS, items_wanted
from tests.conftest import Api
from tests.schema.catalog_helpers import (
    UPDATE_ITEM,
    admin_client,
    create_category,
    item_input,
    published_item,
)
from tests.schema.helpers import signed_in
from tests.schema.test_loading import selection_of

JSON_COLUMNS = ("process_steps", "reminders", "form", "audit_rules")

CATEGORY_FIELDS = """id name description nameZh nameEn descriptionZh descriptionEn position
    version createdAt handlingTeam { id name }"""
ITEM_FIELDS = f"""id name summary description handlingLocation nameZh nameEn summaryZh summaryEn
    descriptionZh descriptionEn handlingLocationZh handlingLocationEn
    processSteps {{ position title description titleZh titleEn descriptionZh descriptionEn }}
    reminders reminderTexts {{ zh en }}
    form {{ fields {{ key type label labelZh labelEn required min max pattern help helpZh helpEn
                     mirrors options {{ value label labelZh labelEn }} }}
           attachments {{ kind label labelZh labelEn required mimeTypes maxBytes asksExpiry
                          deferrable }} }}
    formSchema auditRules reviewMode fulfilment providerId appointmentQuota timeLimitDays status
    position version versionNumber latestVersionNumber handlingTeam {{ id name }}
    versions {{ number createdAt live createdBy {{ name }} }}
    viewerCan {{ edit publish retire apply }}
    category {{ {CATEGORY_FIELDS} }}"""
EVERY_PATH = f"""query($id: ID!, $category: ID!) {{
    serviceItem(id: $id) {{ {ITEM_FIELDS} }}
    node(id: $id) {{ ... on ServiceItem {{ {ITEM_FIELDS} }} }}
    serviceItems(includeUnpublished: true) {{ edges {{ node {{ {ITEM_FIELDS} }} }} }}
    category(id: $category) {{ {CATEGORY_FIELDS}
        items(includeUnpublished: true) {{ edges {{ node {{ {ITEM_FIELDS} }} }} }} }}
    categoryNode: node(id: $category) {{ ... on Category {{ {CATEGORY_FIELDS} }} }}
    categories {{ edges {{ node {{ {CATEGORY_FIELDS} }} }} }}
    serviceItemByName(category: "融资贷款", name: "科技贷款贴息") {{ {ITEM_FIELDS} }}
    pinnedServiceItems {{ {ITEM_FIELDS} }}
}}"""


def _fields_of(type_name: str) -> set[str]:
    graphql_type = schema._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    return set(graphql_type.fields)


def test_every_field_of_items_and_categories_declares_what_it_needs() -> None:
    assert set(ITEM_NEEDS.fields) == _fields_of("ServiceItem")
    assert set(CATEGORY_NEEDS.fields) == _fields_of("Category")


def test_a_category_field_under_an_item_is_joined_not_taken_for_the_items_own() -> None:
    document = "{ serviceItems { edges { node { id category { name handlingTeam { id } } } } } }"
    wanted = items_wanted(selection_of(document).nodes())
    assert f"{SHOWN}name_zh" not in wanted.columns  # the category's name, not the item's
    assert {f"{CATEGORY}name_zh", f"{CATEGORY}name_en", f"{CATEGORY}team_id"} <= set(wanted.columns)
    assert wanted.follow_ups == frozenset({ItemLoad.CATEGORY_TEAMS})
    bare = items_wanted(selection_of("{ serviceItems { edges { node { name } } } }").nodes())
    assert not any(c.endswith(JSON_COLUMNS) for c in bare.columns)
    assert bare.follow_ups == frozenset()


async def _item_in_every_path(new_api: Any) -> tuple[Api, Api, dict[str, Any], dict[str, Any]]:
    admin = await admin_client(new_api)
    team = (
        await admin.gql('mutation { createTeam(input: {name: "金融服务组"}) { team { id } } }')
    )["createTeam"]["team"]
    category = await create_category(
        admin, "融资贷款", "Financing", teamId=team["id"], descriptionZh="贷款与补贴"
    )
    item = await published_item(admin, category["id"], "科技贷款贴息", "Tech loan subsidy")
    edit = item_input("科技贷款贴息", "Tech loan subsidy (2027)", summaryZh="新版简介")
    edited = await admin.gql(
        UPDATE_ITEM, {"input": {"serviceItemId": item["id"], "expectedVersion": 2, **edit}}
    )
    assert edited["updateServiceItem"]["userErrors"] == []
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])
    for client in (admin, handler):
        pinned = await client.gql(
            """mutation($input: PinServiceItemInput!) { pinServiceItem(input: $input) {
                userErrors { code } } }""",
            {"input": {"serviceItemId": item["id"]}},
        )
        assert pinned["pinServiceItem"]["userErrors"] == []
    return admin, handler, item, category


@pytest.mark.postgres
async def test_every_path_to_an_item_or_a_category_answers_alike(new_api) -> None:
    admin, handler, item, category = await _item_in_every_path(new_api)
    # Admins see the latest version (2, waiting to be published), everyone else the live one.
    for client, summary, name_en in (
        (admin, "新版简介", "Tech loan subsidy (2027)"),
        (handler, "科技贷款贴息的简介", "Tech loan subsidy"),
    ):
        data = await client.gql(EVERY_PATH, {"id": item["id"], "category": category["id"]})
        shown = data["serviceItem"]
        assert (shown["summary"], shown["nameEn"]) == (summary, name_en)
        assert (shown["versionNumber"], shown["latestVersionNumber"]) == (1, 2)
        assert [s["title"] for s in shown["processSteps"]] == ["在线提交", "审核"]
        assert shown["form"]["fields"][0]["key"] == "amount"
        assert shown["formSchema"]["required"] == ["amount"]
        assert shown["handlingTeam"]["name"] == "金融服务组"  # the category's: staff see it
        assert shown["category"]["handlingTeam"]["name"] == "金融服务组"
        assert shown["category"]["description"] == "贷款与补贴"
        if client is admin:
            assert [(v["number"], v["live"]) for v in shown["versions"]] == [(2, False), (1, True)]
            assert shown["viewerCan"] == {
                "edit": True, "publish": True, "retire": True, "apply": True,
            }  # fmt: skip
        else:
            assert shown["versions"] is None
            assert shown["viewerCan"] == {
                "edit": False, "publish": False, "retire": False, "apply": True,
            }  # fmt: skip
        assert data["node"] == shown
        assert data["serviceItems"]["edges"] == [{"node": shown}]
        assert data["category"]["items"]["edges"] == [{"node": shown}]
        assert data["serviceItemByName"] == shown
        assert data["pinnedServiceItems"] == [shown]
        own = {k: v for k, v in data["category"].items() if k != "items"}
        assert own == shown["category"] == data["categoryNode"]
        assert data["categories"]["edges"] == [{"node": own}]


# -- statement counts --------------------------------------------------------------------------

ITEMS = """query($n: Int) { serviceItems(first: $n) { totalCount pageInfo { hasNextPage }
    edges { cursor node { id name summary status reviewMode timeLimitDays versionNumber
        category { id name } } } } }"""
ITEMS_WITH_FORMS = """query($n: Int) { serviceItems(first: $n) { edges { node {
    id name form { fields { key } } } } } }"""
CATEGORIES = """query($n: Int) { categories(first: $n) { totalCount pageInfo { hasNextPage }
    edges { node { id name description items(first: 4) { totalCount
        edges { node { id name summary category { name } } } } } } } }"""


async def _catalog(categories: int, items_each: int) -> None:
    """Published items with two versions each: the live one and a newer one."""
    amount = {"key": "amount", "type": "TEXT", "label": {"zh": "金额", "en": ""}, "required": True}
    form = {"fields": [amount], "attachments": []}
    for c in range(categories):
        category = await Category.create(name_zh=f"类别{c:03d}", position=c)
        for n in range(items_each):
            item = await ServiceItem.create(
                category=category, status=ItemStatus.PUBLISHED, position=n, latest_number=2,
                name_zh=f"事项{c:03d}-{n}", search_text=f"事项{c:03d}-{n}",
            )  # fmt: skip
            live = await ServiceItemVersion.create(
                item=item, number=1, name_zh=f"事项{c:03d}-{n}", form=form
            )
            await ServiceItemVersion.create(item=item, number=2, name_zh=f"新事项{c:03d}-{n}")
            await ServiceItem.filter(id=item.id).update(live_version_id=live.id)


async def _statements(
    client: Api, sql_counter: Any, query: str, size: int
) -> tuple[list[str], dict[str, Any]]:
    await client.prime()
    sql_counter.reset()
    body = (await client.post(query, {"n": size})).json()
    assert "errors" not in body, body
    return list(sql_counter.statements), body["data"]


def _page_query(statements: list[str]) -> str:
    pages = [s for s in statements if 'FROM "service_items"' in s and "COUNT" not in s.upper()]
    assert len(pages) == 1, statements
    return pages[0]


def _json_columns_in(statement: str) -> list[str]:
    return [c for c in JSON_COLUMNS if f'."{c}"' in statement]


@pytest.mark.postgres
async def test_the_items_list_costs_five_statements_for_5_and_for_50(
    new_api, sql_counter: Any
) -> None:
    await _catalog(3, 20)
    applicant = await signed_in(new_api, "13800138000", ["APPLICANT"])
    admin = await admin_client(new_api)
    for client, name in ((applicant, "事项000-0"), (admin, "新事项000-0")):
        small, few = await _statements(client, sql_counter, ITEMS, 5)
        large, many = await _statements(client, sql_counter, ITEMS, 50)
        assert len(few["serviceItems"]["edges"]) == 5
        assert len(many["serviceItems"]["edges"]) == 50
        assert many["serviceItems"]["totalCount"] == 60
        # The latest version for the admin, the live one for everyone else; the live number.
        first = many["serviceItems"]["edges"][0]["node"]
        assert (first["name"], first["versionNumber"]) == (name, 1)
        assert len(small) == len(large) <= 5, large
        assert _json_columns_in(_page_query(large)) == []
        with_forms, data = await _statements(client, sql_counter, ITEMS_WITH_FORMS, 5)
        assert _json_columns_in(_page_query(with_forms)) == ["form"]
        fields = data["serviceItems"]["edges"][0]["node"]["form"]["fields"]
        assert fields == ([{"key": "amount"}] if client is applicant else [])


@pytest.mark.postgres
async def test_categories_with_their_items_cost_five_statements_for_5_and_for_50(
    new_api, sql_counter: Any
) -> None:
    await _catalog(52, 5)
    applicant = await signed_in(new_api, "13800138000", ["APPLICANT"])
    admin = await admin_client(new_api)
    for client in (applicant, admin):
        small, few = await _statements(client, sql_counter, CATEGORIES, 5)
        large, many = await _statements(client, sql_counter, CATEGORIES, 50)
        assert len(few["categories"]["edges"]) == 5
        assert len(many["categories"]["edges"]) == 50
        last = many["categories"]["edges"][-1]["node"]
        assert last["name"] == "类别049"
        assert last["items"]["totalCount"] == 5
        assert [e["node"]["category"]["name"] for e in last["items"]["edges"]] == ["类别049"] * 4
        assert len(small) == len(large) <= 5, large
        assert _json_columns_in(_page_query(large)) == []
