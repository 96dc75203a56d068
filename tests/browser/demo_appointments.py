"""The demo's orders (`demo_orders`) and an appointment plan for the first order's item, for
the appointment browser test: slots from tomorrow, and one slot later today (so the handler can
check the person in on the day). Prints the order's number, today's slot start and the item's id.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.models.accounts import Role
from backend.models.appointments import AppointmentSlot
from backend.models.orders import Order
from backend.services.appointments import plans
from backend.services.core.actors import Actor
from tests.browser.demo_orders import TIMEZONE, open_demo_orders


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        numbers = await open_demo_orders()
        order = await Order.get(number=numbers[0])
        admin = Actor(user_id=None, roles=frozenset({Role.ADMIN}))
        plan = plans.PlanInput(
            weekdays=(),
            windows=[plans.Window("09:30", "10:00", 5), plans.Window("14:00", "14:30", 5)],
            days_ahead=7,
            location_zh="园区政务服务大厅 3 号窗口",
            location_en="Park service hall, window 3",
        )
        await plans.set_plan(admin, order.item_id, plan, timezone=TIMEZONE)
        # Later today, whatever today is: the person comes today and is checked in.
        now = datetime.now(ZoneInfo(TIMEZONE))
        soon = min(now + timedelta(minutes=30), now.replace(hour=23, minute=58))
        start, end = soon.strftime("%H:%M"), "23:59"
        await AppointmentSlot.create(
            item_id=order.item_id,
            day=now.date(),
            start=start,
            end=end,
            starts_at=plans.starts_at(now.date(), start, TIMEZONE),
            quota=3,
        )
        print(order.number, start, order.item_id)
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
