"""Booking a place in a slot, cancelling it, checking the person in; the handler's day list.

A slot is never overbooked, and the database is what holds it to that: a place is taken by one
conditional UPDATE (`booked < quota AND is_open`) that also issues the slot's next queue number,
in the booking's transaction. Two hundred people after the last place each run it; the row lock
(PostgreSQL) or the single writer (SQLite) puts them in line, and every one after the last place
finds no row to update. A cancellation gives the place back (`booked - 1`) but never the number
(`issued` only grows), so a queue number is never given twice. One booking per order (or
application) is the unique `holder` column, set while the booking holds a place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.i18n import N_
from backend.models.applications import ApplicationStatus
from backend.models.appointments import (
    Appointment,
    AppointmentPlan,
    AppointmentSlot,
    AppointmentStatus,
)
from backend.models.orders import OrderStatus
from backend.services.applications.policies import applications_visible_to
from backend.services.appointments.policies import (
    bookings_handled_by,
    can_book_for,
    can_see_day_lists,
    sees_every_booking,
)
from backend.services.appointments.states import APPOINTMENT, AppointmentEventKind
from backend.services.calendar.calendar import working_calendar
from backend.services.core import clock, events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    NotFound,
    PermissionDenied,
    Problem,
    register_messages,
)
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.orders.policies import orders_visible_to, visible_order

register_messages(
    {
        "SLOT_FULL": N_("This time is fully booked. Choose another."),
        "SLOT_CLOSED": N_("This time is closed for appointments. Choose another."),
        "SLOT_IN_THE_PAST": N_("This time has passed. Choose a later one."),
        "SLOT_TOO_FAR_AHEAD": N_("This time cannot be booked yet: at most {days} days ahead."),
        "SLOT_OF_ANOTHER_ITEM": N_("This time belongs to another service."),
        "ALREADY_BOOKED": N_(
            "There is already an appointment for this. Cancel it first to choose another time."
        ),
        "NOT_BOOKABLE": N_("An appointment cannot be made for this now."),
        "NOT_ON_THE_DAY": N_("People are checked in on the day of their appointment."),
    }
)

# The job that reminds a booker the working day before.
REMIND = "appointments.remind"
REMIND_AT = time(9, 0)  # park time, on the working day before
HELD = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
ORDER_ENDED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.FORWARDED)


def _placeholder(conn: BaseDBAsyncClient) -> str:
    """The first parameter's placeholder in raw SQL on this connection's database."""
    return "$1" if conn.capabilities.dialect == "postgres" else "?"


def queue_number(start: str, number: int) -> str:
    """`0930-07`: the window's start and the slot's number, read aloud at the desk."""
    return f"{start.replace(':', '')}-{number:02d}"


def places_left(slot: AppointmentSlot, now: datetime) -> int:
    """The places a person may still book: none once the slot is closed or has begun (`book`
    refuses those), else what the quota leaves."""
    if not slot.is_open or slot.starts_at <= now:
        return 0
    return max(0, slot.quota - slot.booked)


@dataclass(frozen=True)
class Booked:
    appointment: Appointment
    slot: AppointmentSlot


async def _take_place(conn: BaseDBAsyncClient, slot_id: int) -> int | None:
    """The slot's next queue number if a place was free and the slot open, else None: one
    statement, so no two bookings can both see the last place."""
    p1 = _placeholder(conn)
    rows = await conn.execute_query_dict(
        "UPDATE appointment_slots SET booked = booked + 1, issued = issued + 1, "  # noqa: S608
        f"version = version + 1 WHERE id = {p1} AND booked < quota AND is_open "
        "RETURNING issued",
        [slot_id],
    )
    return int(rows[0]["issued"]) if rows else None


async def _give_back(conn: BaseDBAsyncClient, slot_id: int) -> None:
    p1 = _placeholder(conn)
    await conn.execute_query(
        "UPDATE appointment_slots SET booked = booked - 1, version = version + 1 "  # noqa: S608
        f"WHERE id = {p1} AND booked > 0",
        [slot_id],
    )


async def _subject(
    conn: BaseDBAsyncClient, actor: Actor, order_id: int | None, application_id: int | None
) -> tuple[str, int, int, dict[str, Any], bool]:
    """What the booking is for: its holder key, item, enterprise, the booking's keys, and
    whether the item's plan must ask for an appointment before review."""
    if order_id is not None:
        order = await visible_order(actor, order_id, conn)
        if order.status in ORDER_ENDED:
            raise Invalid.at("orderId", "NOT_BOOKABLE")
        keys = {"order_id": order.id}
        return f"order:{order.id}", order.item_id, order.enterprise_id, keys, False
    assert application_id is not None
    application = await applications_visible_to(actor).using_db(conn).get_or_none(id=application_id)
    if application is None:
        raise NotFound([Problem("NOT_FOUND", ("applicationId",))])
    if application.status is not ApplicationStatus.UNDER_REVIEW:
        raise Invalid.at("applicationId", "NOT_BOOKABLE")
    keys = {"application_id": application.id}
    return (
        f"application:{application.id}",
        application.item_id,
        application.enterprise_id,
        keys,
        True,
    )


