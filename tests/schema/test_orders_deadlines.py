"""Overdue and due soon: the API's facts (`isOverdue`, `isDueSoon`), the Python rules
(`time_limits.is_overdue`, `is_due_soon`) and the list filter's SQL conditions
(`overdue_condition`, `due_soon_condition`) agree on the same orders, across a weekend and a
public holiday, waiting or not; the due-soon moment is stored where the due date is set or moved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.orders import time_limits
from tests import builders
from tests.schema.order_helpers import login, open_order, park
from tests.services.orders.helpers import TZ, at, day_off, end_of

LIST = """query($filter: OrderFilter) { orders(first: 50, filter: $filter) {
    totalCount edges { node { number isOverdue isDueSoon } } } }"""


async def _shape(
    p: Any,
    status: OrderStatus,
    due: datetime,
    waiting_since: datetime | None = None,
) -> Order:
    order = await open_order(p)
    due_soon_at = await time_limits.due_soon_at(due, TZ)
    await Order.filter(id=order.id).update(
        status=status, due_at=due, due_soon_at=due_soon_at, waiting_since=waiting_since
    )
    return await Order.get(id=order.id)


async def test_the_due_soon_moment_skips_the_weekend_and_a_holiday(db: str) -> None:
    await day_off("2027-03-08", "测试假日")  # a Monday
    # Due on Tuesday: one working day before it is Friday (Monday is off, the weekend too).
    assert await time_limits.due_soon_at(end_of("2027-03-09"), TZ) == at("2027-03-05", 0)
    # Due on Friday: Thursday's start.
    assert await time_limits.due_soon_at(end_of("2027-03-12"), TZ) == at("2027-03-11", 0)
    two = await time_limits.working_days_before(end_of("2027-03-09"), 2, TZ)
    assert two == at("2027-03-04", 0)


@pytest.mark.postgres
async def test_api_rule_and_filter_agree_on_overdue_and_due_soon(new_api, sql_counter) -> None:
    await day_off("2027-03-08", "测试假日")
    p = await park(handlers=1)
    W = OrderStatus.WAITING_ON_APPLICANT
    shaped = {
        # Saturday 6 March 10:00 is "now": due on Tuesday (Monday off) is due soon since Friday.
        "soon": await _shape(p, OrderStatus.IN_PROGRESS, end_of("2027-03-09")),
        "later": await _shape(p, OrderStatus.IN_PROGRESS, end_of("2027-03-12")),
        "late": await _shape(p, OrderStatus.ASSIGNED, end_of("2027-03-03")),
        # Waiting: overdue when it already was at the pause's start; due soon likewise.
        "waiting late": await _shape(p, W, end_of("2027-03-03"), at("2027-03-04", 9)),
        "waiting soon": await _shape(p, W, end_of("2027-03-09"), at("2027-03-05", 10)),
        "waiting early": await _shape(p, W, end_of("2027-03-09"), at("2027-03-04", 10)),
        "done late": await _shape(p, OrderStatus.COMPLETED, end_of("2027-03-03")),
        "cancelled soon": await _shape(p, OrderStatus.CANCELLED, end_of("2027-03-09")),
    }
    legacy = await open_order(p)  # opened before `due_soon_at` existed: never due soon
    await Order.filter(id=legacy.id).update(due_at=end_of("2027-03-09"), due_soon_at=None)
    names = {o.number: name for name, o in shaped.items()} | {legacy.number: "legacy"}
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "钱主管"))
    now = at("2027-03-06", 10)
    expected_overdue = {"late", "waiting late"}
    expected_soon = {"soon", "waiting soon"}

    with clock.moved_to(now):
        rows = {
            names[o.number]: o for o in await Order.filter(id__in=[o.id for o in shaped.values()])
        }
        assert {n for n, o in rows.items() if time_limits.is_overdue(o, now)} == expected_overdue
        assert {n for n, o in rows.items() if time_limits.is_due_soon(o, now)} == expected_soon

        everything = (await supervisor.gql(LIST))["orders"]["edges"]
        api = {names[e["node"]["number"]]: e["node"] for e in everything}
        assert {n for n, v in api.items() if v["isOverdue"]} == expected_overdue
        assert {n for n, v in api.items() if v["isDueSoon"]} == expected_soon

        async def listed(**wanted: bool) -> set[str]:
            data = await supervisor.gql(LIST, {"filter": wanted})
            nodes = [e["node"] for e in data["orders"]["edges"]]
            assert data["orders"]["totalCount"] == len(nodes)
            return {names[n["number"]] for n in nodes}

        await listed(overdue=True)  # once uncounted (asyncpg's first array type, as elsewhere)
        sql_counter.reset()
        assert await listed(overdue=True) == expected_overdue
        assert sql_counter.count <= 4, sql_counter.statements
        assert await listed(dueSoon=True) == expected_soon
        assert await listed(overdue=False) == set(names.values()) - expected_overdue
        assert await listed(dueSoon=False) == set(names.values()) - expected_soon
        assert await listed(overdue=True, dueSoon=True) == set()

        # The same conditions count without a list (a dashboard's use).
        assert await Order.filter(time_limits.overdue_condition(now)).count() == 2
        assert await Order.filter(time_limits.due_soon_condition(now)).count() == 2

    # On Friday morning "later" (due Friday night) is due soon, "soon" is still due soon, and by
    # Wednesday "soon" is overdue: the rules and the filter move with the clock.
    friday = at("2027-03-12", 8)
    with clock.moved_to(friday):
        assert "later" in await listed(dueSoon=True)
    with clock.moved_to(at("2027-03-10", 8)):
        assert "soon" in await listed(overdue=True)
        assert "soon" not in await listed(dueSoon=True)


async def test_an_opened_order_stores_when_it_falls_due_soon(db: str) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    row = await Order.get(id=order.id)
    assert row.due_soon_at is not None
    assert row.due_soon_at == await time_limits.due_soon_at(row.due_at, TZ)
    assert row.due_soon_at < row.due_at
