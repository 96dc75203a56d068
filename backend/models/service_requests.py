"""Requests for new services: what an enterprise needs that the catalog does not offer yet.

A request is the enterprise's; admins answer it, decline it, merge it into a like one, or turn it
into a draft service item. A merged request follows its target (`merged_into`): whatever the
target comes to, the merged request's enterprise hears of it too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import User
    from backend.models.catalog import Category, ServiceItem
    from backend.models.enterprises import Enterprise


class RequestStatus(StrEnum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"
    MERGED = "MERGED"
    DECLINED = "DECLINED"
    ITEM_DRAFTED = "ITEM_DRAFTED"
    FULFILLED = "FULFILLED"


class Urgency(StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"


class ServiceRequest(Model):
    """A service an enterprise asked the park to offer."""

    id = fields.BigIntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="service_requests", on_delete=fields.CASCADE
    )
    enterprise_id: int
    requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="service_requests", null=True, on_delete=fields.SET_NULL
    )
    requested_by_id: int | None
    title = fields.CharField(max_length=100)
    description = fields.TextField()
    reason = fields.TextField(default="")
    urgency = fields.CharEnumField(Urgency, max_length=10, default=Urgency.NORMAL)
    # The category the enterprise thinks fits (admins may choose another when drafting).
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="service_requests", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    status = fields.CharEnumField(RequestStatus, max_length=12, default=RequestStatus.OPEN)
    answer = fields.TextField(default="")
    decline_reason = fields.TextField(default="")
    merged_into: fields.ForeignKeyNullableRelation[ServiceRequest] = fields.ForeignKeyField(
        "models.ServiceRequest", related_name="merged", null=True, on_delete=fields.SET_NULL
    )
    merged_into_id: int | None
    item: fields.ForeignKeyNullableRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="service_requests", null=True, on_delete=fields.SET_NULL
    )
    item_id: int | None
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="service_requests_decided", null=True,
        on_delete=fields.SET_NULL,
    )  # fmt: skip
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "service_requests"
        # An enterprise's list, and the admins' open requests, newest first.
        indexes = (("enterprise_id", "id"), ("status", "id"), ("item_id",), ("merged_into_id",))