async def book(
    actor: Actor,
    slot_id: int,
    *,
    order_id: int | None = None,
    application_id: int | None = None,
    timezone: str,
) -> Booked:
    """Books a place in the slot for the order (or the application under review, when the
    item asks for an appointment before review) and issues its queue number."""
    require_user(actor)
    if (order_id is None) == (application_id is None):
        raise Invalid.at("orderId", "REQUIRED")
    now = clock.now()
    async with in_transaction() as conn:
        holder, item_id, enterprise_id, keys, before_review = await _subject(
            conn, actor, order_id, application_id
        )
        if not can_book_for(actor, enterprise_id, await reach_of(actor, conn)):
            raise PermissionDenied()
        slot = await AppointmentSlot.get_or_none(id=slot_id, using_db=conn)
        if slot is None:
            raise NotFound([Problem("NOT_FOUND", ("slotId",))])
        plan = await AppointmentPlan.get_or_none(item_id=item_id, using_db=conn)
        if slot.item_id != item_id or plan is None:
            raise Invalid.at("slotId", "SLOT_OF_ANOTHER_ITEM")
        if before_review and not plan.before_review:
            raise Invalid.at("applicationId", "NOT_BOOKABLE")
        if slot.starts_at <= now:
            raise Invalid.at("slotId", "SLOT_IN_THE_PAST")
        today = now.astimezone(ZoneInfo(timezone)).date()
        if slot.day > today + timedelta(days=plan.days_ahead):
            raise Invalid.at("slotId", "SLOT_TOO_FAR_AHEAD", days=plan.days_ahead)
        if await Appointment.filter(holder=holder).using_db(conn).exists():
            raise Invalid.at("slotId", "ALREADY_BOOKED")
        number = await _take_place(conn, slot.id)
        if number is None:
            still_open = (
                await AppointmentSlot.filter(id=slot.id, is_open=True).using_db(conn).exists()
            )
            raise Invalid.at("slotId", "SLOT_FULL" if still_open else "SLOT_CLOSED")
        try:
            appointment = await Appointment.create(
                slot_id=slot.id,
                enterprise_id=enterprise_id,
                holder=holder,
                number=number,
                queue_number=queue_number(slot.start, number),
                booked_by_id=actor.user_id,
                booked_at=now,
                using_db=conn,
                **keys,
            )
        except IntegrityError as exc:  # the same order booked twice at once: one gets in
            raise Invalid.at("slotId", "ALREADY_BOOKED") from exc
        await events.record(
            conn, actor, "appointment", appointment.id, AppointmentEventKind.APPOINTMENT_BOOKED,
            {"slot": slot.id, "queueNumber": appointment.queue_number, **keys},
        )  # fmt: skip
        await _remind_later(conn, appointment, slot, timezone)
    return Booked(appointment, slot)


async def _remind_later(
    conn: BaseDBAsyncClient, appointment: Appointment, slot: AppointmentSlot, timezone: str
) -> None:
    """The reminder, at 09:00 on the working day before the slot's day (now, when that has
    passed already)."""
    calendar = await working_calendar(slot.day - timedelta(days=30), slot.day, timezone, conn)
    day = slot.day - timedelta(days=1)
    while day > calendar.first and not calendar.is_working(day):
        day -= timedelta(days=1)
    run_at = max(datetime.combine(day, REMIND_AT, tzinfo=ZoneInfo(timezone)), clock.now())
    await jobs.enqueue(
        conn,
        REMIND,
        {"appointmentId": appointment.id},
        run_at=run_at,
        key=f"{REMIND}:{appointment.id}",
    )


async def _booking(conn: BaseDBAsyncClient, appointment_id: int) -> Appointment:
    found = await Appointment.get_or_none(id=appointment_id, using_db=conn)
    if found is None:
        raise NotFound([Problem("NOT_FOUND", ("appointmentId",))])
    return found


async def cancel(actor: Actor, appointment_id: int) -> Booked:
    """Frees the place (its queue number is not given again)."""
    require_user(actor)
    async with in_transaction() as conn:
        appointment = await _booking(conn, appointment_id)
        reach = await reach_of(actor, conn)
        if not (appointment.enterprise_id in reach.member_of or can_see_day_lists(actor)):
            # Someone who may not even see it hears what an unknown id would say.
            raise NotFound([Problem("NOT_FOUND", ("appointmentId",))])
        await APPOINTMENT.apply(
            conn, actor, appointment, "CANCEL",
            expected_version=appointment.version,
            changes={"holder": None, "cancelled_at": clock.now()},
            data={"queueNumber": appointment.queue_number},
            reach=reach,
        )  # fmt: skip
        await _give_back(conn, appointment.slot_id)
        slot = await AppointmentSlot.get(id=appointment.slot_id, using_db=conn)
    return Booked(appointment, slot)


