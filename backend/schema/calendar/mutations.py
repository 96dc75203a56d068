"""`setCalendarDay` and `clearCalendarDay`, for admins."""

from __future__ import annotations

from datetime import date

import strawberry

from backend.models.calendar import DayKind
from backend.schema.calendar.types import CalendarDay, CalendarError
from backend.schema.context import context_of
from backend.schema.errors import run_mutation
from backend.services.calendar import calendar


@strawberry.input
class SetCalendarDayInput:
    day: date
    kind: DayKind
    name_zh: str
    name_en: str = ""


@strawberry.type
class SetCalendarDayPayload:
    calendar_day: CalendarDay | None
    user_errors: list[CalendarError]


@strawberry.input
class ClearCalendarDayInput:
    day: date


@strawberry.type
class ClearCalendarDayPayload:
    cleared: bool
    user_errors: list[CalendarError]


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(description="Enters a holiday or a make-up working day (or changes it).")
    async def set_calendar_day(
        self, info: strawberry.Info, input: SetCalendarDayInput
    ) -> SetCalendarDayPayload:
        context = context_of(info)

        async def change() -> SetCalendarDayPayload:
            row = await calendar.set_day(
                context.actor, input.day, input.kind, input.name_zh, input.name_en
            )
            return SetCalendarDayPayload(
                calendar_day=CalendarDay.of(row, context.language), user_errors=[]
            )

        return await run_mutation(
            info,
            CalendarError,
            change,
            lambda errors: SetCalendarDayPayload(calendar_day=None, user_errors=errors),
        )

    @strawberry.mutation(description="Takes a day out of the calendar (back to the weekday rule).")
    async def clear_calendar_day(
        self, info: strawberry.Info, input: ClearCalendarDayInput
    ) -> ClearCalendarDayPayload:
        context = context_of(info)

        async def change() -> ClearCalendarDayPayload:
            await calendar.clear_day(context.actor, input.day)
            return ClearCalendarDayPayload(cleared=True, user_errors=[])

        return await run_mutation(
            info,
            CalendarError,
            change,
            lambda errors: ClearCalendarDayPayload(cleared=False, user_errors=errors),
        )
