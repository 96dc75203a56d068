"""The most applied-for services: the "most used" half of the common-services board.

An application counts on the day (UTC) it was last submitted, in `ApplicationDayCount`: the
board sums the days of the window, at most items × 91 rows whatever the traffic. Counting the
applications themselves read every application of the window (about 120,000 index entries, 35
ms, at a million applications: docs/benchmarks.md). A submit moves its application from the
day of its previous submit to today's, in the submit's transaction (`count_submit`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.functions import Sum

from backend.models.catalog import ApplicationDayCount, ServiceItem
from backend.services.catalog.catalog import items_visible_to
from backend.services.core.actors import Actor

WINDOW = timedelta(days=90)
MOST = 20


async def count_submit(
    conn: BaseDBAsyncClient, item_id: int, previous: datetime | None, now: datetime
) -> None:
    """An application for `item_id` submitted at `now`, last submitted at `previous` (None the
    first time): it leaves that day's count and joins today's. Call in the submit's transaction.
    """
    today = now.astimezone(UTC).date()
    if previous is not None:
        before = previous.astimezone(UTC).date()
        if before == today:
            return
        await (
            ApplicationDayCount.filter(item_id=item_id, day=before)
            .using_db(conn)
            .update(applications=F("applications") - 1)
        )
    postgres = conn.capabilities.dialect == "postgres"
    values = "$1, $2" if postgres else "?, ?"
    # One statement, so two first submits of the day cannot both insert the row.
    await conn.execute_query(
        "INSERT INTO application_day_counts (item_id, day, applications) "  # noqa: S608
        f"VALUES ({values}, 1) ON CONFLICT (item_id, day) "
        "DO UPDATE SET applications = application_day_counts.applications + 1",
        [item_id, today if postgres else today.isoformat()],
    )


def recount_sql(dialect: str) -> str:
    """The statements that count every submitted application afresh (`recount`), for a
    database of `dialect` ("postgres" or "sqlite"): also run by `bench/generate.py` over its
    own connection after it loads a park."""
    day = (
        "(submitted_at AT TIME ZONE 'UTC')::date" if dialect == "postgres" else "date(submitted_at)"
    )
    return (
        "DELETE FROM application_day_counts; "  # noqa: S608
        "INSERT INTO application_day_counts (item_id, day, applications) "
        f"SELECT item_id, {day}, COUNT(*) FROM applications WHERE submitted_at IS NOT NULL "
        f"GROUP BY item_id, {day}"
    )


async def recount(conn: BaseDBAsyncClient) -> None:
    """Counts every submitted application afresh: for data loaded around `submit` (a bulk
    generator, an import). Call in a transaction if others submit meanwhile."""
    await conn.execute_script(recount_sql(conn.capabilities.dialect))


async def popular_items(
    actor: Actor, limit: int, now: datetime | None = None
) -> list[tuple[ServiceItem, int]]:
    """Items the viewer may see, by applications submitted in the last 90 days (counted by whole
    days, so up to a day more), ties by name.

    Items nobody applied for are left out: a board of zeros would only list names.
    """
    since = ((now or datetime.now(UTC)) - WINDOW).astimezone(UTC).date()
    rows = (
        await ApplicationDayCount.filter(day__gte=since)
        .annotate(total=Sum("applications"))
        .group_by("item_id")
        .values_list("item_id", "total")
    )
    counts = {int(str(item_id)): int(str(n)) for item_id, n in rows}
    counts = {item_id: n for item_id, n in counts.items() if n > 0}
    items = await items_visible_to(actor).filter(id__in=list(counts))
    ranked = sorted(items, key=lambda item: (-counts[item.id], item.name_zh, item.id))
    return [(item, counts[item.id]) for item in ranked[:limit]]
