"""An item's appointment plan, the slots made from it on the park's working calendar, and an
admin's changes to one slot.

Slots are made for the days from tomorrow up to the plan's `days_ahead`: on the park's working
days (a make-up Saturday is one, a holiday is not), and, when the plan names weekdays, only on
those. Making slots only adds the missing ones, so it is safe to run again (on saving the plan,
and each night by a job): a slot an admin closed, or changed, stays as it is.

A window is its start time (a slot's key is item, day and start; the queue number begins with
it). A changed plan takes effect from tomorrow: the future slots of a window (or weekday) it
dropped go (`closing.withdraw`: deleted, or closed with their bookings where anyone booked), a
window kept with a new end moves its future slots' end (the bookings keep their time), and a
window that comes back opens the slots the plan had closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.appointments import AppointmentPlan, AppointmentSlot, SlotClosedBy
from backend.models.catalog import ServiceItem
from backend.services.appointments import closing
from backend.services.appointments.policies import can_manage_plans
from backend.services.calendar.calendar import working_calendar
from backend.services.core import clock, events
from backend.services.core.actors import Actor
from backend.services.core.errors import (
    NotFound,
    PermissionDenied,
    Problem,
    Problems,
    register_messages,
)
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs

register_messages(
    {
        "INVALID_TIME": N_("Enter a time of day as HH:MM, such as 09:30."),
        "WINDOW_ENDS_BEFORE_START": N_("A time window must end after it starts."),
        "WINDOWS_OVERLAP": N_("Time windows must not overlap."),
        "QUOTA_OUT_OF_RANGE": N_("A quota is a whole number from {min} to {max}."),
        "DAYS_AHEAD_OUT_OF_RANGE": N_("Bookings may open from {min} to {max} days ahead."),
        "INVALID_WEEKDAY": N_("A weekday is a number from 1 (Monday) to 7 (Sunday)."),
        "TOO_MANY_WINDOWS": N_("A plan has at most {max} time windows."),
    }
)

MAX_WINDOWS = 24
MAX_QUOTA = 999
MAX_DAYS_AHEAD = 90
# The nightly job that makes the slots of the day that has come within reach.
MAKE_SLOTS = "appointments.make_slots"
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Window:
    start: str
    end: str
    quota: int


@dataclass(frozen=True)
class PlanInput:
    weekdays: Sequence[int]
    windows: Sequence[Window]
    days_ahead: int
    location_zh: str
    location_en: str = ""
    before_review: bool = False


def _check(plan: PlanInput) -> tuple[list[int], list[dict[str, Any]], str, str]:
    problems = Problems()
    # The first bad weekday is named, and an over-long window list as a whole: a long list
    # must not come back as as many userErrors.
    for index, day in enumerate(plan.weekdays):
        if not 1 <= day <= 7:
            problems.add(("weekdays", str(index)), "INVALID_WEEKDAY")
            break
    if not plan.windows:
        problems.add("windows", "REQUIRED")
    elif len(plan.windows) > MAX_WINDOWS:
        problems.add("windows", "TOO_MANY_WINDOWS", max=MAX_WINDOWS)
    windows: list[dict[str, Any]] = []
    for index, window in enumerate(plan.windows if len(plan.windows) <= MAX_WINDOWS else []):
        at = ("windows", str(index))
        start, end = window.start.strip(), window.end.strip()
        good = True
        for name, value in (("start", start), ("end", end)):
            if not _TIME.match(value):
                problems.add((*at, name), "INVALID_TIME")
                good = False
        if good and end <= start:
            problems.add((*at, "end"), "WINDOW_ENDS_BEFORE_START")
            good = False
        if not 1 <= window.quota <= MAX_QUOTA:
            problems.add((*at, "quota"), "QUOTA_OUT_OF_RANGE", min=1, max=MAX_QUOTA)
        if good:
            windows.append({"start": start, "end": end, "quota": window.quota, "index": index})
    windows.sort(key=lambda w: w["start"])
    for before, after in pairwise(windows):
        if after["start"] < before["end"]:
            problems.add(("windows", str(after["index"]), "start"), "WINDOWS_OVERLAP")
    if not 1 <= plan.days_ahead <= MAX_DAYS_AHEAD:
        problems.add("daysAhead", "DAYS_AHEAD_OUT_OF_RANGE", min=1, max=MAX_DAYS_AHEAD)
    location_zh = " ".join(plan.location_zh.split())
    location_en = " ".join(plan.location_en.split())
    if not location_zh:
        problems.add("locationZh", "REQUIRED")
    elif len(location_zh) > 200:
        problems.add("locationZh", "TOO_LONG", max=200)
    if len(location_en) > 200:
        problems.add("locationEn", "TOO_LONG", max=200)
    problems.raise_if_any()
    return (
        sorted(set(plan.weekdays)),
        [{k: w[k] for k in ("start", "end", "quota")} for w in windows],
        location_zh,
        location_en,
    )


async def set_plan(
    actor: Actor,
    item_id: int,
    plan: PlanInput,
    *,
    timezone: str,
    expected_version: int | None = None,
) -> tuple[AppointmentPlan, int]:
    """Saves the item's plan (a new one, or a change of the one it has) and makes the slots it
    now calls for; the plan and how many slots were made."""
    if not can_manage_plans(actor):
        raise PermissionDenied()
    weekdays, windows, location_zh, location_en = _check(plan)
    values = {
        "weekdays": weekdays,
        "windows": windows,
        "days_ahead": plan.days_ahead,
        "location_zh": location_zh,
        "location_en": location_en,
        "before_review": plan.before_review,
    }
    async with in_transaction() as conn:
        if not await ServiceItem.filter(id=item_id).using_db(conn).exists():
            raise NotFound([Problem("NOT_FOUND", ("serviceItemId",))])
        stored = await AppointmentPlan.get_or_none(item_id=item_id, using_db=conn)
        if stored is None:
            stored = await AppointmentPlan.create(item_id=item_id, **values, using_db=conn)
        else:
            stored.version = await bump_version(conn, AppointmentPlan, stored.id, expected_version)
            await AppointmentPlan.filter(id=stored.id).using_db(conn).update(**values)
            for name, value in values.items():
                setattr(stored, name, value)
            await _follow_changed_plan(conn, actor, stored, timezone)
        await events.record(conn, actor, "service_item", item_id, "APPOINTMENT_PLAN_SET", values)
        made = await make_slots(conn, stored, timezone)
        await _schedule_next_run(conn, item_id, timezone)
    return stored, made


async def _follow_changed_plan(
    conn: BaseDBAsyncClient, actor: Actor, plan: AppointmentPlan, timezone: str
) -> None:
    """The future slots follow a changed plan (the module's docstring says how)."""
    today = _today(timezone)
    starts = {window["start"]: window["end"] for window in plan.windows}
    await closing.withdraw(conn, actor, plan.item_id, today, starts, plan.weekdays)
    await closing.reopen_returned(conn, plan.item_id, today, starts, plan.weekdays)
    for start, end in starts.items():
        await (
            AppointmentSlot.filter(item_id=plan.item_id, day__gt=today, start=start)
            .exclude(end=end)
            .using_db(conn)
            .update(end=end)
        )


def _today(timezone: str) -> date:
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def starts_at(day: date, start: str, timezone: str) -> datetime:
    hour, minute = (int(part) for part in start.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(timezone))


def slot_days(plan: AppointmentPlan, first: date, last: date, is_working: Any) -> list[date]:
    """The days from `first` to `last` the plan takes appointments on."""
    days, day = [], first
    while day <= last:
        if is_working(day) and (not plan.weekdays or day.isoweekday() in plan.weekdays):
            days.append(day)
        day += timedelta(days=1)
    return days


async def make_slots(conn: BaseDBAsyncClient, plan: AppointmentPlan, timezone: str) -> int:
    """Adds the plan's missing slots from tomorrow to `days_ahead` days on; how many."""
    today = _today(timezone)
    first, last = today + timedelta(days=1), today + timedelta(days=plan.days_ahead)
    calendar = await working_calendar(first, last, timezone, conn)
    days = slot_days(plan, first, last, calendar.is_working)
    if not days or not plan.windows:
        return 0
    existing = set(
        await AppointmentSlot.filter(item_id=plan.item_id, day__gte=first, day__lte=last)
        .using_db(conn)
        .values_list("day", "start")
    )
    new = [
        AppointmentSlot(
            item_id=plan.item_id,
            day=day,
            start=window["start"],
            end=window["end"],
            starts_at=starts_at(day, window["start"], timezone),
            quota=window["quota"],
        )
        for day in days
        for window in plan.windows
        if (day, window["start"]) not in existing
    ]
    if new:
        # Two admins saving at once: the unique (item, day, start) keeps one of each.
        await AppointmentSlot.bulk_create(new, ignore_conflicts=True, using_db=conn)
    return len(new)


async def _schedule_next_run(conn: BaseDBAsyncClient, item_id: int, timezone: str) -> None:
    """Tomorrow just after midnight (park time), the next day's slots are made."""
    tomorrow = _today(timezone) + timedelta(days=1)
    run_at = datetime.combine(tomorrow, time(0, 5), tzinfo=ZoneInfo(timezone))
    await jobs.enqueue(
        conn,
        MAKE_SLOTS,
        {"itemId": item_id, "timezone": timezone},
        run_at=run_at,
        key=f"{MAKE_SLOTS}:{item_id}:{tomorrow.isoformat()}",
    )


@jobs.handler(MAKE_SLOTS)
async def _make_slots_job(run: jobs.JobRun) -> None:
    item_id, timezone = int(run.payload["itemId"]), str(run.payload["timezone"])
    async with in_transaction() as conn:
        plan = await AppointmentPlan.get_or_none(item_id=item_id, using_db=conn)
        if plan is None:
            return  # the item is gone: nothing more to make
        await make_slots(conn, plan, timezone)
        await _schedule_next_run(conn, item_id, timezone)


async def change_slot(
    actor: Actor,
    slot_id: int,
    *,
    quota: int | None = None,
    is_open: bool | None = None,
    expected_version: int | None = None,
) -> AppointmentSlot:
    """Closes or opens one slot, or changes its quota. A quota below what is booked keeps the
    bookings and takes no more; closing takes no more either (bookings made are kept)."""
    if not can_manage_plans(actor):
        raise PermissionDenied()
    problems = Problems()
    if quota is not None and not 0 <= quota <= MAX_QUOTA:
        problems.add("quota", "QUOTA_OUT_OF_RANGE", min=0, max=MAX_QUOTA)
    problems.raise_if_any()
    missing = lambda: NotFound([Problem("NOT_FOUND", ("slotId",))])  # noqa: E731
    async with in_transaction() as conn:
        version = await bump_version(
            conn, AppointmentSlot, slot_id, expected_version, missing=missing
        )
        changes: dict[str, Any] = {}
        if quota is not None:
            changes["quota"] = quota
        if is_open is not None:
            changes["is_open"] = is_open
            changes["closed_by"] = SlotClosedBy.OPEN if is_open else SlotClosedBy.ADMIN
        if changes:
            await AppointmentSlot.filter(id=slot_id).using_db(conn).update(**changes)
        slot = await AppointmentSlot.get(id=slot_id, using_db=conn)
        await events.record(
            conn, actor, "appointment_slot", slot_id, "SLOT_CHANGED",
            {"quota": slot.quota, "open": slot.is_open, "version": version},
        )  # fmt: skip
    return slot
