"""Resident enterprises, who belongs to them, the park's premises, and third-party providers.

Uniqueness that holds only for some rows (a credit code among live registrations, one open
binding per unit) is kept in a nullable unique column the service sets and clears in the same
transaction: NULLs never collide, on SQLite and PostgreSQL alike, and no partial index is needed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import User
    from backend.models.files import StoredFile


class EnterpriseStatus(StrEnum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


class MembershipRole(StrEnum):
    OWNER = "OWNER"
    MEMBER = "MEMBER"


class Enterprise(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200)
    credit_code = fields.CharField(max_length=18, db_index=True)
    # The credit code while PENDING or VERIFIED, else NULL: a rejected registration frees it.
    live_credit_code = fields.CharField(max_length=18, null=True, unique=True)
    status = fields.CharEnumField(EnterpriseStatus, max_length=10, default=EnterpriseStatus.PENDING)
    established_on = fields.DateField(null=True)
    legal_representative = fields.CharField(max_length=100, default="")
    contact_name = fields.CharField(max_length=100, default="")
    contact_phone = fields.CharField(max_length=30, default="")
    address = fields.CharField(max_length=300, default="")
    licence: fields.ForeignKeyNullableRelation[StoredFile] = fields.ForeignKeyField(
        "models.StoredFile",
        related_name="licensed_enterprises",
        null=True,
        on_delete=fields.RESTRICT,
    )
    licence_id: int | None
    registered_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="registered_enterprises", null=True, on_delete=fields.SET_NULL
    )
    registered_by_id: int | None
    review_reason = fields.TextField(default="")
    reviewed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviewed_enterprises", null=True, on_delete=fields.SET_NULL
    )
    reviewed_by_id: int | None
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "enterprises"


class Membership(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="memberships", on_delete=fields.CASCADE
    )
    user_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="memberships", on_delete=fields.CASCADE
    )
    enterprise_id: int
    role = fields.CharEnumField(MembershipRole, max_length=10, default=MembershipRole.MEMBER)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "memberships"
        unique_together = (("user", "enterprise"),)


class Invitation(Model):
    """A code an owner hands to a colleague, who joins the enterprise with it."""

    id = fields.BigIntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="invitations", on_delete=fields.CASCADE
    )
    enterprise_id: int
    code = fields.CharField(max_length=32, unique=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitations_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitations_used", null=True, on_delete=fields.SET_NULL
    )
    used_by_id: int | None
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitations"


class Building(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    address = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "buildings"


class Floor(Model):
    id = fields.BigIntField(primary_key=True)
    building: fields.ForeignKeyRelation[Building] = fields.ForeignKeyField(
        "models.Building", related_name="floors", on_delete=fields.CASCADE
    )
    building_id: int
    label = fields.CharField(max_length=20)
    position = fields.IntField(default=0)

    class Meta:
        table = "floors"
        unique_together = (("building", "label"),)


class Unit(Model):
    id = fields.BigIntField(primary_key=True)
    floor: fields.ForeignKeyRelation[Floor] = fields.ForeignKeyField(
        "models.Floor", related_name="units", on_delete=fields.CASCADE
    )
    floor_id: int
    label = fields.CharField(max_length=20)
    area_m2 = fields.DecimalField(max_digits=10, decimal_places=2, null=True)

    class Meta:
        table = "units"
        unique_together = (("floor", "label"),)


class PremisesBinding(Model):
    """A unit held by an enterprise from one date to another. Kept as history, never edited."""

    id = fields.BigIntField(primary_key=True)
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="bindings", on_delete=fields.RESTRICT
    )
    unit_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="premises_bindings", on_delete=fields.CASCADE
    )
    enterprise_id: int
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True)
    # The unit's id while the binding is open, else NULL: one open binding per unit.
    open_unit_id = fields.BigIntField(null=True, unique=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="premises_bound", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "premises_bindings"


class Provider(Model):
    """A third-party service platform that items with PROVIDER fulfilment forward orders to."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    contact_name = fields.CharField(max_length=100, default="")
    contact_phone = fields.CharField(max_length=30, default="")
    email = fields.CharField(max_length=254, default="")
    description = fields.TextField(default="")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "providers"
