"""Whose inbox is whose."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from backend.models.accounts import Notification
from backend.services.core.actors import Actor


def notifications_visible_to(actor: Actor) -> QuerySet[Notification]:
    return Notification.filter(user_id=actor.user_id if actor.user_id is not None else -1)
