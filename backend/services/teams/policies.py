"""Who may see and manage staff teams."""

from __future__ import annotations

from backend.models.accounts import Role
from backend.services.core.actors import Actor


def can_view_teams(actor: Actor) -> bool:
    return actor.is_park_staff


def can_manage_teams(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)
