"""Who may see enterprises, their licences, premises and providers.

`member_of` is the set of enterprise ids the actor belongs to, loaded once per request by the
caller.
"""

from __future__ import annotations

from collections.abc import Collection

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.enterprises import Enterprise, Membership, PremisesBinding, Provider
from backend.services.core.actors import Actor


def can_review_enterprises(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def enterprises_visible_to(actor: Actor) -> QuerySet[Enterprise]:
    if actor.has(Role.ADMIN):
        return Enterprise.all()
    if actor.user_id is None:
        return Enterprise.filter(id=-1)
    return Enterprise.filter(
        id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )


def can_download_licence(actor: Actor, enterprise_id: int, member_of: Collection[int]) -> bool:
    """An enterprise's licence: its members and admins."""
    return actor.user_id is not None and (actor.has(Role.ADMIN) or enterprise_id in member_of)


def can_view_premises(actor: Actor) -> bool:
    return actor.is_park_staff


def premises_bindings_visible_to(actor: Actor) -> QuerySet[PremisesBinding]:
    """Staff read the whole register; others the bindings of the enterprises they may see."""
    if can_view_premises(actor):
        return PremisesBinding.all()
    return PremisesBinding.filter(
        enterprise_id__in=Subquery(enterprises_visible_to(actor).values("id"))
    )


def can_manage_premises(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_providers(actor: Actor) -> bool:
    return actor.is_park_staff


def can_manage_providers(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def providers_visible_to(actor: Actor) -> QuerySet[Provider]:
    """Park staff: every provider; a provider's staff: their own record only."""
    if can_view_providers(actor):
        return Provider.all()
    if actor.speaks_for_provider is not None:
        return Provider.filter(id=actor.speaks_for_provider)
    return Provider.filter(id=-1)


def directory_visible_to(actor: Actor) -> QuerySet[Provider]:
    """The directory enterprises choose from: the active providers, their names and what they
    serve (never their contacts, which are the park's), for anyone signed in but a provider."""
    if actor.user_id is None or (actor.has(Role.PROVIDER) and not actor.is_park_staff):
        return Provider.filter(id=-1)
    return Provider.filter(active=True)
