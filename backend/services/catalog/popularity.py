"""The most applied-for services: the "most used" half of the common-services board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.functions import Count

from backend.models.applications import Application
from backend.models.catalog import ServiceItem
from backend.services.catalog.catalog import items_visible_to
from backend.services.core.actors import Actor

WINDOW = timedelta(days=90)
MOST = 20


async def popular_items(
    actor: Actor, limit: int, now: datetime | None = None
) -> list[tuple[ServiceItem, int]]:
    """Items the viewer may see, by applications submitted in the last 90 days, ties by name.

    Items nobody applied for are left out: a board of zeros would only list names.
    """
    since = (now or datetime.now(UTC)) - WINDOW
    rows = (
        await Application.filter(submitted_at__gte=since)
        .annotate(applications=Count("id"))
        .group_by("item_id")
        .values_list("item_id", "applications")
    )
    counts = {int(str(item_id)): int(str(n)) for item_id, n in rows}
    items = await items_visible_to(actor).filter(id__in=list(counts))
    ranked = sorted(items, key=lambda item: (-counts[item.id], item.name_zh, item.id))
    return [(item, counts[item.id]) for item in ranked[:limit]]
