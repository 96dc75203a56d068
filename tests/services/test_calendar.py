"""Due dates on the park's working calendar: weekends, holidays, make-up working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.models.accounts import Role
from backend.models.calendar import CalendarDay, DayKind
from backend.models.events import Event
from backend.services.calendar import calendar
from backend.services.core.actors import Actor
from backend.services.core.errors import Invalid, PermissionDenied

TZ = "Asia/Shanghai"
ADMIN = Actor(user_id=None, roles=frozenset({Role.ADMIN}))


def _at(text: str) -> datetime:
    """A park-local time given as 'YYYY-MM-DD HH:MM'."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ))


async def test_a_limit_skips_the_weekend(db: str) -> None:
    # Thursday 2026-11-26, 3 working days: Fri 27, Mon 30, Tue 1 Dec.
    due = await calendar.due_at(_at("2026-11-26 10:00"), 3, TZ)
    assert due.date() == date(2026, 12, 1)
    assert (due.hour, due.minute) == (23, 59)


async def test_the_park_date_decides_not_the_utc_date(db: str) -> None:
    # 2026-11-26 17:00 UTC is already Friday 27 01:00 in Shanghai: 1 day later is Monday.
    due = await calendar.due_at(datetime(2026, 11, 26, 17, 0, tzinfo=UTC), 1, TZ)
    assert due.date() == date(2026, 11, 30)


@pytest.mark.postgres
async def test_a_holiday_is_skipped_and_a_make_up_day_counts(db: str) -> None:
    await CalendarDay.create(day=date(2026, 10, 1), kind=DayKind.OFF, name_zh="国庆节")
    await CalendarDay.create(day=date(2026, 10, 2), kind=DayKind.OFF, name_zh="国庆节")
    await CalendarDay.create(day=date(2026, 9, 27), kind=DayKind.WORK, name_zh="国庆调休")
    # From Friday 25 Sep: Sun 27 (make-up) and Mon 28, Tue 29, Wed 30; Thu 1 and Fri 2 off.
    assert (await calendar.due_at(_at("2026-09-25 09:00"), 1, TZ)).date() == date(2026, 9, 27)
    assert (await calendar.due_at(_at("2026-09-25 09:00"), 4, TZ)).date() == date(2026, 9, 30)
    assert (await calendar.due_at(_at("2026-09-25 09:00"), 5, TZ)).date() == date(2026, 10, 5)


async def test_a_long_limit_reaches_past_the_first_window(db: str) -> None:
    await CalendarDay.create(day=date(2027, 3, 1), kind=DayKind.OFF, name_zh="假日")
    # 60 working days from Mon 2026-12-07 with no other entries: 12 weeks, and 1 Mar is off.
    due = await calendar.due_at(_at("2026-12-07 09:00"), 60, TZ)
    assert due.date() == date(2027, 3, 2)


async def test_years_without_entries_are_named_for_the_warning(db: str) -> None:
    await CalendarDay.create(day=date(2026, 1, 1), kind=DayKind.OFF, name_zh="元旦")
    assert await calendar.years_without_entries([2026, 2027]) == [2027]


async def test_set_day_checks_the_rule_it_states(db: str) -> None:
    with pytest.raises(Invalid) as caught:
        await calendar.set_day(ADMIN, date(2026, 11, 28), DayKind.OFF, "", "")
    assert {(p.field, p.code) for p in caught.value.problems} == {
        (("day",), "NOT_A_HOLIDAY_DAY"),
        (("nameZh",), "REQUIRED"),
    }
    with pytest.raises(Invalid):
        await calendar.set_day(ADMIN, date(2026, 11, 27), DayKind.WORK, "调休", "")
    assert await CalendarDay.all().count() == 0


async def test_only_admins_change_the_calendar(db: str) -> None:
    handler = Actor(user_id=None, roles=frozenset({Role.HANDLER}))
    with pytest.raises(PermissionDenied):
        await calendar.set_day(handler, date(2026, 10, 1), DayKind.OFF, "国庆节", "National Day")


@pytest.mark.postgres
async def test_entering_changing_and_clearing_a_day_is_recorded(db: str) -> None:
    entry = await calendar.set_day(ADMIN, date(2026, 10, 1), DayKind.OFF, "国庆节", "")
    await calendar.set_day(ADMIN, date(2026, 10, 1), DayKind.OFF, "国庆节", "National Day")
    await calendar.clear_day(ADMIN, date(2026, 10, 1))
    kinds = (
        await Event.filter(aggregate_type="calendar_day", aggregate_id=entry.id)
        .order_by("sequence")
        .values_list("sequence", "kind")
    )
    assert kinds == [(1, "DAY_SET"), (2, "DAY_SET"), (3, "DAY_CLEARED")]
    with pytest.raises(Invalid) as caught:
        await calendar.clear_day(ADMIN, date(2026, 10, 1))
    assert caught.value.problems[0].code == "DAY_NOT_LISTED"


def test_from_october_the_next_year_is_checked_too() -> None:
    assert calendar.years_to_check(date(2026, 9, 30)) == [2026]
    assert calendar.years_to_check(date(2026, 10, 1)) == [2026, 2027]


def test_the_demo_2026_calendar_states_only_what_breaks_the_weekday_rule() -> None:
    from backend.demo.calendar import calendar_days

    days = calendar_days()
    assert all(d.day.weekday() < 5 for d in days if d.kind is DayKind.OFF)
    assert all(d.day.weekday() >= 5 for d in days if d.kind is DayKind.WORK)
    assert len({d.day for d in days}) == len(days)
    # National Day week: 1-7 October off (five weekdays), 20 Sep and 10 Oct worked.
    october = {d.day for d in days if d.name_zh == "国庆节"}
    assert october == {date(2026, 10, d) for d in (1, 2, 5, 6, 7)}
