"""Adds the two columns 0003 left out of `service_items` (category_id, live_version_id).

0003 creates `service_items` before `service_item_versions`, and the two tables refer to each
other; the generated CREATE TABLE came out without either foreign-key column, on SQLite and on
PostgreSQL alike, so no item could be stored. SQLite cannot add a NOT NULL column with a
REFERENCES clause to an existing table, so there `category_id` is nullable in the database
(the model still requires it); PostgreSQL gets the NOT NULL column.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


async def add_columns(apps, schema_editor) -> None:
    client = schema_editor.client
    columns = {row["name"] for row in await _columns(client)}
    not_null = "" if client.capabilities.dialect == "sqlite" else " NOT NULL"
    statements = []
    if "category_id" not in columns:
        statements.append(
            'ALTER TABLE "service_items" ADD COLUMN "category_id" BIGINT'
            f'{not_null} REFERENCES "categories" ("id") ON DELETE RESTRICT'
        )
    if "live_version_id" not in columns:
        statements.append(
            'ALTER TABLE "service_items" ADD COLUMN "live_version_id" BIGINT '
            'REFERENCES "service_item_versions" ("id") ON DELETE SET NULL'
        )
    statements.append(
        'CREATE INDEX IF NOT EXISTS "idx_service_items_category" '
        'ON "service_items" ("category_id", "position", "id")'
    )
    for sql in statements:
        await client.execute_script(sql)


async def _columns(client) -> list[dict]:
    if client.capabilities.dialect == "sqlite":
        return await client.execute_query_dict('PRAGMA table_info("service_items")')
    return await client.execute_query_dict(
        "SELECT column_name AS name FROM information_schema.columns "
        "WHERE table_name = 'service_items' AND table_schema = current_schema()"
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0003_enterprises_premises_catalog")]

    initial = False

    operations = [ops.RunPython(add_columns, ops.RunPython.noop)]
