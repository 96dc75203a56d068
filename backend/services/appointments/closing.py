"""A day that becomes a holiday after its slots were made: the slots close, and the bookings in
them close too, each booker told (in the app, and by mail when they chose it) so they can book
another time. Called by `services.calendar` in the transaction that enters the holiday.

It does not import the calendar (the calendar imports it).
"""

from __future__ import annotations

from datetime import date

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
    """Closes every slot of `day` and the bookings holding a place in them; how many bookings."""
    slot_ids = list(
        await AppointmentSlot.filter(day=day, is_open=True)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    if not slot_ids:
        return 0
    await (
        AppointmentSlot.filter(id__in=slot_ids)
        .using_db(conn)
        .update(is_open=False, closed_by=SlotClosedBy.HOLIDAY, booked=0)
    )
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
            data={"queueNumber": booking.queue_number, "holiday": holiday},
            consequence=True,
        )  # fmt: skip
        if booking.booked_by_id is not None:
            await notify(
                booking.booked_by_id,
                "APPOINTMENT_CLOSED",
                {**_about(booking), "day": day.isoformat(), "holiday": holiday},
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
