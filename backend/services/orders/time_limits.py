"""An order's time limit: the pauses while it waited on the applicant, the due date they move,
and what is left of it (product brief, journey step 7; issue 10, "The time limit").

The due date moves by one working day for every working day at whose end (park time) the order
was still waiting on the applicant: a question asked and answered within the same working day
moves nothing; one asked on Friday and answered on Monday moves it by one (Friday's end). The
stored `Order.due_at` counts every finished pause; the pause under way adds the working days
that have ended since it began, so an order never falls overdue while it waits (unless it was
overdue already when the question went out: `waiting_since > due_at`).

"Due soon" is the same kind of fact: `Order.due_soon_at` is the start (park time) of the working
day `DUE_SOON_WORKING_DAYS` working days before the due day, stored wherever `due_at` is set or
moved, so that an order is due soon exactly when at most that many whole working days are left
(`remaining_working_days <= N`) and it is not overdue yet. While the order waits, it is due soon
when it already was at the start of the pause (its due date moves on with the wait).

Each rule is written twice, once in Python for a row (`is_overdue`, `is_due_soon`) and once as
SQL for a list or a count (`overdue_condition`, `due_soon_condition`); tests hold them together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q

from backend.models.calendar import DayKind
from backend.models.orders import Order, OrderPause, OrderStatus
from backend.services.calendar.calendar import (
    WorkingCalendar,
    overrides_between,
    working_calendar,
)
from backend.services.core import clock
from backend.services.orders.policies import OrderFacts
from backend.services.orders.states import CLOSED, NOT_CLOSED

# Beyond the latest day a sum reaches, days loaded so long holidays still fit the window.
MARGIN_DAYS = 60

# Working days before the due day an order counts as due soon (`configure`, from
# SERVICEHALL_DUE_SOON_WORKING_DAYS), and before an owed material's deadline its enterprise is
# reminded (SERVICEHALL_OWED_REMINDER_WORKING_DAYS).
DUE_SOON_WORKING_DAYS = 1
OWED_REMINDER_WORKING_DAYS = 2


def configure(*, due_soon_working_days: int, owed_reminder_working_days: int) -> None:
    """The app's settings, at start-up (like `preferences.configure`)."""
    global DUE_SOON_WORKING_DAYS, OWED_REMINDER_WORKING_DAYS
    DUE_SOON_WORKING_DAYS = due_soon_working_days
    OWED_REMINDER_WORKING_DAYS = owed_reminder_working_days


class DeadlineFacts(Protocol):
    """What overdue and due soon read of an order (any `OrderFacts` has them)."""

    @property
    def status(self) -> OrderStatus: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def waiting_since(self) -> datetime | None: ...
    @property
    def due_soon_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Deadline:
    """`DeadlineFacts` from plain columns (an order summarised beside something else)."""

    status: OrderStatus
    due_at: datetime
    waiting_since: datetime | None
    due_soon_at: datetime | None


@dataclass(frozen=True)
class Pause:
    started_at: datetime
    ended_at: datetime | None
    # Ended: the working days it moved the due date by. Under way: those ended so far.
    working_days: int


@dataclass(frozen=True)
class TimeLimit:
    due_at: datetime  # with every pause counted, the one under way up to now
    pauses: tuple[Pause, ...]
    remaining_working_days: int | None  # None once the order is completed or cancelled
    overdue: bool


def is_overdue(order: DeadlineFacts, now: datetime) -> bool:
    """Still open and past its due time, pauses counted, from the row alone (lists call it
    for every row). While the order waits, its due date moves on at the end of each working
    day, so it is overdue exactly when it already was at the start of the pause."""
    if order.status in CLOSED:
        return False
    waiting_since = _waiting(order)
    if waiting_since is not None:
        return waiting_since > order.due_at
    return order.due_at < now


def _waiting(order: DeadlineFacts) -> datetime | None:
    """The start of the pause under way, as the rules read it."""
    if order.status is OrderStatus.WAITING_ON_APPLICANT:
        return order.waiting_since
    return None


def is_due_soon(order: DeadlineFacts, now: datetime) -> bool:
    """Still open, not overdue, and within `DUE_SOON_WORKING_DAYS` working days of its due
    day (`due_soon_at` passed); while waiting, when it already was at the start of the pause.
    An order without `due_soon_at` is never due soon."""
    due_soon_at = order.due_soon_at
    if order.status in CLOSED or due_soon_at is None or is_overdue(order, now):
        return False
    waiting_since = _waiting(order)
    if waiting_since is not None:
        return waiting_since >= due_soon_at
    return due_soon_at <= now


