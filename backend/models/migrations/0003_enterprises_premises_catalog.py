from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.catalog import Fulfilment, ItemStatus, ReviewMode
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_stored_files')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Building',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('address', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'buildings', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name_zh', fields.CharField(unique=True, max_length=100)),
                ('name_en', fields.CharField(default='', max_length=100)),
                ('description_zh', fields.TextField(default='', unique=False)),
                ('description_en', fields.TextField(default='', unique=False)),
                ('position', fields.IntField(default=0)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='categories', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'categories', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Floor',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('building', fields.ForeignKeyField('models.Building', source_field='building_id', db_constraint=True, to_field='id', related_name='floors', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(max_length=20)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'floors', 'app': 'models', 'unique_together': (('building', 'label'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_created', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_by', fields.ForeignKeyField('models.User', source_field='used_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_used', on_delete=OnDelete.SET_NULL)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invitations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A code an owner hands to a colleague, who joins the enterprise with it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Provider',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=200)),
                ('contact_name', fields.CharField(default='', max_length=100)),
                ('contact_phone', fields.CharField(default='', max_length=30)),
                ('email', fields.CharField(default='', max_length=254)),
                ('description', fields.TextField(default='', unique=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'providers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A third-party service platform that items with PROVIDER fulfilment forward orders to.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Unit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('floor', fields.ForeignKeyField('models.Floor', source_field='floor_id', db_constraint=True, to_field='id', related_name='units', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(max_length=20)),
                ('area_m2', fields.DecimalField(null=True, max_digits=10, decimal_places=2)),
            ],
            options={'table': 'units', 'app': 'models', 'unique_together': (('floor', 'label'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PremisesBinding',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', db_constraint=True, to_field='id', related_name='bindings', on_delete=OnDelete.RESTRICT)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='premises_bindings', on_delete=OnDelete.CASCADE)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField(null=True)),
                ('open_unit_id', fields.BigIntField(null=True, unique=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='premises_bound', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'premises_bindings', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A unit held by an enterprise from one date to another. Kept as history, never edited.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=ItemStatus.DRAFT, description='DRAFT: DRAFT\nPUBLISHED: PUBLISHED\nRETIRED: RETIRED', enum_type=ItemStatus, max_length=10)),
                ('latest_number', fields.IntField(default=0)),
                ('position', fields.IntField(default=0)),
                ('name_zh', fields.CharField(default='', max_length=200)),
                ('name_en', fields.CharField(default='', max_length=200)),
                ('search_text', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'service_items', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceItemVersion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('name_zh', fields.CharField(max_length=200)),
                ('name_en', fields.CharField(default='', max_length=200)),
                ('summary_zh', fields.TextField(default='', unique=False)),
                ('summary_en', fields.TextField(default='', unique=False)),
                ('description_zh', fields.TextField(default='', unique=False)),
                ('description_en', fields.TextField(default='', unique=False)),
                ('location_zh', fields.TextField(default='', unique=False)),
                ('location_en', fields.TextField(default='', unique=False)),
                ('process_steps', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reminders', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('form', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('audit_rules', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('review_mode', fields.CharEnumField(default=ReviewMode.MANUAL, description='AUTO: AUTO\nMANUAL: MANUAL', enum_type=ReviewMode, max_length=10)),
                ('fulfilment', fields.CharEnumField(default=Fulfilment.IN_HOUSE, description='IN_HOUSE: IN_HOUSE\nPROVIDER: PROVIDER', enum_type=Fulfilment, max_length=10)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='item_versions', on_delete=OnDelete.RESTRICT)),
                ('appointment_quota', fields.IntField(null=True)),
                ('time_limit_days', fields.IntField(default=10)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='item_versions', on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='item_versions_written', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'service_item_versions', 'app': 'models', 'unique_together': (('item', 'number'),), 'pk_attr': 'id', 'table_description': "One edit of an item's content. Never updated after it is written."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServicePin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='pins', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='pins', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'service_pins', 'app': 'models', 'unique_together': (('user', 'item'),), 'pk_attr': 'id', 'table_description': "An item on a person's own common-services board, in the order they keep."},
            bases=['Model'],
        ),
        # Added after service_item_versions exists: the two tables refer to each other, and a
        # CreateModel whose foreign key points at a table not yet created loses its FK columns.
        ops.AddField(
            model_name='ServiceItem',
            name='live_version',
            field=fields.ForeignKeyField('models.ServiceItemVersion', source_field='live_version_id', null=True, db_constraint=True, to_field='id', related_name='live_for', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='address',
            field=fields.CharField(default='', max_length=300),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='contact_name',
            field=fields.CharField(default='', max_length=100),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='contact_phone',
            field=fields.CharField(default='', max_length=30),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='established_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='legal_representative',
            field=fields.CharField(default='', max_length=100),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='licence',
            field=fields.ForeignKeyField('models.StoredFile', source_field='licence_id', null=True, db_constraint=True, to_field='id', related_name='licensed_enterprises', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='live_credit_code',
            field=fields.CharField(null=True, unique=True, max_length=18),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='registered_by',
            field=fields.ForeignKeyField('models.User', source_field='registered_by_id', null=True, db_constraint=True, to_field='id', related_name='registered_enterprises', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='review_reason',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='reviewed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='reviewed_by',
            field=fields.ForeignKeyField('models.User', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name='reviewed_enterprises', on_delete=OnDelete.SET_NULL),
        ),
    ]
