"""The working calendar: which days count toward a time limit, and when a limit falls due.

Monday to Friday are working days unless a `CalendarDay` says otherwise: public holidays are
OFF, and the weekend days China moves work onto (调休) are WORK. A year with no entries at all
counts weekends only, and admins are warned until someone enters it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.i18n import N_
from backend.models.calendar import CalendarDay, DayKind
from backend.services.appointments import closing as appointment_closing
from backend.services.calendar.policies import can_manage_calendar
from backend.services.core import events
from backend.services.core.actors import Actor
from backend.services.core.errors import Invalid, PermissionDenied, Problems, register_messages
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction

register_messages(
    {
        "NOT_A_HOLIDAY_DAY": N_("A holiday must fall on a weekday; weekends are off already."),
        "NOT_A_MAKEUP_DAY": N_("A make-up working day must fall on a Saturday or Sunday."),
        "DAY_NOT_LISTED": N_("This day is not in the calendar."),
    }
)

END_OF_DAY = time(23, 59, 59, 999999)


def is_working_day(day: date, overrides: Mapping[date, DayKind]) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind is DayKind.WORK
    return day.weekday() < 5


async def overrides_between(
    first: date, last: date, conn: BaseDBAsyncClient | None = None
) -> dict[date, DayKind]:
    rows = (
        await CalendarDay.filter(day__gte=first, day__lte=last)
        .using_db(conn)
        .values_list("day", "kind")
    )
    return {day: DayKind(kind) for day, kind in rows}


@dataclass(frozen=True)
class WorkingCalendar:
    """The calendar from `first` to `last`, loaded once, for arithmetic without queries.

    Asking about a day outside the window is a bug of the caller (it loaded too little), so it
    raises instead of guessing from the weekday rule.
    """

    zone: ZoneInfo
    first: date
    last: date
    overrides: Mapping[date, DayKind]

    def is_working(self, day: date) -> bool:
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the loaded calendar {self.first}..{self.last}")
        return is_working_day(day, self.overrides)

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def end_of(self, day: date) -> datetime:
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone)

    def working_days_ended(self, start: datetime, end: datetime) -> int:
        """The working days whose end (park time) falls in [start, end): what a pause from
        `start` to `end` costs. A stretch within one day costs nothing."""
        count = 0
        day, last = self.day_of(start), self.day_of(end)
        while day <= last:
            if start <= self.end_of(day) < end and self.is_working(day):
                count += 1
            day += timedelta(days=1)
        return count

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The end of the `days`-th working day after `moment`'s date; `moment` itself for 0."""
        if days <= 0:
            return moment
        day = self.day_of(moment)
        while days > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                days -= 1
        return self.end_of(day)

    def working_days_left(self, now: datetime, due: datetime) -> int:
        """Whole working days after today up to the due day: 0 when due by tonight; once past,
        minus the working days since (at least -1)."""
        today, due_day = self.day_of(now), self.day_of(due)
        if due >= now:
            return self._working_days_after(today, due_day)
        return -max(1, self._working_days_after(due_day, today))

    def _working_days_after(self, first: date, last: date) -> int:
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            if self.is_working(day):
                count += 1
        return count


async def working_calendar(
    first: date, last: date, timezone: str, conn: BaseDBAsyncClient | None = None
) -> WorkingCalendar:
    """The calendar from `first` to `last` in one query."""
    return WorkingCalendar(
        ZoneInfo(timezone), first, last, await overrides_between(first, last, conn)
    )


async def due_at(start: datetime, working_days: int, timezone: str) -> datetime:
    """The end (park time) of the `working_days`-th working day after `start`'s date."""
    zone = ZoneInfo(timezone)
    day = start.astimezone(zone).date()
    overrides: dict[date, DayKind] = {}
    loaded_until = day
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if day > loaded_until:
            # A window that surely covers the limit, long holidays included: one query.
            loaded_until = day + timedelta(days=working_days * 2 + 30)
            overrides |= await overrides_between(day, loaded_until)
        if is_working_day(day, overrides):
            remaining -= 1
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


