"""A completed order for the evaluation's browser test, on a seeded database.

`python -m tests.browser.demo_evaluation` with `SERVICEHALL_DATABASE_URL` set opens the demo
orders (`demo_orders`) and has the demo handler accept and complete the first through the
order's own steps (so its completion is the real one); prints that order's number.
"""

from __future__ import annotations

import asyncio
import os

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.models.accounts import Role, User
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.orders import steps
from backend.settings import Settings
from tests.browser.demo_orders import HANDLER, open_demo_orders


async def complete_one() -> str:
    numbers = await open_demo_orders()
    handler = await User.get(name=HANDLER)
    actor = Actor(user_id=handler.id, name=handler.name, roles=frozenset({Role.HANDLER}))
    order = await Order.get(number=numbers[0])
    await steps.accept(actor, order.id, order.version)
    order = await Order.get(id=order.id)
    await steps.complete(
        actor,
        order.id,
        "营业执照变更已办结，请到窗口领取新证。",
        [],
        order.version,
        timezone=os.environ.get("SERVICEHALL_TIMEZONE") or Settings.timezone,
    )
    return order.number


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        print(await complete_one())
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
