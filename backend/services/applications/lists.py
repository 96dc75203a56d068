"""The application lists: an enterprise's own, the auditor's desk, a handler's. Filters, as queries.

Lists start from `applications_visible_to(actor)`, so a filter can only narrow what the viewer
may see. Search matches the application number, the enterprise's name and the item's name in
either language, every word of it (`core.search`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from backend.models.applications import Application, ApplicationStatus
from backend.services.applications.policies import applications_visible_to
from backend.services.core.actors import Actor
from backend.services.core.search import keyword_filter


@dataclass(frozen=True)
class ApplicationFilter:
    status: ApplicationStatus | None = None
    item_id: int | None = None
    enterprise_id: int | None = None
    category_id: int | None = None
    search: str | None = None


async def applications_for(actor: Actor, wanted: ApplicationFilter) -> QuerySet[Application]:
    """The applications `actor` may see that match `wanted` (unordered)."""
    query = applications_visible_to(actor)
    if wanted.status is not None:
        query = query.filter(status=wanted.status)
    if wanted.item_id is not None:
        query = query.filter(item_id=wanted.item_id)
    if wanted.enterprise_id is not None:
        query = query.filter(enterprise_id=wanted.enterprise_id)
    if wanted.category_id is not None:
        query = query.filter(item__category_id=wanted.category_id)
    found = await keyword_filter(Application, wanted.search)
    return query if found is None else query.filter(found)
