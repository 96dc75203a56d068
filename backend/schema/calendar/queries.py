"""`calendar(year)`: staff read the working calendar."""

from __future__ import annotations

from datetime import date

import strawberry

from backend.models.calendar import CalendarDay as CalendarDayModel
from backend.schema.calendar.types import CalendarDay, CalendarYear
from backend.schema.context import context_of
from backend.schema.relay import BadRequest
from backend.services.calendar.policies import can_view_calendar


@strawberry.type
class CalendarQueries:
    @strawberry.field(description="One year of the working calendar; staff only, else null.")
    async def calendar(self, info: strawberry.Info, year: int) -> CalendarYear | None:
        actor = context_of(info).actor
        if not can_view_calendar(actor):
            return None
        if not 2000 <= year <= 2100:
            raise BadRequest("`year` must be between 2000 and 2100.", "BAD_YEAR")
        rows = await CalendarDayModel.filter(
            day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)
        ).order_by("day")
        return CalendarYear(
            year=year,
            entered=bool(rows),
            days=[CalendarDay.of(row, actor.language) for row in rows],
        )
