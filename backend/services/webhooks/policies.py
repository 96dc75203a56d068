"""Who may configure webhooks and see deliveries: the park's admins. A provider's own people
read their endpoint's public keys with the provider's record, never its secrets."""

from __future__ import annotations

from backend.models.accounts import Role
from backend.services.core.actors import Actor


def can_manage_webhooks(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_see_deliveries(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)
