"""Slots that close because the hall's calendar or the item's plan no longer has them, and
their bookings with them, each booker told (in the app, and by mail when they chose it) so they
can book another time.

- A day that becomes a holiday after its slots were made (`close_day`, called by
  `services.calendar` in the transaction that enters the holiday): its open slots close
  (`closed_by` HOLIDAY); the bookings of every slot that day close, an admin-closed slot's too
  (closed by an admin it takes no more, but the people booked would still come).
- The holiday cleared again (`reopen_day`): the slots the holiday closed open again, not those
  an admin (or the plan) closed. The bookings it closed stay closed: their bookers were told
  and may have booked elsewhere; the places are free.
- A plan that no longer has a window, or a weekday (`withdraw`, called by `plans.set_plan`):
  the future slots it leaves out that never had a booking are deleted; those that had one close
  (`closed_by` PLAN) and their bookings close, as for a holiday. A slot closed that way opens
  again when the window comes back.

It does not import the calendar (the calendar imports it).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.appointments import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    SlotClosedBy,
)
from backend.services.appointments.states import APPOINTMENT
from backend.services.core import clock
from backend.services.core.actors import Actor, as_system
from backend.services.notifications.notifications import notify


async def close_day(
    conn: BaseDBAsyncClient, actor: Actor, day: date, holiday: dict[str, str]
) -> int:
    """Closes every open slot of `day` and the bookings holding a place in any slot of it; how
    many bookings."""
    slots = AppointmentSlot.filter(day=day).using_db(conn)
    await slots.filter(is_open=True).update(is_open=False, closed_by=SlotClosedBy.HOLIDAY)
    slot_ids = cast(list[int], await slots.values_list("id", flat=True))
    return await _close_bookings(
        conn, actor, slot_ids, "APPOINTMENT_CLOSED", {"day": day.isoformat(), "holiday": holiday}
    )


async def reopen_day(conn: BaseDBAsyncClient, day: date) -> int:
    """Opens the slots of `day` a holiday closed; how many."""
    return await (
        AppointmentSlot.filter(day=day, closed_by=SlotClosedBy.HOLIDAY)
        .using_db(conn)
        .update(is_open=True, closed_by=SlotClosedBy.OPEN)
    )


async def withdraw(
    conn: BaseDBAsyncClient,
    actor: Actor,
    item_id: int,
    after: date,
    starts: Collection[str],
    weekdays: Collection[int],
) -> tuple[int, int]:
    """The item's slots after `after` that the plan (its windows' `starts`, its `weekdays`,
    empty for every working day) no longer has: deleted, or closed where a booking was ever
    made in them; (deleted, bookings closed)."""
    future = await (
        AppointmentSlot.filter(item_id=item_id, day__gt=after)
        .using_db(conn)
        .values_list("id", "day", "start")
    )
    left_out = [
        slot_id
        for slot_id, day, start in future
        if start not in starts or (weekdays and day.isoweekday() not in weekdays)
    ]
    if not left_out:
        return 0, 0
    # Closed first: the row locks put a booking under way before us, and one after us finds
    # the slot closed, so what has bookings is known by the next statement.
    await (
        AppointmentSlot.filter(id__in=left_out)
        .using_db(conn)
        .update(is_open=False, closed_by=SlotClosedBy.PLAN)
    )
    used = set(
        cast(
            list[int],
            await Appointment.filter(slot_id__in=left_out)
            .using_db(conn)
            .distinct()
            .values_list("slot_id", flat=True),
        )
    )
    unused = [slot_id for slot_id in left_out if slot_id not in used]
    if unused:
        await AppointmentSlot.filter(id__in=unused).using_db(conn).delete()
    closed = await _close_bookings(conn, actor, list(used), "APPOINTMENT_WITHDRAWN", {})
    return len(unused), closed


async def reopen_returned(
    conn: BaseDBAsyncClient,
    item_id: int,
    after: date,
    starts: Collection[str],
    weekdays: Collection[int],
) -> int:
    """Opens the item's slots after `after` that the plan closed and now has again; how many."""
    closed = await (
        AppointmentSlot.filter(item_id=item_id, day__gt=after, closed_by=SlotClosedBy.PLAN)
        .using_db(conn)
        .values_list("id", "day", "start")
    )
    back = [
        slot_id
        for slot_id, day, start in closed
        if start in starts and (not weekdays or day.isoweekday() in weekdays)
    ]
    if not back:
        return 0
    return await (
        AppointmentSlot.filter(id__in=back)
        .using_db(conn)
        .update(is_open=True, closed_by=SlotClosedBy.OPEN)
    )


async def _close_bookings(
    conn: BaseDBAsyncClient,
    actor: Actor,
    slot_ids: list[int],
    notice: str,
    params: dict[str, object],
) -> int:
    """Closes the bookings holding a place in `slot_ids` (their places are gone with the slot)
    and tells each booker with `notice`; how many."""
    if not slot_ids:
        return 0
    await AppointmentSlot.filter(id__in=slot_ids).using_db(conn).update(booked=0)
    bookings = (
        await Appointment.filter(slot_id__in=slot_ids, status=AppointmentStatus.BOOKED)
        .using_db(conn)
        .select_related("slot", "order", "application")
    )
    system = as_system(actor)
    for booking in bookings:
        await APPOINTMENT.apply(
            conn, system, booking, "CLOSE",
            expected_version=booking.version,
            changes={"holder": None, "cancelled_at": clock.now()},
            data={"queueNumber": booking.queue_number, "why": notice, **params},
            consequence=True,
        )  # fmt: skip
        if booking.booked_by_id is not None:
            await notify(
                booking.booked_by_id,
                notice,
                {
                    **_about(booking),
                    "day": booking.slot.day.isoformat(),
                    "start": booking.slot.start,
                    **params,
                },
                using_db=conn,
                key=f"appointment-closed:{booking.id}",
            )
    return len(bookings)


def _about(booking: Appointment) -> dict[str, str]:
    """What a notice names: the queue number, and the order (or application) it is for."""
    if booking.order is not None:
        return {"queueNumber": booking.queue_number, "order": booking.order.number}
    assert booking.application is not None  # a booking is for one or the other
    return {"queueNumber": booking.queue_number, "number": booking.application.number}
