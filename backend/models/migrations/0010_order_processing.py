# Processing (issue 10): who declined, the pause under way, the result; information requests
# and pauses of an order; files on answers and results join the order's attachments (which say
# what they hang on); a handler's capacity.
from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.models.orders import AttachedTo
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# The attachments 0009 made hang on a note or a message: the column is added with UPDATE for
# every row, the messages' rows are set right, and the default goes (every new row names it).
ATTACHED_TO_MESSAGES = (
    "UPDATE order_attachments SET attached_to = 'MESSAGE' WHERE message_id IS NOT NULL"
)

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
        ops.AddField(
            model_name='OrderAttachment',
            name='request',
            field=fields.ForeignKeyField('models.OrderInformationRequest', source_field='request_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='OrderAttachment',
            name='attached_to',
            field=fields.CharEnumField(description='UPDATE: UPDATE\nMESSAGE: MESSAGE\nANSWER: ANSWER\nRESULT: RESULT', enum_type=AttachedTo, max_length=10, db_default='UPDATE'),
        ),
        ops.RunSQL(ATTACHED_TO_MESSAGES, reverse_sql="SELECT 1"),
        ops.AlterField(
            model_name='OrderAttachment',
            name='attached_to',
            field=fields.CharEnumField(description='UPDATE: UPDATE\nMESSAGE: MESSAGE\nANSWER: ANSWER\nRESULT: RESULT', enum_type=AttachedTo, max_length=10),
        ),
        ops.AlterModelOptions(
            name='OrderAttachment',
            options={'table': 'order_attachments', 'app': 'models', 'indexes': [Index(fields=['order_id', 'audience']), Index(fields=['file_id'])], 'pk_attr': 'id', 'table_description': 'A stored file on an order: on a note, a message, an answer, or the result.'},
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
            field=fields.JSONField(default=list, db_default=[], encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Order',
            name='result',
            field=fields.TextField(default='', db_default='', unique=False),
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
