# Processing (issue 10): who declined, the pause under way, the result; information requests,
# pauses and documents of an order; a handler's capacity.
from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.orders import OrderDocumentPurpose
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_order_conversation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OrderInformationRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='information_requests', on_delete=OnDelete.CASCADE)),
                ('question', fields.TextField(unique=False)),
                ('file_types', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('asked_by', fields.ForeignKeyField('models.User', source_field='asked_by_id', null=True, db_constraint=True, to_field='id', related_name='information_asked', on_delete=OnDelete.SET_NULL)),
                ('asked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answer', fields.TextField(default='', unique=False)),
                ('answered_by', fields.ForeignKeyField('models.User', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name='information_answered', on_delete=OnDelete.SET_NULL)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'order_information_requests', 'app': 'models', 'pk_attr': 'id', 'table_description': "The handler's question to the applicant, and the enterprise's answer."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderDocument',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.CASCADE)),
                ('file', fields.ForeignKeyField('models.StoredFile', source_field='file_id', db_constraint=True, to_field='id', related_name='order_documents', on_delete=OnDelete.RESTRICT)),
                ('purpose', fields.CharEnumField(description='ANSWER: ANSWER\nRESULT: RESULT', enum_type=OrderDocumentPurpose, max_length=10)),
                ('request', fields.ForeignKeyField('models.OrderInformationRequest', source_field='request_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.SET_NULL)),
                ('added_by', fields.ForeignKeyField('models.User', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='order_documents_added', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_documents', 'app': 'models', 'unique_together': (('order', 'file'),), 'pk_attr': 'id', 'table_description': "A stored file that belongs to an order: an answer's file, or a result document."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderPause',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='pauses', on_delete=OnDelete.CASCADE)),
                ('request', fields.ForeignKeyField('models.OrderInformationRequest', source_field='request_id', null=True, db_constraint=True, to_field='id', related_name='pauses', on_delete=OnDelete.SET_NULL)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('working_days', fields.IntField(null=True)),
            ],
            options={'table': 'order_pauses', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A stretch of time the order waited on the applicant: its clock stood still.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Order',
            name='declined_by',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Order',
            name='result',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Order',
            name='waiting_since',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='TeamMember',
            name='max_open_orders',
            field=fields.IntField(null=True),
        ),
    ]
