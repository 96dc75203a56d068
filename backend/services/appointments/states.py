"""A booking's states and the actions between them, as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.models.appointments import Appointment, AppointmentStatus
from backend.services.appointments.policies import can_cancel, can_check_in
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine, nobody

S = AppointmentStatus


class AppointmentEventKind(StrEnum):
    APPOINTMENT_BOOKED = "APPOINTMENT_BOOKED"
    APPOINTMENT_CANCELLED = "APPOINTMENT_CANCELLED"
    APPOINTMENT_CHECKED_IN = "APPOINTMENT_CHECKED_IN"
    APPOINTMENT_CLOSED = "APPOINTMENT_CLOSED"


E = AppointmentEventKind


def _cancel(actor: Actor, booking: Any, reach: Reach) -> bool:
    return can_cancel(actor, booking, reach)


def _check_in(actor: Actor, booking: Any, reach: Reach) -> bool:
    return can_check_in(actor, booking, reach)


# Booking itself is not a transition: it writes the row (in BOOKED) with the slot's counts.
APPOINTMENT: Machine[Appointment, AppointmentStatus] = Machine(
    "appointment",
    Appointment,
    AppointmentStatus,
    (
        Action(
            "CANCEL", frozenset({S.BOOKED}), frozenset({S.CANCELLED}), E.APPOINTMENT_CANCELLED,
            _cancel, "the enterprise's members, supervisors, admins (the place is free again; "
            "its queue number is not given again)",
        ),
        Action(
            "CHECK_IN", frozenset({S.BOOKED}), frozenset({S.CHECKED_IN}),
            E.APPOINTMENT_CHECKED_IN, _check_in,
            "handlers (their teams' bookings, on the day), supervisors, admins",
        ),
        Action(
            "CLOSE", frozenset({S.BOOKED}), frozenset({S.CLOSED}), E.APPOINTMENT_CLOSED,
            nobody, "the service, when the slot's day becomes a holiday or the item's plan drops "
            "its window (the booker is told)",
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class AppointmentActions:
    cancel: bool
    check_in: bool


def actions_for(actor: Actor, booking: Any, reach: Reach) -> AppointmentActions:
    return AppointmentActions(
        cancel=APPOINTMENT.may(actor, booking, "CANCEL", reach),
        check_in=APPOINTMENT.may(actor, booking, "CHECK_IN", reach),
    )
