"""Who may keep appointment plans and slots, book and cancel, and check people in.

A booking belongs to what it is for: the enterprise of the order (or application) books and
cancels it, as its members see the order; the park's handlers, supervisors and admins see the
day's list and check people in; admins keep the plans and the slots.
"""

from __future__ import annotations

from typing import Protocol

from backend.models.accounts import Role
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach


class BookingFacts(Protocol):
    """What the rules read of a booking: the enterprise it is for (loaded with it)."""

    @property
    def enterprise_id(self) -> int: ...


def can_manage_plans(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_see_day_lists(actor: Actor) -> bool:
    """The handler's day list: who is coming, in which window, with which number."""
    return actor.has(Role.HANDLER, Role.SUPERVISOR, Role.ADMIN)


def can_book_for(actor: Actor, enterprise_id: int, reach: Reach) -> bool:
    return actor.user_id is not None and enterprise_id in reach.member_of


def can_cancel(actor: Actor, booking: BookingFacts, reach: Reach) -> bool:
    """The enterprise's members, and supervisors and admins (a person who phoned the desk)."""
    if actor.user_id is None:
        return False
    return booking.enterprise_id in reach.member_of or actor.has(Role.SUPERVISOR, Role.ADMIN)


def can_check_in(actor: Actor, booking: BookingFacts, reach: Reach) -> bool:
    return can_see_day_lists(actor)
