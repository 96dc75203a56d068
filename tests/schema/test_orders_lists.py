"""Order list filters, the three orderings paged across concurrent inserts, and SQL counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.models.accounts import Role, TeamMember
from backend.models.orders import Order
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.order_helpers import LIST, all_pages, login, open_order, park


def _numbers(nodes) -> set[str]:
    return {n["number"] for n in nodes}


@pytest.mark.postgres
async def test_filters_narrow_the_list(new_api) -> None:
    p = await park(handlers=2)
    first = await open_order(p)  # handler 0
    second = await open_order(p, other=True)  # handler 1, other item and enterprise
    await TeamMember.filter(team=p.team).update(on_leave=True)
    waiting = await open_order(p)
    old = await open_order(p, other=True)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    await Order.filter(id=old.id).update(created_at=long_ago)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def find(**wanted) -> set[str]:
        return _numbers(await all_pages(supervisor, {"filter": wanted}))

    assert await find(status=["PENDING_ASSIGNMENT"]) == {waiting.number, old.number}
    assert await find(status="ASSIGNED") == {first.number, second.number}
    assert await find(serviceItemId=global_id("ServiceItem", p.other_item.id)) == {
        second.number,
        old.number,
    }
    category = global_id("Category", p.item.category_id)  # type: ignore[attr-defined]
    assert await find(categoryId=category) == {first.number, waiting.number}
    assert await find(assigneeId=global_id("User", p.handlers[1].id)) == {second.number}
    assert await find(assigneeId=global_id("Team", 1)) == set()
    assert await find(unassigned=True) == {waiting.number, old.number}
    assert await find(unassigned=False) == {first.number, second.number}
    cut = (long_ago + timedelta(days=1)).isoformat()
    assert await find(createdBefore=cut) == {old.number}
    assert await find(createdAfter=cut) == {first.number, second.number, waiting.number}
    # Search: the number, the enterprise's name, the item's name; Chinese and any-case Latin.
    assert await find(search=first.number.lower()) == {first.number}
    assert await find(search="星河") == {first.number, waiting.number}
    assert await find(search="acme ROBOTICS") == {second.number, old.number}
    assert await find(search="licence change") == {first.number, waiting.number}
    assert await find(search="公寓") == {second.number, old.number}
    assert await find(search="星河 acme") == set()
    assert await find(search="%") == set()
    assert await find(search="星河", status=["ASSIGNED"]) == {first.number}


@pytest.mark.postgres
@pytest.mark.parametrize("order_by", ["CREATED_AT_DESC", "CREATED_AT_ASC", "DUE_AT_ASC"])
async def test_every_ordering_pages_without_gap_or_repeat_while_orders_arrive(
    new_api, order_by: str
) -> None:
    p = await park(handlers=3)
    for _ in range(11):
        await open_order(p)
    before = {o.number for o in p.orders}
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def another() -> None:
        await open_order(p, other=True)

    seen = await all_pages(supervisor, {"orderBy": order_by, "first": 3}, between=another)
    numbers = [n["number"] for n in seen]
    assert len(numbers) == len(set(numbers)), "a row came twice"
    assert before <= set(numbers), "a row was skipped"
    if order_by == "CREATED_AT_DESC":
        assert set(numbers) == before  # new rows land before the first page
    keys = {
        "CREATED_AT_DESC": lambda n: (n["createdAt"], n["id"]),
        "CREATED_AT_ASC": lambda n: (n["createdAt"], n["id"]),
        "DUE_AT_ASC": lambda n: (n["dueAt"], n["id"]),
    }
    times = [keys[order_by](n)[0] for n in seen]
    assert times == sorted(times, reverse=order_by == "CREATED_AT_DESC")


async def test_a_malformed_cursor_is_refused(new_api) -> None:
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    response = await supervisor.post(LIST, {"after": "bm90LWpzb24"})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_CURSOR"


LIST_WITH_TIMELINE = """query { orders(first: 50) { totalCount edges { node {
    number serviceItem { name categoryName } enterprise { name } applicant { name }
    assignee { name } auditor { name } team { name } application { number }
    assignmentReason { rule eligible { user { name } load } chosen { name } }
    timeline(first: 5) { totalCount edges { node { kind actor { name } } } } } } } }"""


@pytest.mark.postgres
async def test_a_list_costs_the_same_statements_for_2_orders_as_for_20(
    new_api, sql_counter
) -> None:
    p = await park(handlers=3)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    counts = []
    for total in (2, 20):
        while len(p.orders) < total:
            await open_order(p, other=len(p.orders) % 2 == 1)
        # Once uncounted: asyncpg asks the server about an array type (the timelines' ids) the
        # first time each of the pool's new connections sends one; not a cost of the page.
        await supervisor.gql(LIST_WITH_TIMELINE)
        sql_counter.reset()
        data = await supervisor.gql(LIST_WITH_TIMELINE)
        counts.append(sql_counter.count)
        assert data["orders"]["totalCount"] == total
        assert all(e["node"]["timeline"]["totalCount"] == 2 for e in data["orders"]["edges"])
    assert counts[0] == counts[1] <= 8, sql_counter.statements


@pytest.mark.postgres
async def test_the_date_filter_finds_an_order_on_its_park_day_across_utc_midnight(
    new_api,
) -> None:
    """05:53 on 11-30 in Shanghai is 21:53 on 11-29 in UTC: the order belongs to 11-30."""
    p = await park(handlers=1)
    early = await open_order(p)
    late_evening = await open_order(p)
    await Order.filter(id=early.id).update(created_at=datetime(2026, 11, 29, 21, 53, tzinfo=UTC))
    await Order.filter(id=late_evening.id).update(
        created_at=datetime(2026, 11, 29, 15, 59, tzinfo=UTC)  # 23:59 on 11-29 in Shanghai
    )
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def on(day: str, next_day: str) -> set[str]:
        wanted = {
            "createdAfter": f"{day}T00:00:00+08:00",
            "createdBefore": f"{next_day}T00:00:00+08:00",
        }
        return _numbers(await all_pages(supervisor, {"filter": wanted}))

    assert await on("2026-11-30", "2026-12-01") == {early.number}
    assert await on("2026-11-29", "2026-11-30") == {late_evening.number}
