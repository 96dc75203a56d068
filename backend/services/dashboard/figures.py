"""The supervisor's cockpit (issue 13): the park's service at a glance, every figure counted by
the database in a fixed number of statements whatever the park's size.

Days are the park's (its time zone, `Settings.timezone`): a day's orders are those opened from
its midnight to the next, so the range is turned into UTC instants here and the database only
compares them (the same on SQLite and PostgreSQL; no time zone arithmetic in SQL). Processing
times are the working days each order took, pauses left out, recorded when it completed
(`orders.time_limits.processing_days`): SQL averages them and finds the 90th percentile
without the calendar.

The indexes behind it: `(completed_at, processing_days)` (migration 0013) and `created_at`'s
make the range's counts index-only scans, `(status, created_at, id)` the count by status; open
orders are found through the status index (few, however old the park). docs/benchmarks.md has
the measurement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery
from tortoise.functions import Count

from backend.models.accounts import MemberKind, Team, TeamMember
from backend.models.applications import OwedMaterial
from backend.models.orders import (
    OPEN_STATUSES,
    Order,
    OrderDayCount,
    OrderProcessingCount,
    OrderStatus,
)
from backend.services.core import clock
from backend.services.core.actors import Actor
from backend.services.core.errors import PermissionDenied
from backend.services.dashboard.policies import can_view_dashboard
from backend.services.evaluations import figures as evaluation_figures
from backend.services.evaluations import rectifications
from backend.services.evaluations.rectifications import OpenRectifications
from backend.services.orders import owed, time_limits
from backend.services.orders.states import NOT_CLOSED

# The longest range one request counts by day (a year, leap years included).
MAX_DAYS = 366


@dataclass(frozen=True)
class DayCount:
    day: date
    opened: int
    completed: int


@dataclass(frozen=True)
class HandlerLoad:
    team_id: int
    team_name: str
    user_id: int
    name: str
    open: int  # orders they hold (ASSIGNED, IN_PROGRESS, WAITING_ON_APPLICANT), in any team
    capacity: int | None  # this team's most for them (None: no limit)
    on_leave: bool


@dataclass(frozen=True)
class TeamLoad:
    team_id: int
    name: str
    waiting: int  # PENDING_ASSIGNMENT: nobody holds them yet
    held: int  # held by a handler
    capacity: int | None  # the sum of its present handlers' limits; None if one has none
    handlers: tuple[HandlerLoad, ...]


@dataclass(frozen=True)
class ProcessingTime:
    completed: int  # completed in the range with their working days recorded
    not_recorded: int  # completed before the working days were kept
    average: float | None  # working days
    p90: int | None  # working days: nine in ten took at most this many


@dataclass(frozen=True)
class OwedPastDue:
    materials: int  # still owed (not handed in, or returned) after the day promised
    orders: int  # open orders waiting on them


@dataclass(frozen=True)
class Deadlines:
    overdue: int  # open orders past their due time (`time_limits.overdue_condition`)
    due_soon: int  # open orders due soon, not yet overdue (`time_limits.due_soon_condition`)


@dataclass(frozen=True)
class Dashboard:
    start: date  # the first day counted (park days)
    end: date  # the last day counted, inclusive
    timezone: str
    by_status: dict[OrderStatus, int]  # orders opened in the range, by their status now
    teams: tuple[TeamLoad, ...]
    waiting_for_handler: int  # PENDING_ASSIGNMENT now, in any team
    days: tuple[DayCount, ...]
    processing: ProcessingTime
    owed_past_due: OwedPastDue
    deadlines: Deadlines
    # Each team's published figures (`evaluations.figures`: reviews, satisfaction and bad-review
    # rates, rectified share), every rating so far; teams without a rating are absent.
    ratings: tuple[evaluation_figures.Figures, ...]
    park_ratings: evaluation_figures.Figures  # the same figures for the whole park
    rectifications: OpenRectifications  # open, and past a deadline (`rectifications.is_overdue`)

    @property
    def opened(self) -> int:
        return sum(self.by_status.values())


def park_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a park day begins, in UTC (how the database compares it)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class _Parameters:
    """Placeholders for one raw statement in the connection's style (`$1` or `?`)."""

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self.numbered = connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.numbered else "?"


