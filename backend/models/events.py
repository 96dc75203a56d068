"""The record of every change: who did it, for which enterprise, with which API token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import ApiToken, User
    from backend.models.enterprises import Enterprise


# `sequence` comes from the aggregate's own event counter (backend/services/core/events.py),
# no longer from its version: events that change nothing take no version.
class Event(Model):
    """One change to one aggregate, numbered per aggregate by the aggregate's new version.

    Timelines and subscriptions read these rows; the broker only carries them.
    """

    id = fields.BigIntField(primary_key=True)
    aggregate_type = fields.CharField(max_length=30)
    aggregate_id = fields.BigIntField()
    sequence = fields.IntField()
    kind = fields.CharField(max_length=50)
    data: dict[str, object] = fields.JSONField(default=dict)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    acting_for: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="events_acted_for", null=True, on_delete=fields.SET_NULL
    )
    acting_for_id: int | None
    api_token: fields.ForeignKeyNullableRelation[ApiToken] = fields.ForeignKeyField(
        "models.ApiToken", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    api_token_id: int | None
    request_id = fields.CharField(max_length=40, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "events"
        unique_together = (("aggregate_type", "aggregate_id", "sequence"),)
