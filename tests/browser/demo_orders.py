"""Orders for the browser tests, opened on a seeded database (the seed has no applications).

`python -m tests.browser.demo_orders` with `SERVICEHALL_DATABASE_URL` set opens four orders for
the demo applicant's enterprise: three go to the demo handler (one approved instantly, one
overdue), and one arrives while the handler is on leave, so it waits for a supervisor.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.demo.seed import DEMO_USERS
from backend.models.accounts import MemberKind, TeamMember, User
from backend.models.applications import Application, ApplicationStatus
from backend.models.catalog import Fulfilment, ItemStatus, ServiceItem
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders

AUDITOR, HANDLER, APPLICANT = (DEMO_USERS[1].name, DEMO_USERS[2].name, DEMO_USERS[5].name)
TIMEZONE = "Asia/Shanghai"


async def _open(number: str, item: ServiceItem, membership: Membership, auditor: User | None):
    application = await Application.create(
        number=number,
        item=item,
        item_version_id=item.live_version_id,  # type: ignore[attr-defined]
        enterprise_id=membership.enterprise_id,  # type: ignore[attr-defined]
        applicant_id=membership.user_id,  # type: ignore[attr-defined]
        status=ApplicationStatus.APPROVED,
    )
    async with in_transaction() as conn:
        return await orders.open_order(
            conn,
            Actor(user_id=auditor.id if auditor else None),
            application,
            approved_by_id=auditor.id if auditor else None,
            timezone=TIMEZONE,
        )


async def open_demo_orders() -> list[str]:
    """The numbers of the orders opened: handled, instant, overdue, then the waiting one."""
    auditor = await User.get(name=AUDITOR)
    handler = await User.get(name=HANDLER)
    membership = await Membership.filter(user__name=APPLICANT).first()
    assert membership is not None, "the demo applicant has no enterprise"
    items = (
        await ServiceItem.filter(
            status=ItemStatus.PUBLISHED, live_version__fulfilment=Fulfilment.IN_HOUSE
        )
        .order_by("id")
        .limit(4)
    )
    opened = [
        await _open("SQ-DEMO-0001", items[0], membership, auditor),
        await _open("SQ-DEMO-0002", items[1], membership, None),
        await _open("SQ-DEMO-0003", items[2], membership, auditor),
    ]
    past = datetime.now(UTC) - timedelta(days=1)
    await Order.filter(id=opened[2].id).update(due_at=past)
    seat = TeamMember.filter(user=handler, kind=MemberKind.HANDLER)
    await seat.update(on_leave=True)
    opened.append(await _open("SQ-DEMO-0004", items[3], membership, auditor))
    await seat.update(on_leave=False)
    return [order.number for order in opened]


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        print(" ".join(await open_demo_orders()))
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
