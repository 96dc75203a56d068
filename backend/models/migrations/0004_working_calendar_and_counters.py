from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.models.calendar import DayKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_enterprises_premises_catalog')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CalendarDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField(unique=True)),
                ('kind', fields.CharEnumField(description='OFF: OFF\nWORK: WORK', enum_type=DayKind, max_length=4)),
                ('name_zh', fields.CharField(default='', max_length=50)),
                ('name_en', fields.CharField(default='', max_length=50)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'calendar_days', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A day that differs from the weekday rule. Days not listed follow Monday to Friday.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Counter',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'counters', 'app': 'models', 'pk_attr': 'key', 'table_description': "One sequence per key (such as `SH-20261125`), advanced in the caller's transaction."},
            bases=['Model'],
        ),
    ]
