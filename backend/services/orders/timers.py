"""Timers on orders: the due-soon and overdue warnings, an owed material's reminder and its
deadline passed. Each is a job (`services/jobs`) enqueued in the transaction that sets the
moment, and handled by re-reading the facts: a job whose moment has moved (the due date moved
with a pause) or whose reason is gone (the order completed, the material supplied) does
nothing, so a stale job is harmless and nothing needs unscheduling. Each warning is a notice
with a key, once per person for the same due date or deadline, however many jobs run.

- `ORDER_DUE_SOON` at `Order.due_soon_at` (`time_limits.due_soon_at`), `ORDER_OVERDUE` just
  after `due_at`: to the assignee and the team's supervisors (`parties.supervisors_of_team`).
  Scheduled when the order opens and when an answer moves the due date (`schedule_order`).
- `OWED_MATERIAL_REMINDER` at the start of the working day
  `OWED_REMINDER_WORKING_DAYS` working days before the deadline (the end of `due_on`): to the
  enterprise; `OWED_MATERIAL_PAST_DEADLINE` the day after: to the supervisors of the order's
  team. Scheduled when the material is owed (`schedule_owed`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.applications import Application, OwedMaterial
from backend.models.catalog import ServiceItemVersion
from backend.models.enterprises import Enterprise
from backend.models.orders import Order
from backend.services.calendar.calendar import END_OF_DAY
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun
from backend.services.orders import notices, parties, time_limits
from backend.services.orders.states import CLOSED

DUE_SOON = "order.due_soon"
OVERDUE = "order.overdue"
OWED_REMINDER = "owed.reminder"
OWED_PAST_DEADLINE = "owed.past_deadline"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _park_day(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


async def schedule_order(
    conn: BaseDBAsyncClient, order: Order, due_at: datetime, timezone: str, *, write: bool = True
) -> datetime:
    """Works out when an order due at `due_at` is due soon, stores it (unless the caller
    creates the row with it: `write=False`) and enqueues both warnings. Call in the
    transaction that sets or moves the due date; answers the due-soon moment."""
    due_soon_at = await time_limits.due_soon_at(due_at, timezone, conn)
    order.due_soon_at = due_soon_at
    if write:
        await Order.filter(id=order.id).using_db(conn).update(due_soon_at=due_soon_at)
    payload = {"orderId": order.id, "dueAt": _stamp(due_at)}
    # One pair per version of the order: a move, or an answer that moves nothing, schedules
    # afresh; the notices' keys keep each warning once per due date.
    version = order.version
    await jobs.enqueue(
        conn, DUE_SOON, payload, run_at=due_soon_at, key=f"{DUE_SOON}:{order.id}:{version}"
    )
    await jobs.enqueue(
        conn, OVERDUE, payload, run_at=due_at + timedelta(seconds=1),
        key=f"{OVERDUE}:{order.id}:{version}",
    )  # fmt: skip
    return due_soon_at


async def _current_order(conn: BaseDBAsyncClient, run: JobRun) -> Order | None:
    """The job's order, if its due date is still the one the job was scheduled for."""
    order = await Order.get_or_none(id=run.payload["orderId"], using_db=conn)
    if order is None or _stamp(order.due_at) != run.payload["dueAt"]:
        return None
    return order


@jobs.handler(DUE_SOON)
async def warn_due_soon(run: JobRun) -> None:
    await _warn(run, time_limits.is_due_soon, "ORDER_DUE_SOON")


@jobs.handler(OVERDUE)
async def warn_overdue(run: JobRun) -> None:
    await _warn(run, time_limits.is_overdue, "ORDER_OVERDUE")


async def _warn(
    run: JobRun, holds: Callable[[time_limits.DeadlineFacts, datetime], bool], kind: str
) -> None:
    """Tells the order's watchers (`kind`, once per due date) if `holds` still does now."""
    async with in_transaction() as conn:
        order = await _current_order(conn, run)
        if order is None or not holds(order, clock.now()):
            return
        await notices.tell_watchers(
            conn, order, kind, {"due": _park_day(order.due_at, run.settings.timezone)},
            key=f"{kind}:{order.id}:{run.payload['dueAt']}",
        )  # fmt: skip