@dataclass(frozen=True)
class _Counted:
    """What the day counters say of a range (`orders.day_counts`)."""

    days: list[DayCount]
    opened_completed: int  # opened in the range, completed now
    opened_cancelled: int  # opened in the range, cancelled now


async def _counted(start: date, end: date) -> _Counted:
    """Opened and completed per park day, and what became of the range's orders, from the day
    counters: one statement reading at most a row a day."""
    rows = await OrderDayCount.filter(day__gte=start, day__lte=end).values_list(
        "day", "opened", "completed", "opened_completed", "opened_cancelled"
    )
    found = {day: (int(o), int(c)) for day, o, c, _, _ in rows}
    return _Counted(
        [DayCount(day, *found.get(day, (0, 0))) for day in days_between(start, end)],
        sum(int(r[3]) for r in rows),
        sum(int(r[4]) for r in rows),
    )


async def _processing(start: date, end: date, completed: int) -> ProcessingTime:
    """Average and 90th percentile (nearest rank) of the working days the orders completed in
    the range took, in one statement over the processing counters (a few rows a day): the
    database sums orders per number of days, then runs a sum over those few rows. `completed`
    is every order completed in the range: those without recorded days are the rest."""
    conn = OrderProcessingCount._meta.db
    p = _Parameters(conn)
    first, last = (start, end) if p.numbered else (start.isoformat(), end.isoformat())
    statement = (
        "WITH k AS (SELECT working_days AS d, SUM(orders) AS n FROM order_processing_counts "  # noqa: S608
        f"WHERE day >= {p(first)} AND day <= {p(last)} GROUP BY working_days), "
        "c AS (SELECT d, SUM(n) OVER (ORDER BY d) AS running, SUM(n) OVER () AS total FROM k) "
        "SELECT (SELECT SUM(n) FROM k) AS counted, "
        "(SELECT CAST(SUM(d * n) AS REAL) / SUM(n) FROM k) AS average, "
        "(SELECT MIN(d) FROM c WHERE running * 10 >= total * 9) AS p90"
    )
    row = (await conn.execute_query_dict(statement, p.values))[0]
    average = row["average"]
    counted = int(row["counted"] or 0)
    return ProcessingTime(
        completed=counted,
        not_recorded=completed - counted,
        average=None if average is None else round(float(average), 2),
        p90=None if row["p90"] is None else int(row["p90"]),
    )


