# After both 0012s (processing, evaluation), merged into this branch: the lead renumbers.
# Old completed orders keep NULL working days: the calendar is Python, not SQL, so the
# migration cannot work them out; the cockpit counts them apart ("not recorded").
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0017_appointments')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='processing_days',
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['completed_at', 'processing_days']),
        ),
    ]
