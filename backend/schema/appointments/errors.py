"""userErrors of the appointment mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why an appointment mutation did not go through.")
class AppointmentErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"
    # The plan and its slots.
    INVALID_TIME = "INVALID_TIME"
    WINDOW_ENDS_BEFORE_START = "WINDOW_ENDS_BEFORE_START"
    WINDOWS_OVERLAP = "WINDOWS_OVERLAP"
    QUOTA_OUT_OF_RANGE = "QUOTA_OUT_OF_RANGE"
    DAYS_AHEAD_OUT_OF_RANGE = "DAYS_AHEAD_OUT_OF_RANGE"
    INVALID_WEEKDAY = "INVALID_WEEKDAY"
    TOO_MANY_WINDOWS = "TOO_MANY_WINDOWS"
    # Booking, cancelling, checking in.
    SLOT_FULL = "SLOT_FULL"
    SLOT_CLOSED = "SLOT_CLOSED"
    SLOT_IN_THE_PAST = "SLOT_IN_THE_PAST"
    SLOT_TOO_FAR_AHEAD = "SLOT_TOO_FAR_AHEAD"
    SLOT_OF_ANOTHER_ITEM = "SLOT_OF_ANOTHER_ITEM"
    ALREADY_BOOKED = "ALREADY_BOOKED"
    NOT_BOOKABLE = "NOT_BOOKABLE"
    NOT_ON_THE_DAY = "NOT_ON_THE_DAY"


@strawberry.type
class AppointmentError:
    field: list[str] | None
    code: AppointmentErrorCode
    message: str
