"""Human-readable numbers like `SH-20261125-0042`, unique across processes and days.

Each prefix and park-local date has a counter row, advanced by one UPDATE inside the caller's
transaction: the row lock (PostgreSQL) or the single writer (SQLite) makes two callers take
two different numbers, and a rolled-back transaction gives its number back. Never max + 1.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient


def _placeholders(connection: BaseDBAsyncClient, count: int) -> list[str]:
    if connection.capabilities.dialect == "postgres":
        return [f"${i}" for i in range(1, count + 1)]
    return ["?"] * count


async def next_number(
    connection: BaseDBAsyncClient, prefix: str, moment: datetime, timezone: str
) -> str:
    """The next number for `prefix` on `moment`'s date in the park's time zone."""
    day = moment.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    key = f"{prefix}-{day}"
    return f"{key}-{await next_value(connection, key):04d}"


async def next_value(connection: BaseDBAsyncClient, key: str) -> int:
    """Advances the counter `key` (created at 0 on first use) and returns its new value."""
    (p1,) = _placeholders(connection, 1)
    # execute_query_dict: the asyncpg client drops the rows of a write in execute_query.
    rows = await connection.execute_query_dict(
        f"INSERT INTO counters (key, value) VALUES ({p1}, 1) "  # noqa: S608
        "ON CONFLICT (key) DO UPDATE SET value = counters.value + 1 RETURNING value",
        [key],
    )
    return int(rows[0]["value"])
