"""The bookings of a page of orders (`Order.appointment`), for the whole page at once."""

from __future__ import annotations

from collections.abc import Sequence

from backend.schema.appointments.types import AppointmentType
from backend.schema.loading import in_language
from backend.services.appointments import bookings
from backend.services.appointments.states import actions_for
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach


async def load_appointments(
    actor: Actor, order_ids: Sequence[int], reach: Reach
) -> dict[int, AppointmentType]:
    """Each order's booking holding a place, by order id: two statements for any page."""
    held = await bookings.held_for_orders(list(order_ids))
    locations = await bookings.locations_of({slot.item_id for _, slot in held.values()})
    return {
        order_id: AppointmentType.of(
            row,
            slot,
            actions_for(actor, row, reach),
            in_language(actor.language, *locations.get(slot.item_id, ("", ""))),
        )
        for order_id, (row, slot) in held.items()
    }