# -- the same rules as SQL conditions on `orders`, for lists and counts ----------------------------

# The open statuses named, not the closed ones excluded: Tortoise writes `NOT IN` as
# `(status NOT IN (...) OR status IS NULL)`, which no index serves (a million orders: a scan of
# the table for the overdue count); `IN` reads the ~30,000 open ones from the status index.
_OPEN = Q(status__in=sorted(s.value for s in NOT_CLOSED))
_WAITING = Q(status=OrderStatus.WAITING_ON_APPLICANT.value, waiting_since__isnull=False)
_NOT_WAITING = ~Q(status=OrderStatus.WAITING_ON_APPLICANT.value) | Q(waiting_since__isnull=True)


def overdue_condition(now: datetime) -> Q:
    """`is_overdue` as a filter on `Order`: open, and past its due time (while waiting: already
    at the start of the pause). `Order.filter(overdue_condition(now))`."""
    return _OPEN & (
        (_WAITING & Q(waiting_since__gt=F("due_at"))) | (_NOT_WAITING & Q(due_at__lt=now))
    )


def due_soon_condition(now: datetime) -> Q:
    """`is_due_soon` as a filter on `Order`: open, not overdue, `due_soon_at` passed (while
    waiting: at the start of the pause)."""
    waiting = _WAITING & Q(waiting_since__gte=F("due_soon_at"), waiting_since__lte=F("due_at"))
    running = _NOT_WAITING & Q(due_soon_at__lte=now, due_at__gte=now)
    # Stated, so that the negation (`~`) keeps the rows without one (SQL's NULL is neither).
    return _OPEN & Q(due_soon_at__isnull=False) & (waiting | running)


def start_of_working_days_before(cal: WorkingCalendar, due: datetime, days: int) -> datetime:
    """The start (park time) of the `days`-th working day before `due`'s day (its own day for
    0): from then on at most `days` whole working days are left before it."""
    day = cal.day_of(due)
    while days > 0:
        day -= timedelta(days=1)
        if cal.is_working(day):
            days -= 1
    return datetime.combine(day, time(0), tzinfo=cal.zone)


async def working_days_before(
    due: datetime, days: int, timezone: str, conn: BaseDBAsyncClient | None = None
) -> datetime:
    """`start_of_working_days_before` on the park's calendar, loaded around `due` (one query)."""
    zone = ZoneInfo(timezone)
    last = due.astimezone(zone).date()
    first = last - timedelta(days=2 * days + MARGIN_DAYS)
    cal = WorkingCalendar(zone, first, last, await overrides_between(first, last, conn))
    return start_of_working_days_before(cal, due, days)


async def due_soon_at(
    due: datetime, timezone: str, conn: BaseDBAsyncClient | None = None
) -> datetime:
    """When an order due at `due` becomes due soon (`DUE_SOON_WORKING_DAYS` before)."""
    return await working_days_before(due, DUE_SOON_WORKING_DAYS, timezone, conn)


def _window(
    orders: Sequence[OrderFacts], starts: Sequence[datetime], now: datetime
) -> tuple[date, date]:
    """The days the arithmetic for `orders` may touch, in UTC dates widened by one each side
    (the park's date of a moment is at most a day away from its UTC date)."""
    moments = [now, *starts, *(o.due_at for o in orders)]
    first = min(m.date() for m in moments) - timedelta(days=1)
    # A pause under way can move a due date by at most one working day per calendar day.
    longest = max(((now - s).days + 1 for s in starts), default=0)
    last = max(m.date() for m in moments) + timedelta(days=2 * longest + MARGIN_DAYS)
    return first, last


def _limit(
    order: OrderFacts, rows: Sequence[OrderPause], cal: WorkingCalendar, now: datetime
) -> TimeLimit:
    pauses = []
    due = order.due_at
    for row in rows:
        if row.ended_at is not None:
            days = row.working_days if row.working_days is not None else 0
        else:
            days = cal.working_days_ended(row.started_at, now)
            due = cal.add_working_days(due, days)
        pauses.append(Pause(row.started_at, row.ended_at, days))
    closed = order.status in CLOSED
    return TimeLimit(
        due_at=due,
        pauses=tuple(pauses),
        remaining_working_days=None if closed else cal.working_days_left(now, due),
        overdue=is_overdue(order, now),
    )


