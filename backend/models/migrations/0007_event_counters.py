from tortoise import migrations
from tortoise.migrations import operations as ops

# Each aggregate's events get their own counter (`counters` row `event:<type>:<id>`), no longer
# the aggregate's version: start every counter at the aggregate's highest sequence so existing
# events keep their numbers and the next one follows on.
SEED = (
    "INSERT INTO counters (key, value) "
    "SELECT 'event:' || aggregate_type || ':' || CAST(aggregate_id AS TEXT), MAX(sequence) "
    "FROM events GROUP BY aggregate_type, aggregate_id"
)
UNSEED = "DELETE FROM counters WHERE key LIKE 'event:%'"


class Migration(migrations.Migration):
    dependencies = [('models', '0006_applications_and_orders')]

    initial = False

    operations = [
        ops.RunSQL(SEED, reverse_sql=UNSEED),
    ]
