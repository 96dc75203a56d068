"""The cockpit's day counters (`orders.day_counts`): written by the transactions that open,
complete and cancel orders, by the park's days, and equal to a recount from the orders."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order, OrderDayCount, OrderProcessingCount
from backend.services.core import clock
from backend.services.orders import day_counts, steps
from tests import builders
from tests.services.orders.helpers import TZ, actor, open_order, stored, world

pytestmark = pytest.mark.postgres


async def _counters() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    days = (
        await OrderDayCount.all()
        .order_by("day")
        .values_list("day", "opened", "completed", "opened_completed", "opened_cancelled")
    )
    working = (
        await OrderProcessingCount.all()
        .order_by("day", "working_days")
        .values_list("day", "working_days", "orders")
    )
    return [tuple(r) for r in days if any(r[1:])], [tuple(r) for r in working if r[2]]


async def test_the_counters_the_steps_keep_equal_a_recount(db: str) -> None:
    w = await world()
    orders = [await open_order(w) for _ in range(5)]
    opened = {(await stored(o)).created_at.astimezone(ZoneInfo(TZ)).date() for o in orders}
    assert len(opened) == 1 or datetime.now(ZoneInfo(TZ)).hour == 0  # opened around now
    [today] = sorted(opened)[-1:]
    supervisor = actor(await builders.user(Role.SUPERVISOR), Role.SUPERVISOR)
    # Two completed, one tomorrow (park time) after a day's work; one cancelled; two still open.
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), ZoneInfo(TZ))
    for order, moment in ((orders[0], clock.now()), (orders[1], tomorrow + timedelta(hours=1))):
        await steps.accept(w.handler(order), order.id, order.version)
        order = await stored(order)
        with clock.moved_to(moment):
            await steps.complete(
                w.handler(order), order.id, "已办结", [], order.version, timezone=TZ
            )
    await steps.cancel(supervisor, orders[2].id, "企业已注销", orders[2].version, timezone=TZ)
    kept = await _counters()
    days = {row[0]: row[1:] for row in kept[0]}
    done = (await stored(orders[1])).completed_at
    assert done is not None
    second = done.astimezone(ZoneInfo(TZ)).date()
    # The day opened: five opened, two of them completed now, one cancelled.
    assert sum(v[0] for v in days.values()) == 5
    assert sum(v[1] for v in days.values()) == 2
    assert sum(v[2] for v in days.values()) == 2
    assert sum(v[3] for v in days.values()) == 1
    assert days[second][1] >= 1 and second > today
    assert sum(n for _, _, n in kept[1]) == 2  # both recorded their working days

    await day_counts.recount(Order._meta.db, TZ)
    assert await _counters() == kept


async def test_a_recount_counts_by_the_parks_days(db: str) -> None:
    """An order opened at 23:30 UTC is the next day's in Shanghai (UTC+8)."""
    w = await world()
    order = await open_order(w)
    late = datetime(2027, 3, 4, 23, 30, tzinfo=ZoneInfo("UTC"))
    await Order.filter(id=order.id).update(created_at=late)
    await day_counts.recount(Order._meta.db, TZ)
    days, _ = await _counters()
    assert days == [(date(2027, 3, 5), 1, 0, 0, 0)]
    await day_counts.recount(Order._meta.db, "UTC")
    days, _ = await _counters()
    assert days == [(date(2027, 3, 4), 1, 0, 0, 0)]


async def test_the_migration_counts_as_the_recount_does(db: str) -> None:
    """Migration 0019 counts the orders already there with its own copy of the recount (a
    migration imports nothing of the services): the two agree, on SQLite and PostgreSQL."""
    w = await world()
    orders = [await open_order(w) for _ in range(3)]
    await steps.accept(w.handler(orders[0]), orders[0].id, orders[0].version)
    done = await stored(orders[0])
    await steps.complete(w.handler(done), done.id, "已办结", [], done.version, timezone=TZ)
    supervisor = actor(await builders.user(Role.SUPERVISOR), Role.SUPERVISOR)
    await steps.cancel(supervisor, orders[1].id, "企业已注销", orders[1].version, timezone=TZ)
    # One completed before working days were kept, opened late in the UTC evening.
    await Order.filter(id=orders[2].id).update(
        status="COMPLETED", processing_days=None,
        created_at=datetime(2027, 3, 4, 23, 30, tzinfo=ZoneInfo("UTC")),
        completed_at=datetime(2027, 3, 6, 2, 0, tzinfo=ZoneInfo("UTC")),
    )  # fmt: skip
    await day_counts.recount(Order._meta.db, TZ)
    recounted = await _counters()
    migration = importlib.import_module("backend.models.migrations.0019_cockpit2")
    editor = SimpleNamespace(client=Order._meta.db)
    await migration.forget_counts(None, editor)
    assert await _counters() == ([], [])
    await migration.count_orders(None, editor)
    assert await _counters() == recounted
    assert (date(2027, 3, 5), 1, 0, 1, 0) in recounted[0]
