"""A service item's states and the actions between them, as data."""

from __future__ import annotations

from enum import StrEnum

from backend.models.catalog import ItemStatus, ServiceItem
from backend.services.catalog.policies import can_manage_catalog
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine

S = ItemStatus


class ItemEventKind(StrEnum):
    ITEM_CREATED = "ITEM_CREATED"
    ITEM_EDITED = "ITEM_EDITED"
    ITEM_PUBLISHED = "ITEM_PUBLISHED"
    ITEM_RETIRED = "ITEM_RETIRED"


def catalog_admin(actor: Actor, item: ServiceItem, reach: Reach) -> bool:
    return can_manage_catalog(actor)


E = ItemEventKind

ITEM: Machine[ServiceItem, ItemStatus] = Machine(
    "service_item",
    ServiceItem,
    ItemStatus,
    (
        Action(
            "EDIT", frozenset({S.DRAFT, S.PUBLISHED, S.RETIRED}), frozenset(), E.ITEM_EDITED,
            catalog_admin, "an admin (a new version; a published item keeps its live one)",
        ),
        Action(
            "PUBLISH", frozenset({S.DRAFT, S.PUBLISHED, S.RETIRED}), frozenset({S.PUBLISHED}),
            E.ITEM_PUBLISHED, catalog_admin,
            "an admin (a PUBLISHED item only when its latest version is not yet live)",
        ),
        Action(
            "RETIRE", frozenset({S.DRAFT, S.PUBLISHED}), frozenset({S.RETIRED}), E.ITEM_RETIRED,
            catalog_admin, "an admin (applications keep their version)",
        ),
    ),
)  # fmt: skip
