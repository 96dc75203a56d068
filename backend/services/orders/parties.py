"""Who is who on an order: the "who" column of its action table (`states.ORDER`), and who reads
its conversation. Pure functions of the actor, the order and the reach loaded once per request.

- the applicant: any member of the enterprise that applied;
- the assignee: the order's handler;
- supervisors (and admins): assign, cancel, write processing information, read everything;
- the conversation is between the applicant's enterprise and the assignee; supervisors and
  admins read it but do not write in it (the applicant always knows who speaks for the park,
  and "read by the handler" means the handler read it); auditors, other handlers and
  providers neither read nor write;
- owed materials: the enterprise supplies them; the assignee or the desk (any auditor) reviews.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import MemberKind, Role, TeamMember, UserRole
from backend.models.enterprises import Membership
from backend.models.orders import ConversationSide, Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.orders.policies import (
    OrderFacts,
    can_assign_orders,
    can_view_order,
    is_providers,
)

S = OrderStatus


def supervisor(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return can_assign_orders(actor)


def assignee(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return actor.has(Role.HANDLER) and order.assignee_id == actor.user_id


def applicant(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """Anyone of the enterprise that applied."""
    return actor.user_id is not None and order.enterprise_id in reach.member_of


def provider(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """The staff of the provider the order is forwarded to (never the applicant's own)."""
    return is_providers(actor, order) and not applicant(actor, order, reach)


def assignee_or_provider(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return assignee(actor, order, reach) or provider(actor, order, reach)


# The applicant may cancel before work starts; a supervisor until it is completed.
APPLICANT_MAY_CANCEL = frozenset({S.PENDING_ASSIGNMENT, S.ASSIGNED, S.PENDING_FORWARD, S.FORWARDED})


def canceller(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    if supervisor(actor, order, reach):
        return True
    return order.status in APPLICANT_MAY_CANCEL and applicant(actor, order, reach)


def assignee_or_supervisor(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    if applicant(actor, order, reach):
        return False  # processing information is the park's, never written by the applicant
    return assignee(actor, order, reach) or supervisor(actor, order, reach)


def progress_author(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """Progress the applicant reads: the park's side, or the provider that has the order."""
    return assignee_or_supervisor(actor, order, reach) or provider(actor, order, reach)


def owed_reviewer(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """The assignee, or the desk (auditors), who accepted the promise in the first place."""
    if applicant(actor, order, reach):
        return False
    return assignee(actor, order, reach) or actor.has(Role.AUDITOR)


class ViewerSide(StrEnum):
    """Whose side of an order the viewer is on: what a page says to them ("waiting for you")."""

    # Not the roles' names: a side is about this order (a handler of another order is PARK).
    ENTERPRISE = "ENTERPRISE"  # a member of the enterprise that applied: the applicant's side
    ASSIGNEE = "ASSIGNEE"  # the order's handler
    SERVICE_PROVIDER = "SERVICE_PROVIDER"  # the third-party provider it was forwarded to
    PARK = "PARK"  # the park's other staff who may see it (supervisors, the desk, a team's handler)
    NONE = "NONE"


def viewer_side(actor: Actor, order: OrderFacts, reach: Reach) -> ViewerSide:
    """The side `actor` is on; the applicant first, as in the conversation (`side_of`)."""
    if applicant(actor, order, reach):
        return ViewerSide.ENTERPRISE
    if assignee(actor, order, reach):
        return ViewerSide.ASSIGNEE
    if provider(actor, order, reach):
        return ViewerSide.SERVICE_PROVIDER
    if actor.is_park_staff and can_view_order(actor, order, reach):
        return ViewerSide.PARK
    return ViewerSide.NONE


# -- the conversation -----------------------------------------------------------------------------


def side_of(actor: Actor, order: OrderFacts, reach: Reach) -> ConversationSide | None:
    """The side `actor` speaks for in the order's conversation; None: not a party to it.

    An assignee who is also a member of the enterprise speaks for the enterprise: the park's
    side must never be someone the applicant is.
    """
    if applicant(actor, order, reach):
        return ConversationSide.ENTERPRISE
    if assignee(actor, order, reach):
        return ConversationSide.HANDLER
    return None


def conversation_party(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    return side_of(actor, order, reach) is not None


def reads_conversation(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
    """The two sides, and supervisors and admins (who read without writing)."""
    return conversation_party(actor, order, reach) or can_assign_orders(actor)


def conversations_readable_by(actor: Actor) -> QuerySet[Order]:
    """The orders whose conversation `actor` may read (`reads_conversation`, as a query)."""
    if actor.user_id is None:
        return Order.filter(id=-1)
    if can_assign_orders(actor):
        return Order.all()
    readable = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if actor.has(Role.HANDLER):
        readable = readable | Q(assignee_id=actor.user_id)
    return Order.filter(readable)


# -- who is told: the people behind the parties, for notices ---------------------------------------


async def enterprise_people(conn: BaseDBAsyncClient | None, enterprise_id: int) -> list[int]:
    """The active members of the enterprise that applied: the applicant's side of an order is
    the whole enterprise (any member may answer, supply or write)."""
    rows = await (
        Membership.filter(enterprise_id=enterprise_id, user__is_active=True)
        .using_db(conn)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    return [int(str(r)) for r in rows]


async def supervisors_of_team(conn: BaseDBAsyncClient | None, team_id: int | None) -> list[int]:
    """The team's supervisors (members of kind SUPERVISOR who still hold the role); all
    active supervisors where the team has none, or the order has no team."""
    active = UserRole.filter(role=Role.SUPERVISOR, user__is_active=True)
    if team_id is not None:
        named = await (
            TeamMember.filter(
                team_id=team_id,
                kind=MemberKind.SUPERVISOR,
                user_id__in=Subquery(active.values("user_id")),
            )
            .using_db(conn)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
        if named:
            return [int(str(r)) for r in named]
    rows = await active.using_db(conn).order_by("user_id").values_list("user_id", flat=True)
    return [int(str(r)) for r in rows]


async def teams_with_own_supervisor(team_ids: Sequence[int]) -> set[int]:
    """Of these teams, those with a supervisor of their own as `supervisors_of_team` counts
    one (a SUPERVISOR member still holding the role, active); the rest tell every supervisor.
    One query for any number of teams (lists show it per team)."""
    if not team_ids:
        return set()
    active = UserRole.filter(role=Role.SUPERVISOR, user__is_active=True)
    rows = await TeamMember.filter(
        team_id__in=list(team_ids),
        kind=MemberKind.SUPERVISOR,
        user_id__in=Subquery(active.values("user_id")),
    ).values_list("team_id", flat=True)
    return {int(str(r)) for r in rows}


def told_supervisor_condition(actor: Actor) -> Q:
    """On `Order`: the orders whose team's supervisors (`supervisors_of_team`) include the actor,
    the same rule as a condition for lists: teams they supervise, and teams (or orders without
    one) that have no supervisor of their own, whose news goes to every supervisor. Nothing for
    anyone not holding the supervisor's role (they are never told)."""
    if actor.user_id is None or not actor.has(Role.SUPERVISOR):
        return Q(id=-1)
    active = UserRole.filter(role=Role.SUPERVISOR, user__is_active=True)
    supervised = TeamMember.filter(
        kind=MemberKind.SUPERVISOR, user_id__in=Subquery(active.values("user_id"))
    )
    return (
        Q(team_id__in=Subquery(supervised.filter(user_id=actor.user_id).values("team_id")))
        | Q(team_id__isnull=True)
        | ~Q(team_id__in=Subquery(supervised.values("team_id")))
    )
