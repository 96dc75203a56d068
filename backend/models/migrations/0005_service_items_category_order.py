from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_working_calendar_and_counters')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ServiceItem',
            index=Index(fields=['category_id', 'position', 'id']),
        ),
    ]
