from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# PostgreSQL only (SQLite searches with LIKE alone). `search_grams` holds every pair of adjacent
# characters of a text, and every character beyond ASCII: a GIN index over it finds the names
# holding a two-character Chinese word, which a trigram index cannot (the word has no trigram).
# Written without FROM or subqueries so the planner inlines it (about 10 µs a row).
POSTGRES_SEARCH = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE FUNCTION search_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_to_array(regexp_replace($1, '(..)', '\1' || chr(31), 'g'), chr(31))
      || string_to_array(regexp_replace(substr($1, 2), '(..)', '\1' || chr(31), 'g'), chr(31))
      || string_to_array(regexp_replace($1, '[\x01-\x7f]+', '', 'g'), NULL)
$$;
CREATE INDEX enterprises_name_grams ON enterprises USING gin (search_grams(lower(name)));
CREATE INDEX service_items_search_grams ON service_items USING gin (search_grams(search_text));
CREATE INDEX orders_number_trigrams ON orders USING gin (number gin_trgm_ops);
CREATE INDEX applications_number_trigrams ON applications USING gin (number gin_trgm_ops);
"""
POSTGRES_SEARCH_UNDONE = """
DROP INDEX IF EXISTS applications_number_trigrams;
DROP INDEX IF EXISTS orders_number_trigrams;
DROP INDEX IF EXISTS service_items_search_grams;
DROP INDEX IF EXISTS enterprises_name_grams;
DROP FUNCTION IF EXISTS search_grams(text);
"""

# The "most used" board's counts, from the applications already submitted (by UTC day).
COUNT_DAYS = {
    "postgres": "(submitted_at AT TIME ZONE 'UTC')::date",
    "sqlite": "date(submitted_at)",
}
COUNT_SQL = (
    "INSERT INTO application_day_counts (item_id, day, applications) "
    "SELECT item_id, {day}, COUNT(*) FROM applications WHERE submitted_at IS NOT NULL "
    "GROUP BY item_id, {day}"
)


def _dialect(editor):
    return editor.client.capabilities.dialect


async def add_postgres_search(apps, editor):
    if _dialect(editor) == "postgres":
        await editor.client.execute_script(POSTGRES_SEARCH)


async def drop_postgres_search(apps, editor):
    if _dialect(editor) == "postgres":
        await editor.client.execute_script(POSTGRES_SEARCH_UNDONE)


async def count_submitted_applications(apps, editor):
    day = COUNT_DAYS[_dialect(editor)]
    await editor.client.execute_script(COUNT_SQL.format(day=day))


async def forget_counts(apps, editor):
    await editor.client.execute_script("DELETE FROM application_day_counts")


class Migration(migrations.Migration):
    dependencies = [('models', '0010_order_processing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApplicationDayCount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='day_counts', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('applications', fields.IntField(default=0)),
            ],
            options={'table': 'application_day_counts', 'app': 'models', 'unique_together': (('item', 'day'),), 'indexes': [Index(fields=['day', 'item_id', 'applications'])], 'pk_attr': 'id', 'table_description': 'How many applications for an item were last submitted on one day (UTC).'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['status', 'id']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['enterprise_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Application',
            index=Index(fields=['item_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['status', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['enterprise_id', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['item_id', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['due_at', 'id']),
        ),
        ops.RunPython(add_postgres_search, drop_postgres_search),
        ops.RunPython(count_submitted_applications, forget_counts),
    ]