def years_to_check(today: date) -> list[int]:
    """This year, and from October on the next one too, so it is entered before it starts."""
    return [today.year, today.year + 1] if today.month >= 10 else [today.year]


async def years_missing(actor: Actor, timezone: str) -> list[int]:
    """For admins, the years to warn about; nobody else is asked to act, so for them none."""
    if not can_manage_calendar(actor):
        return []
    today = datetime.now(ZoneInfo(timezone)).date()
    return await years_without_entries(years_to_check(today))


async def years_without_entries(years: list[int]) -> list[int]:
    """The years asked about that have no calendar entry at all (counted as weekends only)."""
    missing = []
    for year in years:
        if not await CalendarDay.filter(
            day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)
        ).exists():
            missing.append(year)
    return missing


def _check_day(day: date, kind: DayKind, name_zh: str, name_en: str) -> tuple[str, str]:
    problems = Problems()
    if kind is DayKind.OFF and day.weekday() >= 5:
        problems.add("day", "NOT_A_HOLIDAY_DAY")
    if kind is DayKind.WORK and day.weekday() < 5:
        problems.add("day", "NOT_A_MAKEUP_DAY")
    cleaned_zh = " ".join(name_zh.split())
    cleaned_en = " ".join(name_en.split())
    if not cleaned_zh:
        problems.add("nameZh", "REQUIRED")
    elif len(cleaned_zh) > 50:
        problems.add("nameZh", "TOO_LONG", max=50)
    if len(cleaned_en) > 50:
        problems.add("nameEn", "TOO_LONG", max=50)
    problems.raise_if_any()
    return cleaned_zh, cleaned_en


async def set_day(
    actor: Actor, day: date, kind: DayKind, name_zh: str, name_en: str
) -> CalendarDay:
    """Enters one day, or changes it; what it states must differ from the weekday rule."""
    if not can_manage_calendar(actor):
        raise PermissionDenied()
    cleaned_zh, cleaned_en = _check_day(day, kind, name_zh, name_en)
    try:
        async with in_transaction() as conn:
            entry = await CalendarDay.get_or_none(day=day, using_db=conn)
            if entry is None:
                entry = await CalendarDay.create(
                    day=day, kind=kind, name_zh=cleaned_zh, name_en=cleaned_en, using_db=conn
                )
            else:
                # No expected version: the last admin to set a day wins, queued behind others.
                entry.version = await bump_version(conn, CalendarDay, entry.id, None)
                entry.kind = kind
                entry.name_zh = cleaned_zh
                entry.name_en = cleaned_en
                await (
                    CalendarDay.filter(id=entry.id)
                    .using_db(conn)
                    .update(kind=kind, name_zh=cleaned_zh, name_en=cleaned_en)
                )
            await events.record(
                conn,
                actor,
                "calendar_day",
                entry.id,
                "DAY_SET",
                {"day": day.isoformat(), "kind": kind.value},
            )
            if kind is DayKind.OFF:
                # Appointment slots already made for the day close, and their bookers are told.
                holiday = {"zh": cleaned_zh, "en": cleaned_en}
                await appointment_closing.close_day(conn, actor, day, holiday)
    except IntegrityError as exc:  # two admins entering the same day at once
        raise Invalid.at("day", "STALE") from exc
    return entry


async def clear_day(actor: Actor, day: date) -> None:
    """Takes a day out of the calendar: it follows the weekday rule again."""
    if not can_manage_calendar(actor):
        raise PermissionDenied()
    async with in_transaction() as conn:
        entry = await CalendarDay.get_or_none(day=day, using_db=conn)
        if entry is None:
            raise Invalid.at("day", "DAY_NOT_LISTED")
        await events.record(
            conn,
            actor,
            "calendar_day",
            entry.id,
            "DAY_CLEARED",
            {"day": day.isoformat(), "kind": entry.kind.value},
        )
        await entry.delete(using_db=conn)
        if entry.kind is DayKind.OFF:
            # The slots the holiday closed open again (not those an admin or the plan closed).
            await appointment_closing.reopen_day(conn, day)
