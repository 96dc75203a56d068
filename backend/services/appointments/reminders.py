"""The reminder the working day before an appointment: a job per booking, enqueued when it is
made (`bookings.REMIND`). Safe to run twice: the notice has a key, written once per person."""

from __future__ import annotations

from backend.models.appointments import Appointment, AppointmentPlan, AppointmentStatus
from backend.services.appointments.bookings import REMIND
from backend.services.appointments.closing import _about
from backend.services.core import clock
from backend.services.jobs import jobs
from backend.services.notifications.notifications import notify


@jobs.handler(REMIND)
async def remind(run: jobs.JobRun) -> None:
    booking = (
        await Appointment.filter(id=int(run.payload["appointmentId"]))
        .select_related("slot", "order", "application")
        .first()
    )
    # Cancelled, closed, or already come: nothing to remind of.
    if booking is None or booking.status is not AppointmentStatus.BOOKED:
        return
    if booking.slot.starts_at <= clock.now() or booking.booked_by_id is None:
        return
    plan = await AppointmentPlan.get_or_none(item_id=booking.slot.item_id)
    location = {"zh": plan.location_zh, "en": plan.location_en} if plan else {"zh": ""}
    await notify(
        booking.booked_by_id,
        "APPOINTMENT_REMINDER",
        {
            **_about(booking),
            "day": booking.slot.day.isoformat(),
            "start": booking.slot.start,
            "location": location,
        },
        key=f"appointment-reminder:{booking.id}",
    )
