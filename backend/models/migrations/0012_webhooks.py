from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.webhooks import DeliveryStatus, EndpointState, SigningScheme
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_search_and_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='webhook_deliveries', on_delete=OnDelete.CASCADE)),
                ('message_id', fields.CharField(unique=True, max_length=40)),
                ('event_type', fields.CharField(max_length=60)),
                ('key', fields.CharField(null=True, unique=True, max_length=200)),
                ('body', fields.TextField(null=True, unique=False)),
                ('body_bytes', fields.IntField()),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: PENDING\nDELIVERED: DELIVERED\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('round_attempts', fields.IntField(default=0)),
                ('job_seq', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_response_code', fields.IntField(null=True)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pruned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_deliveries', 'app': 'models', 'indexes': [Index(fields=['provider_id', 'status', 'id']), Index(fields=['status', 'delivered_at'])], 'pk_attr': 'id', 'table_description': "One message to a provider's endpoint: its body, fixed when announced, and where its"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('models.WebhookDelivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='attempt_rows', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('url', fields.CharField(max_length=2000)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('duration_ms', fields.IntField(null=True)),
                ('succeeded', fields.BooleanField(default=False)),
                ('response_code', fields.IntField(null=True)),
                ('response_excerpt', fields.TextField(default='', unique=False)),
                ('error', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'webhook_attempts', 'app': 'models', 'unique_together': (('delivery_id', 'number'),), 'pk_attr': 'id', 'table_description': 'One HTTP request of a delivery: written before it is sent, completed when it ends.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.OneToOneField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='webhook_endpoint', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=2000)),
                ('event_types', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('scheme', fields.CharEnumField(default=SigningScheme.V1, description='V1: v1\nV1A: v1a', enum_type=SigningScheme, max_length=5)),
                ('state', fields.CharEnumField(default=EndpointState.ENABLED, description='ENABLED: ENABLED\nDISABLED: DISABLED\nGONE: GONE\nFAILING: FAILING', enum_type=EndpointState, max_length=10)),
                ('state_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paused_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'webhook_endpoints', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Where a provider hears of its orders: one per provider, configured by admins.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookSecret',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', db_constraint=True, to_field='id', related_name='secrets', on_delete=OnDelete.CASCADE)),
                ('scheme', fields.CharEnumField(description='V1: v1\nV1A: v1a', enum_type=SigningScheme, max_length=5)),
                ('sealed', fields.TextField(unique=False)),
                ('public_key', fields.CharField(default='', max_length=100)),
                ('fingerprint', fields.CharField(max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_secrets', 'app': 'models', 'pk_attr': 'id', 'table_description': "A signing key of an endpoint. The private part is sealed with the server's secret key"},
            bases=['Model'],
        ),
    ]
