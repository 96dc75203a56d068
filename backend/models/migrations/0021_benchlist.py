# The order queue filtered by a team or a provider, newest first (docs/benchmarks.md, "after
# processing, providers, evaluation, appointments, cockpit").
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_catalog2')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['team_id', 'created_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['provider_id', 'created_at', 'id']),
        ),
    ]
