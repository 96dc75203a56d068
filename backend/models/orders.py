"""Orders: an approved application on its way through a handler (or a provider) to the end."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import Team, User
    from backend.models.applications import Application
    from backend.models.catalog import ServiceItem, ServiceItemVersion
    from backend.models.enterprises import Enterprise, Provider


class OrderStatus(StrEnum):
    PENDING_ASSIGNMENT = "PENDING_ASSIGNMENT"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_ON_APPLICANT = "WAITING_ON_APPLICANT"
    COMPLETED = "COMPLETED"
    PENDING_FORWARD = "PENDING_FORWARD"
    FORWARDED = "FORWARDED"
    CANCELLED = "CANCELLED"


# Orders a handler still holds: what "load" counts when choosing who gets the next one.
OPEN_STATUSES = (OrderStatus.ASSIGNED, OrderStatus.IN_PROGRESS, OrderStatus.WAITING_ON_APPLICANT)


class Order(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    application: fields.OneToOneRelation[Application] = fields.OneToOneField(
        "models.Application", related_name="order", on_delete=fields.RESTRICT
    )
    application_id: int
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="orders", on_delete=fields.RESTRICT
    )
    item_id: int
    item_version: fields.ForeignKeyRelation[ServiceItemVersion] = fields.ForeignKeyField(
        "models.ServiceItemVersion", related_name="orders", on_delete=fields.RESTRICT
    )
    item_version_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="orders", on_delete=fields.RESTRICT
    )
    enterprise_id: int
    applicant: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders_applied", on_delete=fields.RESTRICT
    )
    applicant_id: int
    # Who approved it (the patent's "auditor" column); NULL for instant approval.
    auditor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders_audited", null=True, on_delete=fields.SET_NULL
    )
    auditor_id: int | None
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders_assigned", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    provider_id: int | None
    status = fields.CharEnumField(
        OrderStatus, max_length=20, default=OrderStatus.PENDING_ASSIGNMENT, db_index=True
    )
    # Who was eligible, their loads, and why this one: words a supervisor can check.
    assignment_reason: dict[str, Any] = fields.JSONField(default=dict)
    due_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    assigned_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "orders"
        # The lists' orderings under their common filters (a status such as the unassigned,
        # an enterprise's own, one item's), each ending in the key so a page stops early (a
        # handler's queue does with `assignee_id, status`, measured); the number's trigram
        # index for search is PostgreSQL-only (migration 0008).
        indexes = (
            ("assignee_id", "status"),
            ("status", "created_at", "id"),
            ("enterprise_id", "created_at", "id"),
            ("item_id", "created_at", "id"),
            ("due_at", "id"),
        )
