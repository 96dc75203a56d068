from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.models.service_requests import RequestStatus, Urgency
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_search_and_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ServiceRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='service_requests', on_delete=OnDelete.CASCADE)),
                ('requested_by', fields.ForeignKeyField('models.User', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='service_requests', on_delete=OnDelete.SET_NULL)),
                ('title', fields.CharField(max_length=100)),
                ('description', fields.TextField(unique=False)),
                ('reason', fields.TextField(default='', unique=False)),
                ('urgency', fields.CharEnumField(default=Urgency.NORMAL, description='LOW: LOW\nNORMAL: NORMAL\nHIGH: HIGH', enum_type=Urgency, max_length=10)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', null=True, db_constraint=True, to_field='id', related_name='service_requests', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=RequestStatus.OPEN, description='OPEN: OPEN\nANSWERED: ANSWERED\nMERGED: MERGED\nDECLINED: DECLINED\nITEM_DRAFTED: ITEM_DRAFTED\nFULFILLED: FULFILLED', enum_type=RequestStatus, max_length=12)),
                ('answer', fields.TextField(default='', unique=False)),
                ('decline_reason', fields.TextField(default='', unique=False)),
                ('merged_into', fields.ForeignKeyField('models.ServiceRequest', source_field='merged_into_id', null=True, db_constraint=True, to_field='id', related_name='merged', on_delete=OnDelete.SET_NULL)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', null=True, db_constraint=True, to_field='id', related_name='service_requests', on_delete=OnDelete.SET_NULL)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='service_requests_decided', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'service_requests', 'app': 'models', 'indexes': [Index(fields=['enterprise_id', 'id']), Index(fields=['status', 'id']), Index(fields=['item_id']), Index(fields=['merged_into_id'])], 'pk_attr': 'id', 'table_description': 'A service an enterprise asked the park to offer.'},
            bases=['Model'],
        ),
    ]
