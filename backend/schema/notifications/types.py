"""Inbox entries, their words rendered in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from backend.models.accounts import Notification as NotificationModel
from backend.schema.nodes import Node, global_id, register
from backend.services.core.actors import Actor
from backend.services.notifications import notifications
from backend.services.notifications.policies import notifications_visible_to


@strawberry.type(name="Notification")
class NotificationType(Node):
    kind: str
    message: str
    link: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: NotificationModel, language: str) -> NotificationType:
        return cls(
            id=global_id("Notification", row.id),
            kind=row.kind,
            message=notifications.render(row, language),
            link=row.link,
            created_at=row.created_at,
            read_at=row.read_at,
        )


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await notifications_visible_to(actor).filter(id__in=list(pks))
    return {row.id: NotificationType.of(row, actor.language) for row in rows}


register("Notification", _load, "notifications:read")
