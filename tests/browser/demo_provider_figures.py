"""Worked orders for the provider directory's browser test, on a seeded database.

`python -m tests.browser.demo_provider_figures` with `SERVICEHALL_DATABASE_URL` set opens three
orders for the demo law firm's item (`backend/demo/providers.py`: no endpoint, so they are
FORWARDED at once); the demo provider account accepts and completes each through its own steps
2, 3 and 6 working days later (a week in November 2026, on the clock moved), and the demo
applicant rates them. The IP agency is left with nothing, so the page shows both.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.demo.seed import DEMO_USERS
from backend.models.accounts import Role, User
from backend.models.catalog import ServiceItem
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.core import clock
from backend.services.core.actors import Actor
from backend.services.evaluations import evaluations
from backend.services.orders import provider_steps
from backend.services.orders.provider_steps import ProviderStep, ProviderUpdate
from tests.browser.demo_orders import TIMEZONE, _open

ITEM = "常年法律顾问"
# Working days each order takes, and how the applicant rates it.
WORKED = ((2, "SATISFIED", ()), (3, "VERY_SATISFIED", ()), (6, "DISSATISFIED", ("SLOW",)))
MONDAY = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in the park


async def work_orders() -> None:
    staff = await User.get(email="provider@demo.servicehall.cn")
    provider = Actor(
        user_id=staff.id, name=staff.name, roles=frozenset({Role.PROVIDER}),
        provider_id=staff.provider_id,
    )  # fmt: skip
    applicant = await User.get(name=DEMO_USERS[5].name)
    rater = Actor(user_id=applicant.id, name=applicant.name, roles=frozenset({Role.APPLICANT}))
    membership = await Membership.filter(user_id=applicant.id).first()
    assert membership is not None, "the database is not seeded"
    item = await ServiceItem.get(name_zh=ITEM)
    for n, (days, level, reasons) in enumerate(WORKED, start=1):
        with clock.moved_to(MONDAY) as moved:
            order = await _open(f"SQ-DEMO-LAW-{n}", item, membership, None)
            # Opened that Monday (the row takes the database's own time on creation).
            await Order.filter(id=order.id).update(created_at=MONDAY)
            order = await provider_steps.provider_update(
                provider,
                ProviderUpdate(order.id, ProviderStep.ACCEPT, order.version, staff_name="刘律师"),
                timezone=TIMEZONE,
            )
            # Whole days on from Monday: the working days the park's calendar counts.
            moved.move(days=days + (2 if days > 4 else 0))
            order = await Order.get(id=order.id)
            await provider_steps.provider_update(
                provider,
                ProviderUpdate(order.id, ProviderStep.COMPLETE, order.version, result="已出具意见"),
                timezone=TIMEZONE,
            )
            await evaluations.evaluate(rater, order.id, level, "", list(reasons))


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        await work_orders()
        days = await Order.filter(provider_id__not_isnull=True).values_list(
            "processing_days", flat=True
        )
        print(" ".join(str(d) for d in sorted(d for d in days if d is not None)))
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
