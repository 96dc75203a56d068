"""Calendar types and the calendar's own error codes."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from backend.models.calendar import CalendarDay as CalendarDayModel
from backend.models.calendar import DayKind

strawberry.enum(DayKind, name="DayKind", description="OFF: a weekday holiday. WORK: 调休.")


@strawberry.enum(description="Why a calendar mutation did not go through.")
class CalendarErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_A_HOLIDAY_DAY = "NOT_A_HOLIDAY_DAY"
    NOT_A_MAKEUP_DAY = "NOT_A_MAKEUP_DAY"
    DAY_NOT_LISTED = "DAY_NOT_LISTED"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"


@strawberry.type
class CalendarError:
    field: list[str] | None
    code: CalendarErrorCode
    message: str


@strawberry.type
class CalendarDay:
    day: date
    kind: DayKind
    name: str = strawberry.field(description="In the viewer's language.")
    name_zh: str
    name_en: str

    @classmethod
    def of(cls, row: CalendarDayModel, language: str) -> CalendarDay:
        name = row.name_en if language == "en" and row.name_en else row.name_zh
        return cls(day=row.day, kind=row.kind, name=name, name_zh=row.name_zh, name_en=row.name_en)


@strawberry.type(
    description="A year of the working calendar: the days that break the weekday rule."
)
class CalendarYear:
    year: int
    entered: bool = strawberry.field(
        description="False when no day of the year is entered: weekends only, admins warned."
    )
    days: list[CalendarDay]