@dataclass(frozen=True)
class TimeLimits:
    """What the time limits of some orders are worked out from, loaded at `now` in two
    queries whatever their number: their pauses, and the calendar days the arithmetic may
    touch. Which day a moment falls on is the park's time zone's, given when asked (`of`)."""

    now: datetime
    pauses: Mapping[int, Sequence[OrderPause]]
    first: date
    last: date
    overrides: Mapping[date, DayKind]

    def of(self, order: OrderFacts, timezone: str) -> TimeLimit:
        cal = WorkingCalendar(ZoneInfo(timezone), self.first, self.last, self.overrides)
        return _limit(order, self.pauses.get(order.pk, ()), cal, self.now)


async def load_time_limits(
    orders: Sequence[OrderFacts],
    *,
    now: datetime | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> TimeLimits:
    """The pauses of `orders` (a model, or a list's `OrderRow`) and the calendar around them."""
    moment = now or clock.now()
    if not orders:
        return TimeLimits(moment, {}, moment.date(), moment.date(), {})
    rows = (
        await OrderPause.filter(order_id__in=[o.pk for o in orders])
        .using_db(conn)
        .order_by("order_id", "started_at", "id")
    )
    by_order: dict[int, list[OrderPause]] = defaultdict(list)
    for row in rows:
        by_order[row.order_id].append(row)
    open_starts = [r.started_at for r in rows if r.ended_at is None]
    first, last = _window(orders, open_starts, moment)
    return TimeLimits(moment, by_order, first, last, await overrides_between(first, last, conn))


async def time_limits(
    orders: Sequence[OrderFacts],
    timezone: str,
    *,
    now: datetime | None = None,
    conn: BaseDBAsyncClient | None = None,
) -> dict[int, TimeLimit]:
    """The time limit of each order, by its id, in two queries whatever their number."""
    loaded = await load_time_limits(orders, now=now, conn=conn)
    return {o.pk: loaded.of(o, timezone) for o in orders}


def working_days_taken(
    cal: WorkingCalendar,
    opened_at: datetime,
    completed_at: datetime,
    pauses: Sequence[OrderPause],
) -> int:
    """The working days an order took from opening to completion, pauses left out: those
    whose end (park time) it lived through, less those each finished pause moved its due date
    by. Counted the way the time limit is, so an order completed on its due day (no pause) took
    exactly its item's limit, and one completed the day it opened took 0."""
    ended = cal.working_days_ended(opened_at, completed_at)
    paused = sum(p.working_days or 0 for p in pauses if p.ended_at is not None)
    return max(0, ended - paused)


async def processing_days(
    conn: BaseDBAsyncClient, order: Order, timezone: str, now: datetime
) -> int:
    """What `working_days_taken` says of `order` completed at `now`, in two queries (its
    pauses, the calendar between): call in the completing transaction."""
    pauses = await OrderPause.filter(order_id=order.id).using_db(conn)
    first = order.created_at.date() - timedelta(days=1)
    cal = await working_calendar(first, now.date() + timedelta(days=1), timezone, conn)
    return working_days_taken(cal, order.created_at, now, pauses)


async def start_pause(
    conn: BaseDBAsyncClient, order: Order, request_id: int | None, now: datetime
) -> OrderPause:
    return await OrderPause.create(
        order_id=order.id, request_id=request_id, started_at=now, using_db=conn
    )


async def end_pause(
    conn: BaseDBAsyncClient, order: Order, timezone: str, now: datetime
) -> tuple[int, datetime]:
    """Ends the order's pause under way: the working days it cost, and the due date moved by
    them. Call in the transaction that ends the wait."""
    pause = (
        await OrderPause.filter(order_id=order.id, ended_at__isnull=True)
        .using_db(conn)
        .order_by("-started_at")
        .first()
    )
    if pause is None:
        return 0, order.due_at
    first, last = _window([order], [pause.started_at], now)
    cal = await working_calendar(first, last, timezone, conn)
    days = cal.working_days_ended(pause.started_at, now)
    await OrderPause.filter(id=pause.id).using_db(conn).update(ended_at=now, working_days=days)
    return days, cal.add_working_days(order.due_at, days)
