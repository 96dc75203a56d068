"""Fifty messages sent at once on one order: all kept, numbered 1..50 in the order they were
written, and the order's version untouched (a message never makes the order stale)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.models.events import Event
from backend.models.orders import Order, OrderMessage
from tests.schema.conversation_helpers import SEND, cast, view


@pytest.mark.postgres
async def test_fifty_concurrent_messages_on_one_order_are_all_kept_in_order(new_api: Any) -> None:
    c = await cast(new_api)
    version = (await Order.get(id=c.order.id)).version
    # Both sides at once: the applicant 25 times, the handler 25 times, interleaved.
    senders = [c["applicant"] if i % 2 else c["assignee"] for i in range(50)]
    for client in (c["applicant"], c["assignee"]):
        await client.prime()
    responses = await asyncio.gather(
        *(
            client.post(SEND, {"input": {"orderId": c.order_id, "body": f"第 {i} 条"}})
            for i, client in enumerate(senders)
        )
    )
    payloads = [r.json()["data"]["sendOrderMessage"] for r in responses]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    rows = await OrderMessage.filter(order_id=c.order.id).order_by("sequence")
    assert [m.sequence for m in rows] == list(range(1, 51))
    assert sorted(m.body for m in rows) == sorted(f"第 {i} 条" for i in range(50))
    # Numbered in the order they were written: the clock never runs backwards along them.
    times = [m.created_at for m in rows]
    assert times == sorted(times)
    # Each answer names the number its message got, and no two got the same.
    assert sorted(p["message"]["sequence"] for p in payloads) == list(range(1, 51))
    sent = await Event.filter(aggregate_id=c.order.id, kind="ORDER_MESSAGE_SENT").values_list(
        "sequence", "data"
    )
    assert len({s for s, _ in sent}) == 50
    assert sorted(d["message"] for _, d in sent) == list(range(1, 51))  # type: ignore[index]
    assert (await Order.get(id=c.order.id)).version == version
    seen = await view(c["supervisor"], c.order_id)
    assert seen is not None
    assert [e["node"]["sequence"] for e in seen["messages"]["edges"]] == list(range(1, 51))
    assert seen["messages"]["totalCount"] == 50
