"""`boundedCount(limit)`: a list's size counted up to a limit, in work bounded by the limit."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Role
from tests import builders
from tests.conftest import QueryCounter
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login, open_order, park

COUNTS = """query($limit: Int!, $search: String) {
    orders(filter: {search: $search}, first: 1) {
      totalCount boundedCount(limit: $limit) { value isExact } } }"""


@pytest.mark.postgres
async def test_the_value_is_the_count_up_to_the_limit_and_says_whether_it_is_exact(
    new_api: Any,
) -> None:
    p = await park(handlers=1)
    for n in range(4):
        await open_order(p, other=n == 3)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def counted(limit: int, search: str | None = None) -> tuple[int, int, bool]:
        data = (await supervisor.gql(COUNTS, {"limit": limit, "search": search}))["orders"]
        bounded = data["boundedCount"]
        return data["totalCount"], bounded["value"], bounded["isExact"]

    assert await counted(1) == (4, 1, False)
    assert await counted(3) == (4, 3, False)
    assert await counted(4) == (4, 4, True)  # exactly the limit: exact
    assert await counted(5) == (4, 4, True)
    assert await counted(10_000) == (4, 4, True)
    assert await counted(2, "星河") == (3, 2, False)  # counts the filtered list
    assert await counted(3, "星河") == (3, 3, True)
    assert await counted(1, "无此企业") == (0, 0, True)


@pytest.mark.postgres
async def test_the_count_reads_at_most_limit_plus_one_rows(
    new_api: Any, sql_counter: QueryCounter
) -> None:
    p = await park(handlers=1)
    for _ in range(3):
        await open_order(p)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    sql_counter.reset()
    query = "{ orders(first: 1) { boundedCount(limit: 2) { value isExact } } }"
    assert (await supervisor.gql(query))["orders"]["boundedCount"] == {
        "value": 2,
        "isExact": False,
    }
    counts = [s for s in sql_counter.statements if "COUNT(" in s.upper()]
    assert len(counts) == 1, sql_counter.statements
    assert "LIMIT 3" in counts[0], counts[0]


@pytest.mark.postgres
async def test_other_lists_count_the_same_way(new_api: Any) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    auditor = await login(new_api, p.auditor)
    data = await auditor.gql(
        """query($id: ID!) {
          applications(first: 1) { boundedCount(limit: 1) { value isExact } }
          teams(first: 1) { boundedCount { value isExact } }
          order(id: $id) { timeline(first: 1) { boundedCount(limit: 1) { value isExact } } } }""",
        {"id": global_id("Order", order.id)},
    )
    assert data["applications"]["boundedCount"] == {"value": 1, "isExact": True}
    assert data["teams"]["boundedCount"] == {"value": 1, "isExact": True}
    # An order's timeline (counted with its events): opened and assigned, two events.
    assert data["order"]["timeline"]["boundedCount"] == {"value": 1, "isExact": False}


@pytest.mark.parametrize("limit", [0, -1, 10_001])
async def test_a_limit_outside_one_to_ten_thousand_is_a_clear_error(
    new_api: Any, limit: int
) -> None:
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    response = await supervisor.post(COUNTS, {"limit": limit})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_COUNT_LIMIT"
    assert "between 1 and 10000" in error["message"]
