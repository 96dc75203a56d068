"""Who is asking: the actor every service call and every recorded change carries."""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.models.accounts import PARK_STAFF_ROLES, STAFF_ROLES, Role
from backend.services.core.errors import NotAuthenticated, PermissionDenied


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    name: str = ""
    roles: frozenset[Role] = frozenset()
    language: str = "zh-CN"
    session_id: str | None = None
    # Set when the request came with an API token: its id, and what it may do.
    token_id: int | None = None
    scopes: frozenset[str] | None = None
    # Set when staff act on an enterprise's behalf (a walk-in applicant, a supplement).
    acting_for_enterprise_id: int | None = None
    # The provider a PROVIDER account (and its tokens) speaks for (`User.provider`).
    provider_id: int | None = None
    request_id: str = ""

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        """Holds an account admins made (providers included): not a reason to see anything."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_park_staff(self) -> bool:
        """Works for the park operator: may see its teams, calendar, premises and providers."""
        return bool(self.roles & PARK_STAFF_ROLES)

    @property
    def speaks_for_provider(self) -> int | None:
        """The provider whose orders this actor works on: a PROVIDER account linked to one."""
        return self.provider_id if Role.PROVIDER in self.roles else None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def with_language(self, language: str) -> Actor:
        return replace(self, language=language)


ANONYMOUS = Actor()


def as_system(actor: Actor) -> Actor:
    """The service itself, taking a step nobody asked for as the consequence of `actor`'s (an
    order opening and assigning itself): recorded with no person, enterprise or token, so
    timelines show "system"; the request id stays, to trace what caused it."""
    return Actor(language=actor.language, request_id=actor.request_id)


def require_user(actor: Actor) -> int:
    if actor.user_id is None:
        raise NotAuthenticated()
    return actor.user_id


def require_role(actor: Actor, *roles: Role) -> None:
    require_user(actor)
    if not actor.has(*roles):
        raise PermissionDenied()
