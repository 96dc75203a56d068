"""Who may see and manage people's accounts."""

from __future__ import annotations

from tortoise.queryset import QuerySet

from backend.models.accounts import Role, User
from backend.services.core.actors import Actor


def can_manage_staff(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_contact(actor: Actor, user: User) -> bool:
    """E-mail and phone are more sensitive than the name: the person themself and admins."""
    return actor.user_id == user.id or actor.has(Role.ADMIN)


def users_visible_to(actor: Actor) -> QuerySet[User]:
    if actor.has(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR):
        return User.all()
    if actor.user_id is None:
        return User.filter(id=-1)
    return User.filter(id=actor.user_id)