# -- owed materials -------------------------------------------------------------------------


def deadline_of(due_on: date, timezone: str) -> datetime:
    """The end (park time) of the day an owed material is due."""
    return datetime.combine(due_on, END_OF_DAY, tzinfo=ZoneInfo(timezone))


async def schedule_owed(conn: BaseDBAsyncClient, material: OwedMaterial, timezone: str) -> None:
    """The reminder and the deadline of a material newly owed; call in the transaction that
    records it."""
    deadline = deadline_of(material.due_on, timezone)
    remind_at = await time_limits.working_days_before(
        deadline, time_limits.OWED_REMINDER_WORKING_DAYS, timezone, conn
    )
    payload = {"owedMaterialId": material.id, "dueOn": material.due_on.isoformat()}
    await jobs.enqueue(
        conn, OWED_REMINDER, payload, run_at=remind_at,
        key=f"{OWED_REMINDER}:{material.id}:{material.due_on.isoformat()}",
    )  # fmt: skip
    past = datetime.combine(material.due_on + timedelta(days=1), time(0), ZoneInfo(timezone))
    await jobs.enqueue(
        conn, OWED_PAST_DEADLINE, payload, run_at=past,
        key=f"{OWED_PAST_DEADLINE}:{material.id}:{material.due_on.isoformat()}",
    )  # fmt: skip


async def _still_owed(
    conn: BaseDBAsyncClient, run: JobRun
) -> tuple[OwedMaterial, Application, Order | None] | None:
    """The material, its application and its order (if opened), while it is still owed, on the
    deadline the job was scheduled for, and its order (if any) is open."""
    from backend.services.orders import owed  # imports applications, which imports this

    material = await OwedMaterial.get_or_none(id=run.payload["owedMaterialId"], using_db=conn)
    if (
        material is None
        or material.due_on.isoformat() != run.payload["dueOn"]
        or material.status not in owed.STILL_OWED
    ):
        return None
    application = await Application.get(id=material.application_id, using_db=conn)
    order = await Order.get_or_none(application_id=application.id, using_db=conn)
    if order is not None and order.status in CLOSED:
        return None
    return material, application, order


async def _material_name(conn: BaseDBAsyncClient, version_id: int, kind: str) -> dict[str, str]:
    from backend.services.orders import owed

    version = await ServiceItemVersion.get(id=version_id, using_db=conn)
    return owed.material_name(version.form, kind)


@jobs.handler(OWED_REMINDER)
async def remind_owed(run: JobRun) -> None:
    async with in_transaction() as conn:
        found = await _still_owed(conn, run)
        if found is None:
            return
        material, application, order = found
        version_id = order.item_version_id if order else application.item_version_id
        assert version_id is not None  # a submitted application names its version
        params = {
            "number": order.number if order else application.number,
            "order": order.number if order else "",
            "material": await _material_name(conn, version_id, material.kind),
            "due": material.due_on.isoformat(),
        }
        people = await parties.enterprise_people(conn, application.enterprise_id)
        await notices.tell(
            conn, None, people, "OWED_MATERIAL_REMINDER", params,
            key=f"OWED_MATERIAL_REMINDER:{material.id}:{run.payload['dueOn']}",
        )  # fmt: skip


@jobs.handler(OWED_PAST_DEADLINE)
async def flag_owed_past_deadline(run: JobRun) -> None:
    async with in_transaction() as conn:
        found = await _still_owed(conn, run)
        if found is None:
            return
        material, application, order = found
        if order is None:  # before approval: the desk's application, not an order to supervise
            return
        enterprise = await Enterprise.get(id=application.enterprise_id, using_db=conn)
        params = {
            "number": order.number,
            "material": await _material_name(conn, order.item_version_id, material.kind),
            "due": material.due_on.isoformat(),
            "enterprise": enterprise.name,
        }
        people = await parties.supervisors_of_team(conn, order.team_id)
        await notices.tell(
            conn, None, people, "OWED_MATERIAL_PAST_DEADLINE", params,
            key=f"OWED_MATERIAL_PAST_DEADLINE:{material.id}:{run.payload['dueOn']}",
        )  # fmt: skip
