"""Who reads the cockpit: the park's supervisors and admins (product brief, roles)."""

from __future__ import annotations

from backend.models.accounts import Role
from backend.services.core.actors import Actor


def can_view_dashboard(actor: Actor) -> bool:
    return actor.user_id is not None and actor.has(Role.SUPERVISOR, Role.ADMIN)
