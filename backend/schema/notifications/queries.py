"""`notifications(unreadOnly, first, after)`: the viewer's inbox, newest first."""

from __future__ import annotations

import strawberry

from backend.schema.context import context_of
from backend.schema.notifications.types import NotificationType
from backend.schema.relay import Connection, connection, fetch_page
from backend.services.notifications.policies import notifications_visible_to


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="The viewer's inbox, newest first.")
    async def notifications(
        self,
        info: strawberry.Info,
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NotificationType]:
        actor = context_of(info).actor
        query = notifications_visible_to(actor)
        if unread_only:
            query = query.filter(read_at__isnull=True)
        page = await fetch_page(query, first=first, after=after)
        return connection(page, lambda row: NotificationType.of(row, actor.language), query)
