"""Who may see and keep the park's working calendar."""

from __future__ import annotations

from backend.models.accounts import Role
from backend.services.core.actors import Actor


def can_manage_calendar(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_calendar(actor: Actor) -> bool:
    return actor.is_park_staff
