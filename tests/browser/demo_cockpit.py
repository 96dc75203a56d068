"""A month of orders for the cockpit's browser test, on a seeded database.

`python -m tests.browser.demo_cockpit` with `SERVICEHALL_DATABASE_URL` set opens the four demo
orders (`demo_orders`), then 40 more over the last 30 days: most completed (with the working
days they took), some in progress, one overdue, a few waiting for a handler, some rated (one
badly, its rectification open). Prints the number of the overdue order.
"""

from __future__ import annotations

import asyncio
import os
import random
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.models.accounts import MemberKind, TeamMember, User
from backend.models.catalog import Fulfilment, ItemStatus, ServiceItem
from backend.models.enterprises import Membership
from backend.models.evaluations import (
    Evaluation,
    EvaluationLevel,
    Rectification,
)
from backend.models.orders import Order, OrderStatus
from backend.services.orders import day_counts
from backend.settings import Settings
from tests.browser.demo_orders import APPLICANT, AUDITOR, HANDLER, _open, open_demo_orders

S = OrderStatus


async def fill() -> str:
    await open_demo_orders()
    rng = random.Random(13)
    auditor = await User.get(name=AUDITOR)
    handler = await User.get(name=HANDLER)
    await TeamMember.filter(user=handler, kind=MemberKind.HANDLER).update(max_open_orders=8)
    membership = await Membership.filter(user__name=APPLICANT).first()
    assert membership is not None
    items = await ServiceItem.filter(
        status=ItemStatus.PUBLISHED, live_version__fulfilment=Fulfilment.IN_HOUSE
    ).order_by("id")
    now = datetime.now(UTC)
    overdue = ""
    for n in range(40):
        order = await _open(f"SQ-COCKPIT-{n:04d}", items[n % len(items)], membership, auditor)
        opened = now - timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 8))
        status = S.COMPLETED if n % 10 < 7 else (S.IN_PROGRESS if n % 10 < 9 else S.CANCELLED)
        # Held by the demo handler (the automatic choice may have left some waiting).
        changes: dict[str, object] = {
            "created_at": opened, "status": status, "assignee_id": handler.id,
            "assigned_at": opened,
        }  # fmt: skip
        if status is S.COMPLETED:
            days = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 8])
            changes |= {
                "completed_at": min(now, opened + timedelta(days=days * 1.4, hours=2)),
                "processing_days": days,
            }
        if n == 37:
            changes |= {"status": S.IN_PROGRESS, "due_at": now - timedelta(hours=3)}
            overdue = order.number
        await Order.filter(id=order.id).update(**changes)
        if status is S.COMPLETED and n % 3 == 0:
            level = [EvaluationLevel.VERY_SATISFIED, EvaluationLevel.SATISFIED,
                     EvaluationLevel.DISSATISFIED][n % 9 // 3]  # fmt: skip
            stored = await Order.get(id=order.id)
            evaluation = await Evaluation.create(
                order_id=stored.id, level=level, rater_id=membership.user_id,  # type: ignore[attr-defined]
                enterprise_id=stored.enterprise_id, item_id=stored.item_id,
                team_id=stored.team_id, assignee_id=stored.assignee_id, created_at=now,
                reasons=["SLOW"] if level is EvaluationLevel.DISSATISFIED else [],
            )  # fmt: skip
            if level is EvaluationLevel.DISSATISFIED:
                await Rectification.create(
                    evaluation=evaluation, order_id=stored.id, call_back_due_at=now,
                    fix_due_at=now + timedelta(days=20), created_at=now,
                )  # fmt: skip
    # The orders were moved by hand, around the cockpit's day counters: count them afresh.
    timezone = os.environ.get("SERVICEHALL_TIMEZONE") or Settings.timezone
    await day_counts.recount(Order._meta.db, timezone)
    return overdue


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        print(await fill())
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
