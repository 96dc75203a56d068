"""Who may see applications.

Members see their enterprises' own; auditors, supervisors and admins see all; handlers see
those behind the orders they hold.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.applications import Application
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.core.actors import Actor


def sees_every_application(actor: Actor) -> bool:
    return actor.has(Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN)


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    if actor.user_id is None:
        return Application.filter(id=-1)
    if sees_every_application(actor):
        return Application.all()
    mine = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if actor.has(Role.HANDLER):
        handled = Order.filter(assignee_id=actor.user_id).values("application_id")
        return Application.filter(mine | Q(id__in=Subquery(handled)))
    return Application.filter(mine)
