"""Who may see and assign orders.

Supervisors, admins and auditors (who approved them) see every order; handlers see the orders
assigned to them and the unassigned ones of their teams; applicants see their enterprises'
orders. `member_of` and `handles_for` are the actor's enterprise and team ids, loaded once per
request by the caller (`core.reach.reach_of`). Lists do not call these per row; they filter in the
query (`orders_visible_to`).

Policies read an order through `OrderFacts`: a model passes, and so does `OrderRow`, the few
columns a list loads when it shows what the viewer may do or whether an order is overdue (a new
fact is one more member of both, and mypy holds them together).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import MemberKind, Role, TeamMember
from backend.models.enterprises import Membership
from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.errors import NotFound, Problem
from backend.services.core.reach import Reach


class OrderFacts(Protocol):
    """What the order's rules read of an order: the policies, the action table, and whether
    it is overdue (`time_limits.is_overdue`)."""

    @property
    def pk(self) -> Any: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def team_id(self) -> int | None: ...
    @property
    def assignee_id(self) -> int | None: ...
    @property
    def provider_id(self) -> int | None: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def waiting_since(self) -> datetime | None: ...
    @property
    def due_soon_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class OrderRow:
    """`OrderFacts` from a row of plain columns (`COLUMNS`, loaded by a list)."""

    id: int
    status: OrderStatus
    enterprise_id: int
    team_id: int | None
    assignee_id: int | None
    provider_id: int | None
    due_at: datetime
    waiting_since: datetime | None
    due_soon_at: datetime | None

    COLUMNS: ClassVar[tuple[str, ...]]

    @property
    def pk(self) -> int:
        return self.id

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> OrderRow:
        return cls(**{name: row[name] for name in cls.COLUMNS})


OrderRow.COLUMNS = tuple(f.name for f in fields(OrderRow))


def sees_every_order(actor: Actor) -> bool:
    return actor.has(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


def can_view_order(actor: Actor, order: OrderFacts, reach: Reach) -> bool:
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


async def visible_order(
    actor: Actor, order_id: int, conn: BaseDBAsyncClient | None = None
) -> Order:
    """The order if `actor` may see it; the same NOT_FOUND at `orderId` for someone else's
    order and for an unknown id, so a refusal never hints that an order exists."""
    order = await orders_visible_to(actor).using_db(conn).get_or_none(id=order_id)
    if order is None:
        raise NotFound([Problem("NOT_FOUND", ("orderId",))])
    return order


def can_assign_orders(actor: Actor) -> bool:
    """Reassigning, or re-running the automatic choice: supervisors and admins."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)


def can_view_assignment_reason(actor: Actor) -> bool:
    """Who was eligible, their loads and why: more sensitive than the order itself."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)
