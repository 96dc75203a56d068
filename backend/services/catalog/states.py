"""A service item's states and the actions between them, as data."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class ItemActions:
    """What a viewer may do with a service item now: the table and the policies, plus what a
    page needs beyond them (whether publishing would show anything new; whether it is open for
    applications)."""

    edit: bool
    publish: bool
    retire: bool
    apply: bool


def is_offered(item: ServiceItem) -> bool:
    """Applications are made only for a published item."""
    return item.status is S.PUBLISHED


def actions_for(
    actor: Actor, item: ServiceItem, reach: Reach, *, live_number: int | None
) -> ItemActions:
    """`live_number`: the number of the item's live version (None until first published)."""
    # Publishing a published item again is offered only when a newer version waits.
    has_news = item.status is not S.PUBLISHED or live_number != item.latest_number
    return ItemActions(
        edit=ITEM.may(actor, item, "EDIT", reach),
        publish=has_news and ITEM.may(actor, item, "PUBLISH", reach),
        retire=ITEM.may(actor, item, "RETIRE", reach),
        apply=is_offered(item),
    )
