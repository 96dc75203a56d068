"""The service catalog: categories, service items, and the immutable versions of each item.

Texts people read are stored in zh-CN and English side by side (`*_zh`, `*_en`); an empty
English text falls back to the Chinese when shown. An item's content lives in its versions:
every edit writes a new one, publishing points the item at it, and applications pin the
version they were submitted against, so an edit never changes what was applied for.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import Team, User
    from backend.models.enterprises import Provider


class ItemStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    RETIRED = "RETIRED"


class ReviewMode(StrEnum):
    AUTO = "AUTO"
    MANUAL = "MANUAL"


class Fulfilment(StrEnum):
    IN_HOUSE = "IN_HOUSE"
    PROVIDER = "PROVIDER"


class Category(Model):
    id = fields.BigIntField(primary_key=True)
    name_zh = fields.CharField(max_length=100, unique=True)
    name_en = fields.CharField(max_length=100, default="")
    description_zh = fields.TextField(default="")
    description_en = fields.TextField(default="")
    position = fields.IntField(default=0)
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="categories", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "categories"


class ServiceItem(Model):
    id = fields.BigIntField(primary_key=True)
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="items", on_delete=fields.RESTRICT
    )
    category_id: int
    status = fields.CharEnumField(ItemStatus, max_length=10, default=ItemStatus.DRAFT)
    live_version: fields.ForeignKeyNullableRelation[ServiceItemVersion] = fields.ForeignKeyField(
        "models.ServiceItemVersion", related_name="live_for", null=True, on_delete=fields.SET_NULL
    )
    live_version_id: int | None
    latest_number = fields.IntField(default=0)
    position = fields.IntField(default=0)
    # Copied from the live version on publish, for lookup by name, ordering and search.
    name_zh = fields.CharField(max_length=200, default="")
    name_en = fields.CharField(max_length=200, default="")
    search_text = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "service_items"
        # A category's items page reads in (position, id) order.
        indexes = (("category_id", "position", "id"),)


class ServiceItemVersion(Model):
    """One edit of an item's content. Never updated after it is written."""

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="versions", on_delete=fields.CASCADE
    )
    item_id: int
    number = fields.IntField()
    name_zh = fields.CharField(max_length=200)
    name_en = fields.CharField(max_length=200, default="")
    summary_zh = fields.TextField(default="")
    summary_en = fields.TextField(default="")
    description_zh = fields.TextField(default="")
    description_en = fields.TextField(default="")
    location_zh = fields.TextField(default="")
    location_en = fields.TextField(default="")
    # [{"title": {"zh", "en"}, "description": {"zh", "en"}}], in order.
    process_steps: list[dict[str, Any]] = fields.JSONField(default=list)
    # [{"zh", "en"}], in order.
    reminders: list[dict[str, Any]] = fields.JSONField(default=list)
    # {"fields": [...], "attachments": [...]}; checked by services.forms when saved.
    form: dict[str, Any] = fields.JSONField(default=dict)
    audit_rules: list[dict[str, Any]] = fields.JSONField(default=list)
    review_mode = fields.CharEnumField(ReviewMode, max_length=10, default=ReviewMode.MANUAL)
    fulfilment = fields.CharEnumField(Fulfilment, max_length=10, default=Fulfilment.IN_HOUSE)
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="item_versions", null=True, on_delete=fields.RESTRICT
    )
    provider_id: int | None
    appointment_quota = fields.IntField(null=True)
    time_limit_days = fields.IntField(default=10)
    # The handling team when the item names its own; else the category's.
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="item_versions", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="item_versions_written", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "service_item_versions"
        unique_together = (("item", "number"),)


class ItemVersionProvider(Model):
    """A provider that serves an item version

    In the order the admin listed them (position 0 is the version's primary `provider`): the
    enterprise may choose one when it applies."""

    id = fields.BigIntField(primary_key=True)
    item_version: fields.ForeignKeyRelation[ServiceItemVersion] = fields.ForeignKeyField(
        "models.ServiceItemVersion", related_name="served_by", on_delete=fields.CASCADE
    )
    item_version_id: int
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="serves", on_delete=fields.RESTRICT
    )
    provider_id: int
    position = fields.IntField(default=0)

    class Meta:
        table = "item_version_providers"
        unique_together = (("item_version", "provider"),)


class ApplicationDayCount(Model):
    """How many applications for an item were last submitted on one day (UTC).

    The "most used" board sums the last 90 days of these rather than counting applications, so
    its cost is items × days whatever the traffic. A submit moves its application from the day
    of its previous submit to today's, in the submit's transaction.
    """

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="day_counts", on_delete=fields.CASCADE
    )
    item_id: int
    day = fields.DateField()
    applications = fields.IntField(default=0)

    class Meta:
        table = "application_day_counts"
        unique_together = (("item", "day"),)
        # The board reads a range of days, every item: from the index alone.
        indexes = (("day", "item_id", "applications"),)


class ServicePin(Model):
    """An item on a person's own common-services board, in the order they keep."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="pins", on_delete=fields.CASCADE
    )
    user_id: int
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="pins", on_delete=fields.CASCADE
    )
    item_id: int
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "service_pins"
        unique_together = (("user", "item"),)
