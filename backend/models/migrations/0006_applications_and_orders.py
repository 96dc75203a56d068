from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.applications import ApplicationStatus, Decision
from backend.models.orders import OrderStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_service_items_category_order')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=24)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('item_version', fields.ForeignKeyField('models.ServiceItemVersion', source_field='item_version_id', null=True, db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('applicant', fields.ForeignKeyField('models.User', source_field='applicant_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('filed_by', fields.ForeignKeyField('models.User', source_field='filed_by_id', null=True, db_constraint=True, to_field='id', related_name='applications_filed', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=ApplicationStatus.DRAFT, description='DRAFT: DRAFT\nRETURNED: RETURNED\nUNDER_REVIEW: UNDER_REVIEW\nAPPROVED: APPROVED\nREJECTED: REJECTED\nWITHDRAWN: WITHDRAWN', enum_type=ApplicationStatus, max_length=12)),
                ('form_data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('promised_deferred', fields.BooleanField(default=False)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('revision_count', fields.IntField(default=0)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'applications', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApplicationAttachment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=50)),
                ('file', fields.ForeignKeyField('models.StoredFile', source_field='file_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.RESTRICT)),
                ('expires_on', fields.DateField(null=True)),
                ('added_by', fields.ForeignKeyField('models.User', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='attachments_added', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'application_attachments', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A file attached to the current state of an application, as one kind of material.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApplicationRevision',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('item_version', fields.ForeignKeyField('models.ServiceItemVersion', source_field='item_version_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.RESTRICT)),
                ('form_data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('attachments', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('submitted_by', fields.ForeignKeyField('models.User', source_field='submitted_by_id', null=True, db_constraint=True, to_field='id', related_name='revisions_submitted', on_delete=OnDelete.SET_NULL)),
                ('acting_for_enterprise', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'application_revisions', 'app': 'models', 'unique_together': (('application', 'number'),), 'pk_attr': 'id', 'table_description': 'What was submitted the n-th time: form data, attachments and the version it met.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditResult',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='audit_results', on_delete=OnDelete.CASCADE)),
                ('revision', fields.ForeignKeyField('models.ApplicationRevision', source_field='revision_id', db_constraint=True, to_field='id', related_name='audit_results', on_delete=OnDelete.CASCADE)),
                ('passed', fields.BooleanField()),
                ('problems', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_results', 'app': 'models', 'pk_attr': 'id', 'table_description': "The platform's audit of one revision. Problems are codes with params, shown translated."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='idempotency_keys', on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(max_length=100)),
                ('operation', fields.CharField(max_length=50)),
                ('result_type', fields.CharField(default='', max_length=30)),
                ('result_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_keys', 'app': 'models', 'unique_together': (('user', 'key'),), 'pk_attr': 'id', 'table_description': 'The first result of a create-or-submit call, replayed when its key is used again.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=24)),
                ('application', fields.OneToOneField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='order', on_delete=OnDelete.RESTRICT)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('item_version', fields.ForeignKeyField('models.ServiceItemVersion', source_field='item_version_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('applicant', fields.ForeignKeyField('models.User', source_field='applicant_id', db_constraint=True, to_field='id', related_name='orders_applied', on_delete=OnDelete.RESTRICT)),
                ('auditor', fields.ForeignKeyField('models.User', source_field='auditor_id', null=True, db_constraint=True, to_field='id', related_name='orders_audited', on_delete=OnDelete.SET_NULL)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.SET_NULL)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='orders_assigned', on_delete=OnDelete.SET_NULL)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=OrderStatus.PENDING_ASSIGNMENT, db_index=True, description='PENDING_ASSIGNMENT: PENDING_ASSIGNMENT\nASSIGNED: ASSIGNED\nIN_PROGRESS: IN_PROGRESS\nWAITING_ON_APPLICANT: WAITING_ON_APPLICANT\nCOMPLETED: COMPLETED\nPENDING_FORWARD: PENDING_FORWARD\nFORWARDED: FORWARDED\nCANCELLED: CANCELLED', enum_type=OrderStatus, max_length=20)),
                ('assignment_reason', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('assigned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'orders', 'app': 'models', 'indexes': [Index(fields=['assignee_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OwedMaterial',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='owed_materials', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=50)),
                ('due_on', fields.DateField()),
                ('supplied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('supplied_file', fields.ForeignKeyField('models.StoredFile', source_field='supplied_file_id', null=True, db_constraint=True, to_field='id', related_name='owed_supplied', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'owed_materials', 'app': 'models', 'unique_together': (('application', 'kind'),), 'pk_attr': 'id', 'table_description': 'A deferred material (容缺) the enterprise promised to supply by a date.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('revision', fields.ForeignKeyField('models.ApplicationRevision', source_field='revision_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.CASCADE)),
                ('reviewer', fields.ForeignKeyField('models.User', source_field='reviewer_id', null=True, db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.SET_NULL)),
                ('decision', fields.CharEnumField(description='APPROVE: APPROVE\nRETURN: RETURN\nREJECT: REJECT', enum_type=Decision, max_length=8)),
                ('comment', fields.TextField(default='', unique=False)),
                ('problems', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'reviews', 'app': 'models', 'pk_attr': 'id', 'table_description': "An auditor's decision on one revision, with reasons per field when returned."},
            bases=['Model'],
        ),
    ]
