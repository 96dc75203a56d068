"""The order lists: a handler's queue, a supervisor's overview. Filters and orderings, as queries.

Lists start from `orders_visible_to(actor)`, so a filter can only narrow what the
viewer may see. Search matches the order number, the enterprise's name and the item's name in
either language: Chinese as substrings; Latin letters in any case (SQLite folds ASCII letters
only, PostgreSQL every letter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.orders.policies import orders_visible_to


class OrderOrdering(StrEnum):
    CREATED_AT_DESC = "CREATED_AT_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    DUE_AT_ASC = "DUE_AT_ASC"


# Each ordering ends in the primary key, so the keyset (the cursor) names one row.
SORT_KEYS: dict[OrderOrdering, tuple[str, str]] = {
    OrderOrdering.CREATED_AT_DESC: ("-created_at", "-id"),
    OrderOrdering.CREATED_AT_ASC: ("created_at", "id"),
    OrderOrdering.DUE_AT_ASC: ("due_at", "id"),
}


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[OrderStatus, ...] = ()
    category_id: int | None = None
    item_id: int | None = None
    assignee_id: int | None = None
    # True: waiting for a handler (PENDING_ASSIGNMENT); False: held by someone.
    unassigned: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    search: str | None = None


def search(query: QuerySet[Order], text: str | None) -> QuerySet[Order]:
    """Orders whose number, enterprise name or item name contains every word of `text`."""
    for word in (text or "").split():
        query = query.filter(
            Q(number__icontains=word)
            | Q(enterprise__name__icontains=word)
            | Q(item__name_zh__icontains=word)
            | Q(item__name_en__icontains=word)
        )
    return query


def orders_for(actor: Actor, wanted: OrderFilter) -> QuerySet[Order]:
    """The orders `actor` may see that match `wanted` (unordered, relations not loaded)."""
    query = orders_visible_to(actor)
    if wanted.statuses:
        query = query.filter(status__in=list(wanted.statuses))
    if wanted.category_id is not None:
        query = query.filter(item__category_id=wanted.category_id)
    if wanted.item_id is not None:
        query = query.filter(item_id=wanted.item_id)
    if wanted.assignee_id is not None:
        query = query.filter(assignee_id=wanted.assignee_id)
    if wanted.unassigned is True:
        query = query.filter(status=OrderStatus.PENDING_ASSIGNMENT)
    elif wanted.unassigned is False:
        query = query.filter(assignee_id__isnull=False)
    if wanted.created_after is not None:
        query = query.filter(created_at__gte=wanted.created_after)
    if wanted.created_before is not None:
        query = query.filter(created_at__lt=wanted.created_before)
    return search(query, wanted.search)
