"""Who may keep appointment plans and slots, book and cancel, and check people in.

A booking belongs to what it is for: the enterprise of the order (or application) books and
cancels it, as its members see the order; the park's handlers, supervisors and admins see the
day's list and check people in; admins keep the plans and the slots.
"""

from __future__ import annotations

from typing import Protocol

from tortoise.expressions import Q

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


def sees_every_booking(actor: Actor) -> bool:
    """Supervisors and admins: the whole hall's day. A handler sees their teams' bookings."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)


def bookings_handled_by(actor: Actor, reach: Reach) -> Q:
    """A handler's share of the day, as a query: the orders of their teams (or given to them),
    and the applications of the categories their teams handle."""
    teams = sorted(reach.handles_for)
    return (
        Q(order__team_id__in=teams)
        | Q(order__assignee_id=actor.user_id)
        | Q(application__item__category__team_id__in=teams)
    )


def can_book_for(actor: Actor, enterprise_id: int, reach: Reach) -> bool:
    return actor.user_id is not None and enterprise_id in reach.member_of


def can_cancel(actor: Actor, booking: BookingFacts, reach: Reach) -> bool:
    """The enterprise's members, and supervisors and admins (a person who phoned the desk)."""
    if actor.user_id is None:
        return False
    return booking.enterprise_id in reach.member_of or actor.has(Role.SUPERVISOR, Role.ADMIN)


def can_check_in(actor: Actor, booking: BookingFacts, reach: Reach) -> bool:
    return can_see_day_lists(actor)
