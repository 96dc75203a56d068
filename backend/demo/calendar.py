"""The 2026 working calendar, after the State Council's notice on the 2026 public holidays.

Only what breaks the weekday rule is entered: holidays on weekdays (OFF) and the weekend days
worked instead (WORK). Admins enter later years as they are announced; until then the pages
warn them.
"""

from __future__ import annotations

from datetime import date, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.calendar import CalendarDay, DayKind

# (first day off, last day off, Chinese name, English name, make-up working days)
HOLIDAYS_2026 = (
    (date(2026, 1, 1), date(2026, 1, 3), "元旦", "New Year's Day", (date(2026, 1, 4),)),
    (
        date(2026, 2, 15),
        date(2026, 2, 23),
        "春节",
        "Spring Festival",
        (date(2026, 2, 14), date(2026, 2, 28)),
    ),
    (date(2026, 4, 4), date(2026, 4, 6), "清明节", "Qingming Festival", ()),
    (date(2026, 5, 1), date(2026, 5, 5), "劳动节", "Labour Day", (date(2026, 5, 9),)),
    (date(2026, 6, 19), date(2026, 6, 21), "端午节", "Dragon Boat Festival", ()),
    (date(2026, 9, 25), date(2026, 9, 27), "中秋节", "Mid-Autumn Festival", ()),
    (
        date(2026, 10, 1),
        date(2026, 10, 7),
        "国庆节",
        "National Day",
        (date(2026, 9, 20), date(2026, 10, 10)),
    ),
)


def calendar_days() -> list[CalendarDay]:
    days: list[CalendarDay] = []
    for first, last, name_zh, name_en, makeups in HOLIDAYS_2026:
        day = first
        while day <= last:
            if day.weekday() < 5:
                days.append(
                    CalendarDay(day=day, kind=DayKind.OFF, name_zh=name_zh, name_en=name_en)
                )
            day += timedelta(days=1)
        for makeup in makeups:
            days.append(
                CalendarDay(
                    day=makeup,
                    kind=DayKind.WORK,
                    name_zh=f"{name_zh}调休",
                    name_en=f"{name_en} make-up day",
                )
            )
    return days


async def seed_calendar(conn: BaseDBAsyncClient) -> None:
    if (
        not await CalendarDay.filter(day__gte=date(2026, 1, 1), day__lte=date(2026, 12, 31))
        .using_db(conn)
        .exists()
    ):
        await CalendarDay.bulk_create(calendar_days(), using_db=conn)
