from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.evaluations import EvaluationLevel, EvaluationStatus, RectificationStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_search_and_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Evaluation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.OneToOneField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='evaluation', on_delete=OnDelete.CASCADE)),
                ('level', fields.CharEnumField(description='VERY_SATISFIED: VERY_SATISFIED\nSATISFIED: SATISFIED\nBASIC: BASIC\nDISSATISFIED: DISSATISFIED\nVERY_DISSATISFIED: VERY_DISSATISFIED', enum_type=EvaluationLevel, max_length=20)),
                ('comment', fields.TextField(default='', unique=False)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rater', fields.ForeignKeyField('models.User', source_field='rater_id', null=True, db_constraint=True, to_field='id', related_name='evaluations', on_delete=OnDelete.SET_NULL)),
                ('is_default', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=EvaluationStatus.RATED, description='RATED: RATED\nAPPEALED: APPEALED\nUPHELD: UPHELD\nVOIDED: VOIDED', enum_type=EvaluationStatus, max_length=10)),
                ('enterprise_id', fields.BigIntField()),
                ('item_id', fields.BigIntField()),
                ('team_id', fields.BigIntField(null=True)),
                ('assignee_id', fields.BigIntField(null=True)),
                ('provider_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('appeal_reason', fields.TextField(default='', unique=False)),
                ('appealed_by', fields.ForeignKeyField('models.User', source_field='appealed_by_id', null=True, db_constraint=True, to_field='id', related_name='evaluations_appealed', on_delete=OnDelete.SET_NULL)),
                ('appealed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_reason', fields.TextField(default='', unique=False)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='appeals_decided', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rectified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('follow_up_comment', fields.TextField(default='', unique=False)),
                ('follow_up_level', fields.CharEnumField(null=True, description='VERY_SATISFIED: VERY_SATISFIED\nSATISFIED: SATISFIED\nBASIC: BASIC\nDISSATISFIED: DISSATISFIED\nVERY_DISSATISFIED: VERY_DISSATISFIED', enum_type=EvaluationLevel, max_length=20)),
                ('follow_up_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'evaluations', 'app': 'models', 'indexes': [Index(fields=['item_id', 'status']), Index(fields=['team_id', 'status']), Index(fields=['assignee_id', 'status']), Index(fields=['provider_id', 'status'])], 'pk_attr': 'id', 'table_description': "One order's rating, by a member of the applicant's enterprise or, after the period, by"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rectification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('evaluation', fields.OneToOneField('models.Evaluation', source_field='evaluation_id', db_constraint=True, to_field='id', related_name='rectification', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=RectificationStatus.OPEN, db_index=True, description='OPEN: OPEN\nCALLED_BACK: CALLED_BACK\nFIXED: FIXED\nCLOSED: CLOSED\nWITHDRAWN: WITHDRAWN', enum_type=RectificationStatus, max_length=12)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.SET_NULL)),
                ('call_back_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('fix_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('called_back_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('call_back_note', fields.TextField(default='', unique=False)),
                ('fixed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('fix_note', fields.TextField(default='', unique=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('overdue_flagged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'rectifications', 'app': 'models', 'pk_attr': 'id', 'table_description': 'What a bad review opens: a call back to the applicant, then the fix, each due by a'},
            bases=['Model'],
        ),
    ]
