"""Who may define the catalog."""

from __future__ import annotations

from backend.models.accounts import Role
from backend.services.core.actors import Actor


def can_manage_catalog(actor: Actor) -> bool:
    """Categories and service items are defined by the park operator."""
    return actor.has(Role.ADMIN)
