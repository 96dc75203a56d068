from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.jobs import JobStatus
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_event_counters')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=50)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('key', fields.CharField(null=True, unique=True, max_length=200)),
                ('status', fields.CharEnumField(default=JobStatus.PENDING, description='PENDING: PENDING\nRUNNING: RUNNING\nDONE: DONE\nFAILED: FAILED', enum_type=JobStatus, max_length=10)),
                ('run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('max_attempts', fields.IntField(null=True)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('locked_by', fields.CharField(default='', max_length=100)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'jobs', 'app': 'models', 'indexes': [Index(fields=['status', 'run_at'])], 'pk_attr': 'id', 'table_description': "A job, written in the transaction that causes it: the row is all its state."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Notification',
            name='key',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['user_id', 'key']),
        ),
        ops.AddField(
            model_name='User',
            name='email_confirmed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='email_notifications',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
