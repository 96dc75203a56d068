"""Who may see and assign orders.

Supervisors, admins and auditors (who approved them) see every order; handlers see the orders
assigned to them and the unassigned ones of their teams; applicants see their enterprises'
orders. `member_of` and `handles_for` are the actor's enterprise and team ids, loaded once per
request by the caller (`order_reach`). Lists do not call these per row; they filter in the
query (`orders_visible_to`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import MemberKind, Role, TeamMember
from backend.models.enterprises import Membership
from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor


@dataclass(frozen=True)
class OrderReach:
    member_of: frozenset[int] = frozenset()
    handles_for: frozenset[int] = frozenset()


def sees_every_order(actor: Actor) -> bool:
    return actor.has(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


async def order_reach(actor: Actor) -> OrderReach:
    if actor.user_id is None or sees_every_order(actor):
        return OrderReach()
    member_of = await Membership.filter(user_id=actor.user_id).values_list(
        "enterprise_id", flat=True
    )
    handles_for: Sequence[object] = []
    if actor.has(Role.HANDLER):
        handles_for = await TeamMember.filter(
            user_id=actor.user_id, kind=MemberKind.HANDLER
        ).values_list("team_id", flat=True)
    return OrderReach(
        frozenset(int(str(e)) for e in member_of), frozenset(int(str(t)) for t in handles_for)
    )


def can_view_order(actor: Actor, order: Order, reach: OrderReach) -> bool:
    if actor.user_id is None:
        return False
    if sees_every_order(actor):
        return True
    if order.enterprise_id in reach.member_of:
        return True
    if not actor.has(Role.HANDLER):
        return False
    if order.assignee_id == actor.user_id:
        return True
    return order.status is OrderStatus.PENDING_ASSIGNMENT and order.team_id in reach.handles_for


def orders_visible_to(actor: Actor) -> QuerySet[Order]:
    """The same rule as `can_view_order`, as a query."""
    if actor.user_id is None:
        return Order.filter(id=-1)
    if sees_every_order(actor):
        return Order.all()
    visible = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if actor.has(Role.HANDLER):
        teams = TeamMember.filter(user_id=actor.user_id, kind=MemberKind.HANDLER)
        visible = (
            visible
            | Q(assignee_id=actor.user_id)
            | Q(
                status=OrderStatus.PENDING_ASSIGNMENT, team_id__in=Subquery(teams.values("team_id"))
            )
        )
    return Order.filter(visible)


def can_assign_orders(actor: Actor) -> bool:
    """Reassigning, or re-running the automatic choice: supervisors and admins."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)


def can_view_assignment_reason(actor: Actor) -> bool:
    """Who was eligible, their loads and why: more sensitive than the order itself."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)
