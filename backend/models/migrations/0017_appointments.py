# Appointments (issue 14): an item's plan, the slots made from it, and the bookings, one
# booking per order or application (`holder`, unique while it holds a place).
from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from backend.models.appointments import AppointmentStatus, SlotClosedBy
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0016_processing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AppointmentPlan',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.OneToOneField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='appointment_plan', on_delete=OnDelete.CASCADE)),
                ('weekdays', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('windows', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('days_ahead', fields.IntField(default=14)),
                ('location_zh', fields.TextField(default='', unique=False)),
                ('location_en', fields.TextField(default='', unique=False)),
                ('before_review', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'appointment_plans', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How an item takes appointments: its days, time windows, quotas and place. One per item.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AppointmentSlot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.ServiceItem', source_field='item_id', db_constraint=True, to_field='id', related_name='appointment_slots', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('start', fields.CharField(max_length=5)),
                ('end', fields.CharField(max_length=5)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('quota', fields.IntField()),
                ('booked', fields.IntField(default=0)),
                ('issued', fields.IntField(default=0)),
                ('is_open', fields.BooleanField(default=True)),
                ('closed_by', fields.CharEnumField(default=SlotClosedBy.OPEN, description='OPEN: OPEN\nADMIN: ADMIN\nHOLIDAY: HOLIDAY', enum_type=SlotClosedBy, max_length=10)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'appointment_slots', 'app': 'models', 'unique_together': (('item', 'day', 'start'),), 'indexes': [Index(fields=['day', 'item_id'])], 'pk_attr': 'id', 'table_description': 'One time window on one day of an item, with its quota and what is taken.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slot', fields.ForeignKeyField('models.AppointmentSlot', source_field='slot_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.RESTRICT)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('application', fields.ForeignKeyField('models.Application', source_field='application_id', null=True, db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('holder', fields.CharField(null=True, unique=True, max_length=40)),
                ('number', fields.IntField()),
                ('queue_number', fields.CharField(max_length=12)),
                ('status', fields.CharEnumField(default=AppointmentStatus.BOOKED, description='BOOKED: BOOKED\nCHECKED_IN: CHECKED_IN\nCANCELLED: CANCELLED\nCLOSED: CLOSED', enum_type=AppointmentStatus, max_length=10)),
                ('booked_by', fields.ForeignKeyField('models.User', source_field='booked_by_id', null=True, db_constraint=True, to_field='id', related_name='appointments_booked', on_delete=OnDelete.SET_NULL)),
                ('booked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_by', fields.ForeignKeyField('models.User', source_field='checked_in_by_id', null=True, db_constraint=True, to_field='id', related_name='appointments_checked_in', on_delete=OnDelete.SET_NULL)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'appointments', 'app': 'models', 'unique_together': (('slot', 'number'),), 'indexes': [Index(fields=['order_id']), Index(fields=['application_id'])], 'pk_attr': 'id', 'table_description': 'A booked place in a slot, for an order or (before review) an application.'},
            bases=['Model'],
        ),
    ]
