"""Who may do what: policy functions, written once and called by both faces through the schema.

Lists do not call these per row; they filter in the query (see the `*_visible_to` helpers).
"""

from __future__ import annotations

from tortoise.queryset import QuerySet

from backend.models.accounts import Notification, Role, Team, User
from backend.services.actors import Actor
from backend.services.errors import PermissionDenied, ServiceError


class NotAuthenticated(ServiceError):
    default_code = "NOT_AUTHENTICATED"


def require_user(actor: Actor) -> int:
    if actor.user_id is None:
        raise NotAuthenticated()
    return actor.user_id


def require_role(actor: Actor, *roles: Role) -> None:
    require_user(actor)
    if not actor.has(*roles):
        raise PermissionDenied()


def can_manage_staff(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_user(actor: Actor, user: User) -> bool:
    if actor.user_id is None:
        return False
    return actor.user_id == user.id or actor.has(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)


def can_view_contact(actor: Actor, user: User) -> bool:
    """E-mail and phone are more sensitive than the name: the person themself and admins."""
    return actor.user_id == user.id or actor.has(Role.ADMIN)


def can_view_teams(actor: Actor) -> bool:
    return actor.is_staff


def can_manage_teams(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_team(actor: Actor, team: Team) -> bool:
    return can_view_teams(actor)


def can_view_notification(actor: Actor, notification: Notification) -> bool:
    return actor.user_id is not None and notification.user_id == actor.user_id  # type: ignore[attr-defined]


def users_visible_to(actor: Actor) -> QuerySet[User]:
    if actor.has(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR):
        return User.all()
    if actor.user_id is None:
        return User.filter(id=-1)
    return User.filter(id=actor.user_id)


def notifications_visible_to(actor: Actor) -> QuerySet[Notification]:
    return Notification.filter(user_id=actor.user_id if actor.user_id is not None else -1)


def can_manage_catalog(actor: Actor) -> bool:
    """Categories and service items are defined by the park operator."""
    return actor.has(Role.ADMIN)
