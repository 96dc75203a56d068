"""People and how they prove who they are: users, roles, sessions, API tokens, teams, the inbox."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    APPLICANT = "APPLICANT"
    AUDITOR = "AUDITOR"
    HANDLER = "HANDLER"
    SUPERVISOR = "SUPERVISOR"
    ADMIN = "ADMIN"
    PROVIDER = "PROVIDER"


STAFF_ROLES = frozenset({Role.AUDITOR, Role.HANDLER, Role.SUPERVISOR, Role.ADMIN, Role.PROVIDER})
# The park operator's own people. A provider's staff hold accounts made by admins, but they
# work for a third party: they never see the park's teams, calendar, premises or providers.
PARK_STAFF_ROLES = STAFF_ROLES - {Role.PROVIDER}


class User(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100)
    # One of the two identifies an applicant; staff may have both. Stored normalised
    # (e-mail lower-cased, phone digits only) so uniqueness means what people expect.
    email = fields.CharField(max_length=254, null=True, unique=True)
    phone = fields.CharField(max_length=20, null=True, unique=True)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    language = fields.CharField(max_length=10, default="zh-CN")
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField(null=True)
    # Set when the person opened the confirmation link sent to `email`; cleared if it changes.
    email_confirmed_at = fields.DatetimeField(null=True)
    # Notices by e-mail too, not only in the inbox: offered once the address is confirmed. The
    # database default lets migration 0008 add the column to existing users.
    email_notifications = fields.BooleanField(default=False, db_default=False)
    version = fields.IntField(default=1)

    roles: fields.ReverseRelation[UserRole]

    class Meta:
        table = "users"


class UserRole(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="roles", on_delete=fields.CASCADE
    )
    user_id: int
    role = fields.CharEnumField(Role, max_length=20)

    class Meta:
        table = "user_roles"
        unique_together = (("user", "role"),)


class Session(Model):
    # The cookie holds a random secret; the table holds only its SHA-256, so a copy of the
    # database does not let anyone sign in.
    id = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)
    user_agent = fields.CharField(max_length=255, default="")
    address = fields.CharField(max_length=64, default="")

    class Meta:
        table = "sessions"


class ApiToken(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    name = fields.CharField(max_length=100)
    # The public part of the token, used to find the row; the secret part is stored hashed.
    prefix = fields.CharField(max_length=16, unique=True)
    secret_hash = fields.CharField(max_length=64)
    scopes: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"


class MemberKind(StrEnum):
    HANDLER = "HANDLER"
    AUDITOR = "AUDITOR"
    # Told when the team's orders fall due soon, pass their due date or owe materials late.
    SUPERVISOR = "SUPERVISOR"


class Team(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    members: fields.ReverseRelation[TeamMember]

    class Meta:
        table = "teams"


class TeamMember(Model):
    id = fields.BigIntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="members", on_delete=fields.CASCADE
    )
    team_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="team_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharEnumField(MemberKind, max_length=10)
    on_leave = fields.BooleanField(default=False)
    # The most open orders the automatic choice gives this handler; NULL: no limit.
    max_open_orders = fields.IntField(null=True)
    # Automatic assignment breaks ties by who was assigned least recently.
    last_assigned_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "team_members"
        unique_together = (("team", "user", "kind"),)


class Notification(Model):
    """An inbox entry. Stored as a kind and parameters, rendered in the reader's language."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=50)
    params: dict[str, object] = fields.JSONField(default=dict)
    link = fields.CharField(max_length=255, default="")
    # A notice with a key is sent to a person once: a resubmit does not repeat it.
    key = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        indexes = (("user_id", "read_at"), ("user_id", "key"))
