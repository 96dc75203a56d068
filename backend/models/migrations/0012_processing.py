from tortoise import migrations
from tortoise.migrations import operations as ops
from backend.models.accounts import MemberKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_search_and_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Order',
            name='due_soon_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='TeamMember',
            name='kind',
            field=fields.CharEnumField(description='HANDLER: HANDLER\nAUDITOR: AUDITOR\nSUPERVISOR: SUPERVISOR', enum_type=MemberKind, max_length=10),
        ),
    ]
