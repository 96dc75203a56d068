"""Each aggregate numbers its events with its own counter: events that change no state (a
message, a note) take a sequence without touching the version, and existing events keep theirs."""

from __future__ import annotations

import asyncio
import importlib
from enum import StrEnum

import pytest
from tortoise import connections

from backend.models.accounts import Role
from backend.models.events import Event
from backend.models.orders import Order
from backend.services.core import events
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from tests import builders

TZ = "Asia/Shanghai"
SEED = importlib.import_module("backend.models.migrations.0007_event_counters").SEED


class Said(StrEnum):
    NOTE_ADDED = "NOTE_ADDED"  # the shape of the messages and notes to come


async def _order() -> Order:
    team, _ = await builders.team_with_handlers(1)
    item, version = await builders.published_item(team)
    app = await builders.approved_application(
        item, version, await builders.verified_enterprise(), await builders.user(Role.APPLICANT)
    )
    async with in_transaction() as conn:
        return await orders.open_order(conn, Actor(), app, approved_by_id=None, timezone=TZ)


async def _say(order: Order, n: int) -> int:
    async with in_transaction() as conn:
        event = await events.record(conn, Actor(), "order", order.id, Said.NOTE_ADDED, {"n": n})
    return event.sequence


@pytest.mark.postgres
async def test_fifty_concurrent_events_get_fifty_sequences_and_leave_the_version(db: str) -> None:
    order = await _order()
    version = (await Order.get(id=order.id)).version
    sequences = await asyncio.gather(*(_say(order, n) for n in range(50)))
    # Opened (1) and assigned (2) came first; the fifty follow without a gap or a repeat.
    assert sorted(sequences) == list(range(3, 53))
    assert (await Order.get(id=order.id)).version == version
    stored = await Event.filter(aggregate_type="order", aggregate_id=order.id).values_list(
        "sequence", flat=True
    )
    assert sorted(stored) == list(range(1, 53))


@pytest.mark.postgres
async def test_the_migration_starts_each_counter_after_the_events_already_there(db: str) -> None:
    order = await _order()
    # As before 0007: events numbered by the version, and no counters for them.
    await Event.create(aggregate_type="order", aggregate_id=order.id, sequence=7, kind="OLD")
    conn = connections.get("default")
    await conn.execute_query("DELETE FROM counters WHERE key LIKE 'event:%'")
    await conn.execute_query(SEED)
    assert await _say(order, 0) == 8
    team = await builders.team_with_handlers(0)
    async with in_transaction() as tx:
        first = await events.record(tx, Actor(), "team", team[0].id, Said.NOTE_ADDED)
    assert first.sequence == 1  # an aggregate with no events yet starts at one
