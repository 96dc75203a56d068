from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The cockpit's day counters, counted from the orders already there by the park's days (its time
# zone from the environment, as the server reads it). A park that changes its time zone later
# recounts (`servicehall recount-orders`).
import os


async def count_orders(apps, editor):
    from backend.services.orders import day_counts
    from backend.settings import Settings

    timezone = os.environ.get("SERVICEHALL_TIMEZONE") or Settings.timezone
    await day_counts.recount(editor.client, timezone)


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
