"""A person's own common-services board: the items they pinned, in the order they keep."""

from __future__ import annotations

import contextlib

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from backend.models.catalog import ServiceItem, ServicePin
from backend.services.catalog.catalog import items_visible_to
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid
from backend.services.core.transactions import in_transaction


async def board(actor: Actor) -> list[ServiceItem]:
    """The viewer's pinned items they may still see (a retired item drops off the board)."""
    if actor.user_id is None:
        return []
    pins = (
        await ServicePin.filter(
            user_id=actor.user_id, item_id__in=Subquery(items_visible_to(actor).values("id"))
        )
        .select_related("item")
        .order_by("position", "id")
    )
    return [pin.item for pin in pins]


async def _rewrite(user_id: int, item_ids: list[int]) -> None:
    """Stores `item_ids` as the user's board, in that order, in one transaction."""
    async with in_transaction() as conn:
        current = {
            pin.item_id: pin for pin in await ServicePin.filter(user_id=user_id).using_db(conn)
        }
        for gone in set(current) - set(item_ids):
            await ServicePin.filter(id=current[gone].id).using_db(conn).delete()
        for position, item_id in enumerate(item_ids):
            pin = current.get(item_id)
            if pin is None:
                await ServicePin.create(
                    user_id=user_id, item_id=item_id, position=position, using_db=conn
                )
            elif pin.position != position:
                await ServicePin.filter(id=pin.id).using_db(conn).update(position=position)


async def _order(user_id: int) -> list[int]:
    rows = await ServicePin.filter(user_id=user_id).order_by("position", "id")
    return [row.item_id for row in rows]


async def pin(actor: Actor, item_id: int, position: int | None) -> list[ServiceItem]:
    """Pins an item (at `position` on the board, else last); pinning it again only moves it."""
    user_id = require_user(actor)
    if not await items_visible_to(actor).filter(id=item_id).exists():
        raise Invalid.at("serviceItemId", "NOT_FOUND")
    if position is not None and position < 0:
        raise Invalid.at("position", "BELOW_MINIMUM", min=0)
    order = await _order(user_id)
    if item_id in order and position is None:
        return await board(actor)
    order = [i for i in order if i != item_id]
    order.insert(len(order) if position is None else min(position, len(order)), item_id)
    # The same pin added at the same moment by another request: it is pinned all the same.
    with contextlib.suppress(IntegrityError):
        await _rewrite(user_id, order)
    return await board(actor)


async def unpin(actor: Actor, item_id: int) -> list[ServiceItem]:
    """Takes an item off the board; nothing happens when it was not on it."""
    user_id = require_user(actor)
    async with in_transaction() as conn:
        await ServicePin.filter(user_id=user_id, item_id=item_id).using_db(conn).delete()
    return await board(actor)
