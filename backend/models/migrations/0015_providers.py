from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

# Every version that already names a provider is served by it (position 0: the primary).
SERVED_BY_PRIMARY = (
    "INSERT INTO item_version_providers (item_version_id, provider_id, position) "
    "SELECT id, provider_id, 0 FROM service_item_versions WHERE provider_id IS NOT NULL"
)

class Migration(migrations.Migration):
    dependencies = [('models', '0014_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ItemVersionProvider',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item_version', fields.ForeignKeyField('models.ServiceItemVersion', source_field='item_version_id', db_constraint=True, to_field='id', related_name='served_by', on_delete=OnDelete.CASCADE)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='serves', on_delete=OnDelete.RESTRICT)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'item_version_providers', 'app': 'models', 'unique_together': (('item_version', 'provider'),), 'pk_attr': 'id', 'table_description': 'A provider that serves an item version'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Application',
            name='provider',
            field=fields.ForeignKeyField('models.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Order',
            name='provider_staff',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='User',
            name='provider',
            field=fields.ForeignKeyField('models.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.SET_NULL),
        ),
        ops.RunSQL(SERVED_BY_PRIMARY, reverse_sql="SELECT 1"),
    ]