async def check_in(actor: Actor, appointment_id: int, timezone: str) -> Booked:
    """The person came to the desk, on the day of their appointment."""
    require_user(actor)
    async with in_transaction() as conn:
        appointment = await _booking(conn, appointment_id)
        reach = await reach_of(actor, conn)
        APPOINTMENT.check(actor, appointment, "CHECK_IN", reach)
        if not sees_every_booking(actor):
            handled = Appointment.filter(bookings_handled_by(actor, reach), id=appointment.id)
            if not await handled.using_db(conn).exists():
                raise NotFound([Problem("NOT_FOUND", ("appointmentId",))])
        slot = await AppointmentSlot.get(id=appointment.slot_id, using_db=conn)
        if slot.day != clock.now().astimezone(ZoneInfo(timezone)).date():
            raise Invalid.at("appointmentId", "NOT_ON_THE_DAY")
        await APPOINTMENT.apply(
            conn, actor, appointment, "CHECK_IN",
            expected_version=appointment.version,
            changes={"checked_in_at": clock.now(), "checked_in_by_id": actor.user_id},
            reach=reach,
        )  # fmt: skip
    return Booked(appointment, slot)


@dataclass(frozen=True)
class DayEntry:
    """One line of the handler's day list."""

    appointment: Appointment
    slot: AppointmentSlot
    item_name_zh: str
    item_name_en: str
    enterprise_name: str
    number: str  # the order's or the application's


async def day_list(actor: Actor, day: date, item_id: int | None = None) -> list[DayEntry]:
    """Who is booked on `day` (and who has come), in window and queue order: the whole hall's
    for supervisors and admins, a handler's teams' for a handler; one statement (and the
    handler's teams) whatever the day's size."""
    if not can_see_day_lists(actor):
        raise PermissionDenied()
    query = Appointment.filter(slot__day=day, status__in=HELD)
    if not sees_every_booking(actor):
        query = query.filter(bookings_handled_by(actor, await reach_of(actor)))
    if item_id is not None:
        query = query.filter(slot__item_id=item_id)
    rows = (
        await query.select_related("slot", "slot__item", "enterprise", "order", "application")
        .order_by("slot__start", "number", "id")
        .all()
    )
    return [
        DayEntry(
            appointment=row,
            slot=row.slot,
            item_name_zh=row.slot.item.name_zh,
            item_name_en=row.slot.item.name_en,
            enterprise_name=row.enterprise.name,
            number=_number_of(row),
        )
        for row in rows
    ]


def _number_of(row: Appointment) -> str:
    if row.order is not None:
        return row.order.number
    assert row.application is not None  # a booking is for one or the other
    return row.application.number


async def held_for(
    ids: list[int], *, of_applications: bool = False
) -> dict[int, tuple[Appointment, AppointmentSlot]]:
    """Each order's (or application's) booking that holds a place, with its slot, by the
    order's (application's) id: one statement for a page."""
    if not ids:
        return {}
    key = "application_id" if of_applications else "order_id"
    rows = await Appointment.filter(**{f"{key}__in": ids}, status__in=HELD).select_related("slot")
    return {int(getattr(row, key)): (row, row.slot) for row in rows}


async def locations_of(item_ids: set[int]) -> dict[int, tuple[str, str]]:
    """The handling location (zh, en) of each item's plan: one statement."""
    if not item_ids:
        return {}
    rows = await AppointmentPlan.filter(item_id__in=list(item_ids)).values_list(
        "item_id", "location_zh", "location_en"
    )
    return {int(str(item)): (str(zh), str(en)) for item, zh, en in rows}


@dataclass(frozen=True)
class Choices:
    """What an order's (or application's) page offers: the item's plan, its slots still ahead,
    and whether the viewer may book one for it now."""

    plan: AppointmentPlan
    slots: list[AppointmentSlot]
    may_book: bool


async def choices_for(
    actor: Actor,
    *,
    order_id: int | None = None,
    application_id: int | None = None,
    timezone: str,
) -> Choices | None:
    """None when the viewer may not see it, or its item takes no appointments (for an
    application: none before review)."""
    if order_id is not None:
        order = await orders_visible_to(actor).get_or_none(id=order_id)
        if order is None:
            return None
        item_id, enterprise_id, holder = order.item_id, order.enterprise_id, f"order:{order.id}"
        open_now = order.status not in ORDER_ENDED
    else:
        application = await applications_visible_to(actor).get_or_none(id=application_id)
        if application is None:
            return None
        item_id, enterprise_id = application.item_id, application.enterprise_id
        holder = f"application:{application.id}"
        open_now = application.status is ApplicationStatus.UNDER_REVIEW
    plan = await AppointmentPlan.get_or_none(item_id=item_id)
    if plan is None or (application_id is not None and not plan.before_review):
        return None
    now = clock.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    slots = await AppointmentSlot.filter(
        item_id=item_id,
        day__gte=today,
        day__lte=today + timedelta(days=plan.days_ahead),
        starts_at__gt=now,
    ).order_by("day", "start")
    may_book = (
        open_now
        and can_book_for(actor, enterprise_id, await reach_of(actor))
        and not await Appointment.filter(holder=holder).exists()
    )
    return Choices(plan, list(slots), may_book)
