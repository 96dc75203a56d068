# A slot closed because the plan dropped its window: closed_by PLAN (the column comment lists it).
from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.models.appointments import SlotClosedBy
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_cockpit2')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AppointmentSlot',
            name='closed_by',
            field=fields.CharEnumField(default=SlotClosedBy.OPEN, description='OPEN: OPEN\nADMIN: ADMIN\nHOLIDAY: HOLIDAY\nPLAN: PLAN', enum_type=SlotClosedBy, max_length=10),
        ),
    ]
