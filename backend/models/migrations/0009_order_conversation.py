from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.models.applications import OwedStatus
from backend.models.orders import AttachmentAudience, ConversationSide, OrderUpdateKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Processing: updates, the conversation and its read marks, files attached to them, and the
# review of owed materials. Until now only the desk could hand in an owed material (an
# approved application's supplement), and what it hands in counts as accepted: so do the rows
# it already handed in.
ACCEPT_DESK_SUPPLIED = (
    "UPDATE owed_materials SET status = 'ACCEPTED' WHERE supplied_at IS NOT NULL"
)

class Migration(migrations.Migration):
    dependencies = [('models', '0008_jobs_and_mail')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OrderMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('sequence', fields.IntField()),
                ('side', fields.CharEnumField(description='ENTERPRISE: ENTERPRISE\nHANDLER: HANDLER', enum_type=ConversationSide, max_length=10)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='order_messages', on_delete=OnDelete.SET_NULL)),
                ('body', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_messages', 'app': 'models', 'unique_together': (('order', 'sequence'),), 'pk_attr': 'id', 'table_description': 'One message of the conversation on an order, numbered 1, 2, 3, ... per order.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderReadMark',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='read_marks', on_delete=OnDelete.CASCADE)),
                ('side', fields.CharEnumField(description='ENTERPRISE: ENTERPRISE\nHANDLER: HANDLER', enum_type=ConversationSide, max_length=10)),
                ('last_read_sequence', fields.IntField(default=0)),
                ('read_by', fields.ForeignKeyField('models.User', source_field='read_by_id', null=True, db_constraint=True, to_field='id', related_name='order_read_marks', on_delete=OnDelete.SET_NULL)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'order_read_marks', 'app': 'models', 'unique_together': (('order', 'side'),), 'pk_attr': 'id', 'table_description': "How far one side of an order's conversation has read: a message sequence that only grows."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderUpdate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='updates', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='PROGRESS: PROGRESS\nINTERNAL: INTERNAL', enum_type=OrderUpdateKind, max_length=10)),
                ('body', fields.TextField(unique=False)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='order_updates', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_updates', 'app': 'models', 'indexes': [Index(fields=['order_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Processing information on an order (a progress note or an internal note).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderAttachment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('file', fields.ForeignKeyField('models.StoredFile', source_field='file_id', db_constraint=True, to_field='id', related_name='order_attachments', on_delete=OnDelete.RESTRICT)),
                ('order_update', fields.ForeignKeyField('models.OrderUpdate', source_field='order_update_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('message', fields.ForeignKeyField('models.OrderMessage', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('audience', fields.CharEnumField(description='ORDER_VIEWERS: ORDER_VIEWERS\nPARK_STAFF: PARK_STAFF\nCONVERSATION: CONVERSATION', enum_type=AttachmentAudience, max_length=15)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'order_attachments', 'app': 'models', 'indexes': [Index(fields=['order_id', 'audience']), Index(fields=['file_id'])], 'pk_attr': 'id', 'table_description': 'A stored file attached to an update or a message of an order.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OwedMaterial',
            name='return_reason',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='OwedMaterial',
            name='reviewed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OwedMaterial',
            name='reviewed_by',
            field=fields.ForeignKeyField('models.User', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name='owed_materials_reviewed', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='OwedMaterial',
            name='status',
            field=fields.CharEnumField(default=OwedStatus.OUTSTANDING, description='OUTSTANDING: OUTSTANDING\nSUPPLIED: SUPPLIED\nACCEPTED: ACCEPTED\nRETURNED: RETURNED', db_default='OUTSTANDING', enum_type=OwedStatus, max_length=12),
        ),
        ops.AddField(
            model_name='OwedMaterial',
            name='supplied_by',
            field=fields.ForeignKeyField('models.User', source_field='supplied_by_id', null=True, db_constraint=True, to_field='id', related_name='owed_materials_supplied', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='OwedMaterial',
            name='supplied_expires_on',
            field=fields.DateField(null=True),
        ),
        ops.RunSQL(ACCEPT_DESK_SUPPLIED, reverse_sql="SELECT 1"),
    ]
