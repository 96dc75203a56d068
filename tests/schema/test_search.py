"""Keyword search over orders and applications, the same on SQLite and PostgreSQL.

Every word must be found in the number, the enterprise's name or the item's name (either
language), Latin letters in any case; names are read where they live, so a renamed enterprise or
item is found by its new name at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.catalog import ServiceItem
from backend.models.enterprises import Enterprise
from backend.models.orders import Order
from tests import builders
from tests.conftest import Api
from tests.schema.order_helpers import Park, all_pages, login, open_order, park

APPLICATIONS = """query($search: String, $after: String) {
    applications(filter: {search: $search}, first: 2, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { number } } } }"""


async def _orders(client: Api, text: str) -> set[str]:
    return {n["number"] for n in await all_pages(client, {"filter": {"search": text}, "first": 2})}


async def _applications(client: Api, text: str) -> set[str]:
    found: set[str] = set()
    after = None
    while True:
        data = (await client.gql(APPLICATIONS, {"search": text, "after": after}))["applications"]
        found |= {e["node"]["number"] for e in data["edges"]}
        if not data["pageInfo"]["hasNextPage"]:
            return found
        after = data["pageInfo"]["endCursor"]


async def _two_orders(new_api: Any) -> tuple[Park, Order, Order, Api]:
    p = await park()
    # 星河科技有限公司…, 事项 n / "Business Licence Change"; Acme Robotics Ltd …, 人才公寓申请.
    star = await open_order(p)
    acme = await open_order(p, other=True)
    return p, star, acme, await login(new_api, await builders.user(Role.SUPERVISOR))


@pytest.mark.postgres
async def test_orders_are_found_by_every_word_in_their_number_and_names(new_api: Any) -> None:
    p, star, acme, supervisor = await _two_orders(new_api)

    async def find(text: str) -> set[str]:
        return await _orders(supervisor, text)

    both = {star.number, acme.number}
    assert await find("科技") == {star.number}  # two Chinese characters
    assert await find("星") == {star.number}  # one
    assert await find(p.enterprise.name) == {star.number}  # the enterprise's full name
    assert await find(star.number[3:]) == {star.number}  # part of the number
    assert await find(acme.number.lower()) == {acme.number}
    assert await find("sh-") == both
    assert await find("aCmE rObOtIcS") == {acme.number}  # Latin letters in another case
    assert await find("LICENCE") == {star.number}  # the item's English name
    assert await find("公寓") == {acme.number}  # the item's Chinese name
    assert await find("科技 change") == {star.number}  # every word, from different names
    assert await find("科技 公寓") == set()  # each found, never on the same order
    assert await find("无此企业") == set()
    assert await find("科技 无此企业") == set()  # one word found nowhere
    assert await find("%") == set()
    assert await find("_") == set()
    assert await find("  ") == both  # no word: no search


@pytest.mark.postgres
async def test_applications_are_found_by_number_enterprise_and_item(new_api: Any) -> None:
    p, star, acme, _ = await _two_orders(new_api)
    auditor = await login(new_api, p.auditor)
    star_app = (await star.application).number
    acme_app = (await acme.application).number

    async def find(text: str) -> set[str]:
        return await _applications(auditor, text)

    assert await find("科技") == {star_app}
    assert await find(p.other_enterprise.name.strip()) == {acme_app}
    assert await find(star_app[-5:]) == {star_app}
    assert await find("ROBOTICS") == {acme_app}
    assert await find("licence") == {star_app}  # the item's name, now searched too
    assert await find("公寓 acme") == {acme_app}
    assert await find("公寓 星河") == set()
    assert await find("无此企业") == set()


@pytest.mark.postgres
async def test_a_renamed_enterprise_or_item_is_found_by_its_new_name(new_api: Any) -> None:
    p, star, acme, supervisor = await _two_orders(new_api)
    await Enterprise.filter(id=p.enterprise.id).update(name="月亮湾贸易有限公司")
    # What publishing a renamed version writes onto the item.
    await ServiceItem.filter(id=p.other_item.id).update(name_zh="人才住房申请", name_en="Housing")
    assert await _orders(supervisor, "科技") == set()
    assert await _orders(supervisor, "月亮湾") == {star.number}
    assert await _orders(supervisor, "公寓") == set()
    assert await _orders(supervisor, "住房") == {acme.number}
    assert await _orders(supervisor, "HOUSING") == {acme.number}


@pytest.mark.postgres
async def test_search_narrows_only_what_the_viewer_may_see(new_api: Any) -> None:
    p, star, _, _ = await _two_orders(new_api)
    applicant = await login(new_api, p.applicant)  # a member of 星河科技 only
    assert await _orders(applicant, "sh-") == {star.number}
    assert await _orders(applicant, "acme") == set()


def test_found_ids_are_written_as_integers_one_alone_as_itself() -> None:
    """One id as itself, so PostgreSQL can read the list's index in order (not for `= ANY`)."""
    from backend.services.core.search import any_of

    assert any_of([1340]) == "1340"
    assert any_of([3, 1, 2]) == "ANY('{3,1,2}'::bigint[])"
    assert any_of([True, 7.0]) == "ANY('{1,7}'::bigint[])"  # whatever came, integers are written


def _statement(query: Any) -> tuple[str, list[Any]]:
    """The SQL and parameters Tortoise sends for `query`."""
    rows = query.values_list("id")
    rows._choose_db_if_not_chosen()
    rows._make_query()
    sql, params = rows.query.get_parameterized_sql()
    return sql, list(params)


@pytest.mark.postgres
@pytest.mark.postgres_only
async def test_each_search_condition_is_served_by_its_index(db: str) -> None:
    """The expressions searched must stay those migration 0010 indexed."""
    from backend.services.catalog.catalog import search as item_search
    from backend.services.core import search
    from backend.services.core.transactions import in_transaction

    numbered = await search.keyword_filter(Order, "0424242")
    assert numbered is not None
    enterprises = search.ENTERPRISES_HOLDING.format(pairs="$1", pattern="$2")
    statements = {
        "enterprises_name_grams": (enterprises, [["科技"], "%科技%"]),
        "orders_number_trigrams": _statement(Order.filter(numbered)),
        "service_items_search_grams": _statement(item_search(ServiceItem.all(), "科技")),
    }
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")
        for index, (statement, params) in statements.items():
            plan = await conn.execute_query_dict("EXPLAIN " + statement, params)
            text = "\n".join(str(row["QUERY PLAN"]) for row in plan)
            assert index in text, text