async def _by_status(starts: datetime, ends: datetime, counted: _Counted) -> dict[OrderStatus, int]:
    """The range's orders by their status now: the open ones counted (few, through the
    `(status, created_at, id)` index), the closed ones from the day counters."""
    rows = (
        await Order.filter(status__in=list(NOT_CLOSED), created_at__gte=starts, created_at__lt=ends)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    found = {OrderStatus(status): int(n) for status, n in rows}
    for status, n in (
        (OrderStatus.COMPLETED, counted.opened_completed),
        (OrderStatus.CANCELLED, counted.opened_cancelled),
    ):
        if n:
            found[status] = n
    return found


@dataclass(frozen=True)
class OpenOrders:
    """The open orders (not completed or cancelled) counted once, grouped by team, handler and
    status, with processing's two deadline rules counted in each group: one scan of the few
    open orders (the status index), however old the park."""

    rows: list[tuple[int | None, int | None, OrderStatus, int, int, int]]

    @classmethod
    async def count(cls, now: datetime) -> OpenOrders:
        rows = (
            await Order.filter(status__in=list(NOT_CLOSED))
            .annotate(
                n=Count("id"),
                overdue=Count("id", _filter=time_limits.overdue_condition(now)),
                due_soon=Count("id", _filter=time_limits.due_soon_condition(now)),
            )
            .group_by("team_id", "assignee_id", "status")
            .values_list("team_id", "assignee_id", "status", "n", "overdue", "due_soon")
        )
        return cls(
            [
                (team, assignee, OrderStatus(status), int(n), int(late or 0), int(soon or 0))
                for team, assignee, status, n, late, soon in rows
            ]
        )

    def deadlines(self) -> Deadlines:
        return Deadlines(sum(r[4] for r in self.rows), sum(r[5] for r in self.rows))

    def loads(self) -> dict[int, int]:
        """Each handler's held orders, in any team: what the automatic choice compares."""
        found: dict[int, int] = defaultdict(int)
        for _, assignee, status, n, _, _ in self.rows:
            if assignee is not None and status in OPEN_STATUSES:
                found[assignee] += n
        return found


async def _teams(open_orders: OpenOrders) -> tuple[tuple[TeamLoad, ...], int]:
    """Each team's open orders and its handlers' loads and limits, and the orders waiting for
    a handler in the whole park: two statements besides the open orders' count."""
    loads = open_orders.loads()
    teams = await Team.all().order_by("name", "id").values_list("id", "name")
    members = (
        await TeamMember.filter(kind=MemberKind.HANDLER)
        .order_by("user__name", "user_id")
        .values_list("team_id", "user_id", "user__name", "on_leave", "max_open_orders")
    )
    waiting: dict[int | None, int] = defaultdict(int)
    held: dict[int | None, int] = defaultdict(int)
    for team_id, _, status, n, _, _ in open_orders.rows:
        if status is OrderStatus.PENDING_ASSIGNMENT:
            waiting[team_id] += n
        elif status in OPEN_STATUSES:
            held[team_id] += n
    names = dict(teams)
    handlers: dict[int, list[HandlerLoad]] = defaultdict(list)
    for team_id, user_id, name, on_leave, limit in members:
        handlers[team_id].append(
            HandlerLoad(
                team_id, names[team_id], user_id, name, int(loads.get(user_id, 0)), limit,
                bool(on_leave),
            )
        )  # fmt: skip
    found = []
    for team_id, name in teams:
        present = [h for h in handlers[team_id] if not h.on_leave]
        limits = [h.capacity for h in present]
        capacity = None if None in limits else sum(c for c in limits if c is not None)
        found.append(
            TeamLoad(
                team_id, name, waiting[team_id], held[team_id], capacity,
                tuple(handlers[team_id]),
            )
        )  # fmt: skip
    return tuple(found), sum(waiting.values())


async def _owed_past_due(today: date) -> OwedPastDue:
    """Owed materials still not handed in after the day promised, on orders still open."""
    open_applications = Order.filter(status__in=list(NOT_CLOSED)).values("application_id")
    row = (
        await OwedMaterial.filter(
            owed.past_deadline_condition(today),
            application_id__in=Subquery(open_applications),
        )
        .annotate(materials=Count("id"), orders=Count("application_id", distinct=True))
        .values("materials", "orders")
    )
    first = row[0] if row else {"materials": 0, "orders": 0}
    return OwedPastDue(int(first["materials"] or 0), int(first["orders"] or 0))


async def dashboard(actor: Actor, start: date, end: date, timezone: str) -> Dashboard:
    """The cockpit's figures for the park days `start` to `end` (inclusive; the caller keeps
    the range within `MAX_DAYS`), for supervisors and admins."""
    if not can_view_dashboard(actor):
        raise PermissionDenied()
    zone = ZoneInfo(timezone)
    starts, ends = park_midnight(start, zone), park_midnight(end + timedelta(days=1), zone)
    now = clock.now()
    open_orders = await OpenOrders.count(now)
    teams, waiting = await _teams(open_orders)
    today = now.astimezone(zone).date()
    counted = await _counted(start, end)
    completed = sum(d.completed for d in counted.days)
    return Dashboard(
        start=start,
        end=end,
        timezone=timezone,
        by_status=await _by_status(starts, ends, counted),
        teams=teams,
        waiting_for_handler=waiting,
        days=tuple(counted.days),
        processing=await _processing(start, end, completed),
        owed_past_due=await _owed_past_due(today),
        deadlines=open_orders.deadlines(),
        ratings=tuple(await evaluation_figures.figures(evaluation_figures.Dimension.TEAM)),
        park_ratings=await evaluation_figures.park_figures(),
        rectifications=await rectifications.open_summary(now),
    )
