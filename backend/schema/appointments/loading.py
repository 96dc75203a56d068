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
    actor: Actor, ids: Sequence[int], reach: Reach, *, of_applications: bool = False
) -> dict[int, AppointmentType]:
    """Each order's (or application's) booking holding a place, by its id: two statements for
    any page."""
    held = await bookings.held_for(list(ids), of_applications=of_applications)
    locations = await bookings.locations_of({slot.item_id for _, slot in held.values()})
    return {
        owner_id: AppointmentType.of(
            row,
            slot,
            actions_for(actor, row, reach),
            in_language(actor.language, *locations.get(slot.item_id, ("", ""))),
        )
        for owner_id, (row, slot) in held.items()
    }
