"""The default rating: an order not rated within `SERVICEHALL_EVALUATION_DEFAULT_DAYS` (7) of
its completion is recorded as BASIC (基本满意) by the system, marked as a default (Guangdong's
rule). A job is enqueued in the transaction that completes the order; when it runs it checks
again (the order still completed, nobody rated it, the period, as now configured, over)."""

from __future__ import annotations

from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.evaluations import periods
from backend.services.evaluations.evaluations import rate_by_default
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun

DEFAULT_RATING = "evaluation.default"


async def schedule(conn: BaseDBAsyncClient, order: Order) -> None:
    """Called where an order completes, in that transaction."""
    completed = order.completed_at or clock.now()
    await jobs.enqueue(
        conn, DEFAULT_RATING, {"orderId": order.id},
        run_at=completed + timedelta(days=periods.current().default_days),
        key=f"{DEFAULT_RATING}:{order.id}",
    )  # fmt: skip


@jobs.handler(DEFAULT_RATING)
async def rate_unrated_order(run: JobRun) -> None:
    order_id = int(run.payload["orderId"])
    now = clock.now()
    async with in_transaction() as conn:
        order = await Order.filter(id=order_id).using_db(conn).first()
        if order is None or order.status is not OrderStatus.COMPLETED or not order.completed_at:
            return
        due = order.completed_at + timedelta(days=run.settings.evaluation_default_days)
        if now < due:
            # The period was lengthened since the order completed: come back then.
            await jobs.enqueue(
                conn, DEFAULT_RATING, {"orderId": order.id}, run_at=due,
                key=f"{DEFAULT_RATING}:{order.id}:{due.isoformat()}",
            )  # fmt: skip
            return
        await rate_by_default(conn, order, now)
