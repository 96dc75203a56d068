"""Catalog lists: search in both languages, keyset paging under inserts, pins, fixed SQL cost."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.catalog import Category, ItemStatus, ServiceItem, ServiceItemVersion
from tests.conftest import Api
from tests.schema.catalog_helpers import (
    admin_client,
    create_category,
    create_item,
    published_item,
)
from tests.schema.helpers import codes, global_id, signed_in, token_client

SEARCH = """query($q: String, $c: ID) { serviceItems(search: $q, categoryId: $c) {
    totalCount edges { node { nameZh } } } }"""
PIN = """mutation($input: PinServiceItemInput!) { pinServiceItem(input: $input) {
    pinnedServiceItems { name } userErrors { field code } } }"""
UNPIN = """mutation($input: UnpinServiceItemInput!) { unpinServiceItem(input: $input) {
    pinnedServiceItems { name } userErrors { field code } } }"""
BOARD = "{ pinnedServiceItems { name } }"


async def _names(client: Api, search: str, category: str | None = None) -> list[str]:
    data = await client.gql(SEARCH, {"q": search, "c": category})
    return [e["node"]["nameZh"] for e in data["serviceItems"]["edges"]]


@pytest.mark.postgres
async def test_search_finds_chinese_substrings_and_latin_text_in_any_case(new_api) -> None:
    admin = await admin_client(new_api)
    declaration = await create_category(admin, "项目申报")
    finance = await create_category(admin, "融资贷款")
    await published_item(
        admin, declaration["id"], "高新技术企业认定", "High-Tech Enterprise Recognition"
    )
    await published_item(
        admin, finance["id"], "银行贷款对接", "Bank Loan Matching",
        descriptionZh="对接合作银行的科技贷款", descriptionEn="Loans for TECH firms",
    )  # fmt: skip
    await create_item(admin, finance["id"], "高新贷", "Gaoxin loan")  # a draft: not found
    visitor = new_api()
    assert await _names(visitor, "高新") == ["高新技术企业认定"]
    assert await _names(visitor, "技术企业") == ["高新技术企业认定"]
    assert await _names(visitor, "high-tech") == ["高新技术企业认定"]
    assert await _names(visitor, "RECOGNITION") == ["高新技术企业认定"]
    assert await _names(visitor, "tech") == ["高新技术企业认定", "银行贷款对接"]
    assert await _names(visitor, "科技贷款") == ["银行贷款对接"]
    assert await _names(visitor, "bank 科技") == ["银行贷款对接"]
    assert await _names(visitor, "tech", finance["id"]) == ["银行贷款对接"]
    assert await _names(visitor, "100%") == []
    assert await _names(visitor, "") == ["高新技术企业认定", "银行贷款对接"]
    assert await _names(admin, "高新") == ["高新技术企业认定"]
    everything = await admin.gql(
        '{ serviceItems(search: "高新", includeUnpublished: true) { edges { node { nameZh } } } }'
    )
    assert sorted(e["node"]["nameZh"] for e in everything["serviceItems"]["edges"]) == [
        "高新技术企业认定",
        "高新贷",
    ]


async def _add_items(category: Category, count: int, start: int) -> None:
    for n in range(start, start + count):
        item = await ServiceItem.create(
            category=category, status=ItemStatus.PUBLISHED, position=n % 3, latest_number=1,
            name_zh=f"事项{n:03d}", search_text=f"事项{n:03d}",
        )  # fmt: skip
        version = await ServiceItemVersion.create(item=item, number=1, name_zh=f"事项{n:03d}")
        await ServiceItem.filter(id=item.id).update(live_version_id=version.id)


@pytest.mark.postgres
async def test_paging_through_items_and_categories_while_rows_are_added(new_api) -> None:
    visitor: Api = new_api()
    for n in range(7):
        await Category.create(name_zh=f"类别{n}", position=n % 2)
    category = await Category.get(name_zh="类别0")
    await _add_items(category, 11, 0)
    for field, query, add in (
        ("categories", "categories(first: 3, after: $after)", None),
        ("serviceItems", "serviceItems(first: 4, after: $after)", category),
    ):
        before = (
            {c.id for c in await Category.all()}
            if add is None
            else {i.id for i in await ServiceItem.all()}
        )
        seen: list[str] = []
        after = None
        for page in range(20):
            data = await visitor.gql(
                f"query($after: String) {{ {query} {{ pageInfo {{ hasNextPage endCursor }} "
                "edges { node { id } } } }",
                {"after": after},
            )
            connection = data[field]
            seen += [e["node"]["id"] for e in connection["edges"]]
            if add is None:
                await Category.create(name_zh=f"新类别{page}", position=page % 3)
            else:
                await _add_items(add, 1, 100 + page)
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)), field  # no repeats
        type_name = "Category" if add is None else "ServiceItem"
        assert {global_id(type_name, pk) for pk in before} <= set(seen), field  # no gaps


@pytest.mark.postgres
async def test_a_board_keeps_its_order_and_pins_are_idempotent_and_personal(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "人才培训")
    items = [await published_item(admin, category["id"], name) for name in ("甲", "乙", "丙")]
    zhao = await signed_in(new_api, "13800138000", ["APPLICANT"])
    qian = await signed_in(new_api, "13900139000", ["APPLICANT"])

    async def pin(client: Api, item: dict[str, Any], position: int | None = None) -> list[str]:
        payload = (
            await client.gql(PIN, {"input": {"serviceItemId": item["id"], "position": position}})
        )["pinServiceItem"]
        assert payload["userErrors"] == []
        return [i["name"] for i in payload["pinnedServiceItems"]]

    assert await pin(zhao, items[0]) == ["甲"]
    assert await pin(zhao, items[1]) == ["甲", "乙"]
    assert await pin(zhao, items[2], 0) == ["丙", "甲", "乙"]
    assert await pin(zhao, items[0]) == ["丙", "甲", "乙"]  # again: nothing changes
    assert await pin(zhao, items[1], 1) == ["丙", "乙", "甲"]  # with a place: it moves
    assert await pin(qian, items[1]) == ["乙"]
    unpinned = (await zhao.gql(UNPIN, {"input": {"serviceItemId": items[2]["id"]}}))[
        "unpinServiceItem"
    ]
    assert [i["name"] for i in unpinned["pinnedServiceItems"]] == ["乙", "甲"]
    again = (await zhao.gql(UNPIN, {"input": {"serviceItemId": items[2]["id"]}}))[
        "unpinServiceItem"
    ]
    assert (again["userErrors"], len(again["pinnedServiceItems"])) == ([], 2)
    assert [i["name"] for i in (await qian.gql(BOARD))["pinnedServiceItems"]] == ["乙"]

    await admin.gql(
        """mutation($input: ServiceItemChangeInput!) { retireServiceItem(input: $input) {
            userErrors { code } } }""",
        {"input": {"serviceItemId": items[0]["id"], "expectedVersion": 2}},
    )
    assert [i["name"] for i in (await zhao.gql(BOARD))["pinnedServiceItems"]] == ["乙"]
    refused = (await zhao.gql(PIN, {"input": {"serviceItemId": items[0]["id"]}}))["pinServiceItem"]
    assert refused["userErrors"] == [{"field": ["serviceItemId"], "code": "NOT_FOUND"}]
    visitor: Api = new_api()
    assert (await visitor.gql(BOARD))["pinnedServiceItems"] == []
    anonymous = (await visitor.gql(PIN, {"input": {"serviceItemId": items[1]["id"]}}))[
        "pinServiceItem"
    ]
    assert anonymous["userErrors"] == [{"field": None, "code": "NOT_AUTHENTICATED"}]


CATEGORIES = """query($n: Int) { categories(first: $n) { totalCount edges { node { id name
    items(first: 5) { totalCount edges { node { id name status versionNumber processSteps { title }
        form { fields { key label } } category { name } } } } } } } }"""
ITEMS = """query($id: ID!, $n: Int) { category(id: $id) { items(first: $n) { edges { node {
    id name summary formSchema reminders handlingTeam { name members { user { name } } }
    versions { number createdBy { name } } category { name } } } } } }"""


async def _statements(client: Api, sql_counter: Any, query: str, variables: dict[str, Any]) -> int:
    await client.prime()
    sql_counter.reset()
    body = (await client.post(query, variables)).json()
    assert "errors" not in body, body
    return sql_counter.count


@pytest.mark.postgres
async def test_the_categories_list_costs_the_same_for_2_and_20(new_api, sql_counter: Any) -> None:
    admin = await admin_client(new_api)
    for n in range(22):
        category = await create_category(admin, f"类别{n:02d}")
        for m in range(2):
            await published_item(admin, category["id"], f"事项{n:02d}-{m}")
    applicant = await signed_in(new_api, "13800138000", ["APPLICANT"])
    for client in (applicant, admin):
        small = await _statements(client, sql_counter, CATEGORIES, {"n": 2})
        large = await _statements(client, sql_counter, CATEGORIES, {"n": 20})
        assert small == large, sql_counter.statements
        assert large <= 5


@pytest.mark.postgres
async def test_a_categorys_items_cost_the_same_for_2_and_20(new_api, sql_counter: Any) -> None:
    admin = await admin_client(new_api)
    team = (
        await admin.gql('mutation { createTeam(input: {name: "企业服务一组"}) { team { id } } }')
    )["createTeam"]["team"]
    category = await create_category(admin, "融资贷款", teamId=team["id"])
    for n in range(22):
        await published_item(admin, category["id"], f"事项{n:02d}")
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])
    for client in (handler, admin):
        small = await _statements(client, sql_counter, ITEMS, {"id": category["id"], "n": 2})
        large = await _statements(client, sql_counter, ITEMS, {"id": category["id"], "n": 20})
        assert small == large, sql_counter.statements
        assert large <= 10
    body = (await handler.post(ITEMS, {"id": category["id"], "n": 2})).json()
    first = body["data"]["category"]["items"]["edges"][0]["node"]
    assert first["handlingTeam"]["name"] == "企业服务一组"
    assert first["versions"] is None  # admins only


async def test_tokens_need_the_catalog_scopes(new_api) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "管理咨询")
    item = await published_item(admin, category["id"], "企业管理诊断")
    reader = await token_client(new_api, admin, ["catalog:read"])
    listed = await reader.gql("{ categories { edges { node { name } } } }")
    assert listed["categories"]["edges"] == [{"node": {"name": "管理咨询"}}]
    refused = (
        await reader.post(
            """mutation($input: PinServiceItemInput!) { pinServiceItem(input: $input) {
                userErrors { code } } }""",
            {"input": {"serviceItemId": item["id"]}},
        )
    ).json()
    assert codes(refused) == ["FORBIDDEN_SCOPE"], refused
    other = await token_client(new_api, admin, ["teams:read"])
    body = (await other.post("{ serviceItems { totalCount } }")).json()
    assert codes(body) == ["FORBIDDEN_SCOPE"], body
    node = (await other.post("query($id: ID!) { node(id: $id) { id } }", {"id": item["id"]})).json()
    assert node["errors"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"
