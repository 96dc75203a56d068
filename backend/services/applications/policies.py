"""Who may see applications.

Members see their enterprises' own; auditors, supervisors and admins see every one submitted
at least once, and the desk's own drafts (filed for a walk-in); handlers see those behind the
orders they hold. A draft an enterprise has never submitted is its own: the park sees it only
once it is handed in, so neither it nor its files reach any staff role before then.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.applications import Application
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.core.actors import Actor


def sees_every_handed_in_application(actor: Actor) -> bool:
    return actor.has(Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN)


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    if actor.user_id is None:
        return Application.filter(id=-1)
    mine = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if sees_every_handed_in_application(actor):
        handed_in = Q(revision_count__gt=0) | Q(filed_by_id__isnull=False)
        return Application.filter(mine | handed_in)
    if actor.has(Role.HANDLER):
        handled = Order.filter(assignee_id=actor.user_id).values("application_id")
        return Application.filter(mine | Q(id__in=Subquery(handled)))
    return Application.filter(mine)
