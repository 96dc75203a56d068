"""Who may ask for a new service, and who sees and settles the requests.

A member of a verified enterprise asks on its behalf; the enterprise's members see its own
requests (and what came of them); the park's admins, who keep the catalog, see and settle all.
"""

from __future__ import annotations

from typing import Any, Protocol

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from backend.models.enterprises import Enterprise, Membership
from backend.models.service_requests import RequestStatus, ServiceRequest
from backend.services.catalog.policies import can_manage_catalog
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.enterprises.states import is_verified


class RequestFacts(Protocol):
    """What the policies and the action table read of a request."""

    @property
    def pk(self) -> Any: ...
    @property
    def status(self) -> RequestStatus: ...
    @property
    def enterprise_id(self) -> int: ...


def can_settle_requests(actor: Actor) -> bool:
    """Answering, declining, merging and drafting an item: the catalog's keepers."""
    return actor.user_id is not None and can_manage_catalog(actor)


def may_request_for(actor: Actor, enterprise: Enterprise, reach: Reach) -> bool:
    """A member of a verified enterprise, in its name (staff do not ask for enterprises)."""
    return (
        actor.user_id is not None
        and enterprise.id in reach.member_of
        and is_verified(enterprise)
        and not actor.is_staff
    )


def can_view_request(actor: Actor, request: RequestFacts, reach: Reach) -> bool:
    return can_settle_requests(actor) or request.enterprise_id in reach.member_of


def requests_visible_to(actor: Actor) -> QuerySet[ServiceRequest]:
    """Every request for admins; an enterprise's own for its members; none for anyone else."""
    if can_settle_requests(actor):
        return ServiceRequest.all()
    if actor.user_id is None:
        return ServiceRequest.filter(id=-1)
    return ServiceRequest.filter(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
