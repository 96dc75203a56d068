from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The cockpit's day counters, counted from the orders already there by the park's days: its
# time zone from the environment as the server reads it (`Settings.timezone`'s default else).
# The same counts as `services/orders/day_counts.recount`, written out here because a migration
# keeps to what it was (and imports nothing of the services). A park that changes its time zone
# later recounts (`servicehall recount-orders`).
import os
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"
COUNT_DAYS_POSTGRES = [
    "INSERT INTO order_day_counts (day, opened, completed, opened_completed, opened_cancelled) "
    "SELECT day, SUM(o), SUM(c), SUM(oc), SUM(ox) FROM ("
    "SELECT (created_at AT TIME ZONE $1)::date AS day, COUNT(*) AS o, 0 AS c, "
    "COUNT(*) FILTER (WHERE status = 'COMPLETED') AS oc, "
    "COUNT(*) FILTER (WHERE status = 'CANCELLED') AS ox FROM orders GROUP BY 1 "
    "UNION ALL SELECT (completed_at AT TIME ZONE $1)::date, 0, COUNT(*), 0, 0 FROM orders "
    "WHERE completed_at IS NOT NULL GROUP BY 1) AS counted GROUP BY day",
    "INSERT INTO order_processing_counts (day, working_days, orders) "
    "SELECT (completed_at AT TIME ZONE $1)::date, processing_days, COUNT(*) FROM orders "
    "WHERE completed_at IS NOT NULL AND processing_days IS NOT NULL GROUP BY 1, 2",
]


def _day(value, zone):
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


async def count_orders(apps, editor):
    client = editor.client
    timezone = os.environ.get("SERVICEHALL_TIMEZONE") or DEFAULT_TIMEZONE
    if client.capabilities.dialect == "postgres":
        for statement in COUNT_DAYS_POSTGRES:
            await client.execute_query(statement, [timezone])
        return
    # SQLite has no time zones: its (small) parks are counted here.
    zone = ZoneInfo(timezone)
    rows = await client.execute_query_dict(
        "SELECT created_at, completed_at, status, processing_days FROM orders"
    )
    days = defaultdict(lambda: [0, 0, 0, 0])
    working = defaultdict(int)
    for row in rows:
        opened = days[_day(row["created_at"], zone)]
        opened[0] += 1
        opened[2] += row["status"] == "COMPLETED"
        opened[3] += row["status"] == "CANCELLED"
        if row["completed_at"] is not None:
            done = _day(row["completed_at"], zone)
            days[done][1] += 1
            if row["processing_days"] is not None:
                working[(done, int(row["processing_days"]))] += 1
    if days:
        await client.execute_many(
            "INSERT INTO order_day_counts "
            "(day, opened, completed, opened_completed, opened_cancelled) VALUES (?, ?, ?, ?, ?)",
            [[day, *counts] for day, counts in sorted(days.items())],
        )
    if working:
        await client.execute_many(
            "INSERT INTO order_processing_counts (day, working_days, orders) VALUES (?, ?, ?)",
            [[day, w, n] for (day, w), n in sorted(working.items())],
        )


async def forget_counts(apps, editor):
    await editor.client.execute_script(
        "DELETE FROM order_processing_counts; DELETE FROM order_day_counts"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0018_cockpit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OrderDayCount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField(unique=True)),
                ('opened', fields.IntField(default=0)),
                ('completed', fields.IntField(default=0)),
                ('opened_completed', fields.IntField(default=0)),
                ('opened_cancelled', fields.IntField(default=0)),
            ],
            options={'table': 'order_day_counts', 'app': 'models', 'pk_attr': 'id', 'table_description': "The orders of one park day (the park's time zone when counted): opened that day, completed"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderProcessingCount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('working_days', fields.IntField()),
                ('orders', fields.IntField(default=0)),
            ],
            options={'table': 'order_processing_counts', 'app': 'models', 'unique_together': (('day', 'working_days'),), 'pk_attr': 'id', 'table_description': 'How many orders completed on one park day took a number of working days'},
            bases=['Model'],
        ),
        ops.RunPython(count_orders, forget_counts),
    ]
