"""The cockpit's counters: orders opened, completed and cancelled per park day, and the working
days the completed ones took (`OrderDayCount`, `OrderProcessingCount`).

A year's figures counted from the orders read every order of the year (418 ms at 600,000:
docs/benchmarks.md); the counters are at most 366 rows, and a few per day for the working days.
Each is written in the transaction that changes what it counts: `opened` by `open_order`,
`completed` by `steps.complete`, `cancelled` by `steps.cancel` (COMPLETED and CANCELLED are
final, so an order moves into a count once and never out). Days are the park's (the time zone
passed in, `Settings.timezone`): changing the park's time zone needs a `recount`, as does data
loaded around these functions (a bulk generator, an import, tests that move rows by hand).

The rows of one transaction are written in the order of their days, so two transactions
counting the same days never wait on each other crosswise.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.orders import Order, OrderStatus

COLUMNS = ("opened", "completed", "opened_completed", "opened_cancelled")


def park_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def _instant(value: datetime | str) -> datetime:
    """A stored moment as SQLite returns it (text, UTC unless it says otherwise)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _placeholders(conn: BaseDBAsyncClient, count: int) -> list[str]:
    if conn.capabilities.dialect == "postgres":
        return [f"${n}" for n in range(1, count + 1)]
    return ["?"] * count


def _day_value(conn: BaseDBAsyncClient, day: date) -> Any:
    return day if conn.capabilities.dialect == "postgres" else day.isoformat()


async def _add(conn: BaseDBAsyncClient, counts: dict[date, dict[str, int]]) -> None:
    """Adds to the day rows, creating them; one statement a day, days in order."""
    for day in sorted(counts):
        added = counts[day]
        marks = _placeholders(conn, 1 + len(COLUMNS))
        updates = ", ".join(
            f"{c} = order_day_counts.{c} + excluded.{c}" for c in COLUMNS if added.get(c)
        )
        # Only column names from COLUMNS and placeholders reach the text (the database keeps no
        # defaults: every column is given). One statement, so two first counts of a day cannot
        # both insert the row.
        await conn.execute_query(
            f"INSERT INTO order_day_counts (day, {', '.join(COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join(marks)}) ON CONFLICT (day) DO UPDATE SET {updates}",
            [_day_value(conn, day), *(added.get(c, 0) for c in COLUMNS)],
        )


async def opened(conn: BaseDBAsyncClient, order: Order, timezone: str) -> None:
    """`order` was opened (its `created_at`): call in the transaction that opens it."""
    await _add(conn, {park_day(order.created_at, timezone): {"opened": 1}})


async def completed(
    conn: BaseDBAsyncClient, order: Order, when: datetime, days: int | None, timezone: str
) -> None:
    """`order` was completed at `when`, having taken `days` working days (None: not known):
    call in the completing transaction."""
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    done = park_day(when, timezone)
    counts[done]["completed"] = 1
    counts[park_day(order.created_at, timezone)]["opened_completed"] = 1
    await _add(conn, counts)
    if days is None:
        return
    marks = _placeholders(conn, 2)
    await conn.execute_query(
        "INSERT INTO order_processing_counts (day, working_days, orders) "  # noqa: S608
        f"VALUES ({marks[0]}, {marks[1]}, 1) ON CONFLICT (day, working_days) "
        "DO UPDATE SET orders = order_processing_counts.orders + 1",
        [_day_value(conn, done), days],
    )


async def cancelled(conn: BaseDBAsyncClient, order: Order, timezone: str) -> None:
    """`order` was cancelled: call in the cancelling transaction."""
    await _add(conn, {park_day(order.created_at, timezone): {"opened_cancelled": 1}})


def recount_statements(timezone: str) -> list[tuple[str, list[Any]]]:
    """PostgreSQL's recount (`recount`), as statements with their arguments (`$1` the time
    zone): also run by `bench/generate.py` over its own connection after it loads a park."""
    opened_day = "(created_at AT TIME ZONE $1)::date"
    completed_day = "(completed_at AT TIME ZONE $1)::date"
    return [
        ("DELETE FROM order_processing_counts", []),
        ("DELETE FROM order_day_counts", []),
        (
            # Constants only reach the text; the time zone is `$1`.
            "INSERT INTO order_day_counts "  # noqa: S608
            "(day, opened, completed, opened_completed, opened_cancelled) "
            "SELECT day, SUM(o), SUM(c), SUM(oc), SUM(ox) FROM ("
            f"SELECT {opened_day} AS day, COUNT(*) AS o, 0 AS c, "
            f"COUNT(*) FILTER (WHERE status = '{OrderStatus.COMPLETED.value}') AS oc, "
            f"COUNT(*) FILTER (WHERE status = '{OrderStatus.CANCELLED.value}') AS ox "
            "FROM orders GROUP BY 1 "
            f"UNION ALL SELECT {completed_day}, 0, COUNT(*), 0, 0 FROM orders "
            "WHERE completed_at IS NOT NULL GROUP BY 1"
            ") AS counted GROUP BY day",
            [timezone],
        ),
        (
            "INSERT INTO order_processing_counts (day, working_days, orders) "  # noqa: S608
            f"SELECT {completed_day}, processing_days, COUNT(*) FROM orders "
            "WHERE completed_at IS NOT NULL AND processing_days IS NOT NULL GROUP BY 1, 2",
            [timezone],
        ),
    ]


async def recount(conn: BaseDBAsyncClient, timezone: str) -> None:
    """Counts every order afresh, by the days of `timezone`. Call in a transaction if others
    open or close orders meanwhile. SQLite has no time zones: its orders are read and counted
    here (its parks are small)."""
    if conn.capabilities.dialect == "postgres":
        for statement, arguments in recount_statements(timezone):
            await conn.execute_query(statement, arguments)
        return
    # Plain SQL: a migration runs this before the models are set up.
    rows = await conn.execute_query_dict(
        "SELECT created_at, completed_at, status, processing_days FROM orders"
    )
    counts: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    working: dict[tuple[date, int], int] = defaultdict(int)
    for row in rows:
        status, days = row["status"], row["processing_days"]
        completed_at = None if row["completed_at"] is None else _instant(row["completed_at"])
        day = counts[park_day(_instant(row["created_at"]), timezone)]
        day["opened"] += 1
        day["opened_completed"] += status == OrderStatus.COMPLETED
        day["opened_cancelled"] += status == OrderStatus.CANCELLED
        if completed_at is not None:
            done = park_day(completed_at, timezone)
            counts[done]["completed"] += 1
            if days is not None:
                working[(done, int(days))] += 1
    await conn.execute_query("DELETE FROM order_processing_counts")
    await conn.execute_query("DELETE FROM order_day_counts")
    marks = ", ".join(_placeholders(conn, 5))
    if not counts:
        return
    await conn.execute_many(
        f"INSERT INTO order_day_counts (day, {', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
        [[_day_value(conn, d), *(c[k] for k in COLUMNS)] for d, c in sorted(counts.items())],
    )
    if not working:
        return
    await conn.execute_many(
        "INSERT INTO order_processing_counts (day, working_days, orders) VALUES (?, ?, ?)",
        [[_day_value(conn, d), w, n] for (d, w), n in sorted(working.items())],
    )
