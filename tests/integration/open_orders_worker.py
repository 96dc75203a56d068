"""One server process of the multi-process numbering test: opens an order per application id.

Run as `python -m tests.integration.open_orders_worker <database url> <application id>...`;
prints the numbers it took, one a line.
"""

from __future__ import annotations

import asyncio
import sys

from tortoise.context import TortoiseContext

from backend.db import tortoise_config
from backend.models.applications import Application
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders


async def main(url: str, application_ids: list[int]) -> None:
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        for application_id in application_ids:
            application = await Application.get(id=application_id)
            async with in_transaction() as conn:
                order = await orders.open_order(
                    conn, Actor(), application, approved_by_id=None, timezone="Asia/Shanghai"
                )
            print(order.number, flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], [int(a) for a in sys.argv[2:]]))
