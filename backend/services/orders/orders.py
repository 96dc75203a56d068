"""Orders: opened when an application is approved, then assigned to the least-loaded handler.

Every change of an order's status goes through `transition`, which checks the transition
table, bumps the version (a stale one is refused) and writes the event row, all in the
caller's transaction.

On SQLite the service runs as ONE server process: SQLite has one writer, which is what makes
numbering and the choice of handler safe there, and `servicehall serve --workers N` with N > 1
refuses to start on SQLite (backend/cli.py). On PostgreSQL any number of processes may run:
the counter row and the team row are locked for the length of the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.functions import Count

from backend.models.accounts import MemberKind, Role, Team, TeamMember, UserRole
from backend.models.applications import Application
from backend.models.catalog import Fulfilment, ServiceItem, ServiceItemVersion
from backend.models.orders import OPEN_STATUSES, Order, OrderStatus
from backend.services.calendar import calendar
from backend.services.core import events, numbering
from backend.services.core.actors import Actor
from backend.services.core.errors import ForbiddenTransition, Stale
from backend.services.notifications import notifications

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_ASSIGNMENT: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.PENDING_ASSIGNMENT, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_APPLICANT, S.COMPLETED, S.ASSIGNED, S.CANCELLED}),
    S.WAITING_ON_APPLICANT: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.PENDING_FORWARD: frozenset({S.FORWARDED, S.CANCELLED}),
    S.FORWARDED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

ORDER_PREFIX = "SH"


def transition_allowed_or_raise(order: Order, to: OrderStatus) -> None:
    if to not in TRANSITIONS[order.status]:
        raise ForbiddenTransition(status=order.status.value)


async def transition(
    conn: BaseDBAsyncClient,
    actor: Actor,
    order: Order,
    to: OrderStatus,
    *,
    expected_version: int,
    kind: str,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> Order:
    """Moves `order` to `to` with `changes`, or raises; the event row is in the same transaction."""
    transition_allowed_or_raise(order, to)
    values = {"status": to, **(changes or {})}
    updated = (
        await Order.filter(id=order.id, version=expected_version)
        .using_db(conn)
        .update(version=F("version") + 1, **values)
    )
    if not updated:
        raise Stale(expected=expected_version, actual=order.version)
    previous = order.status
    for name, value in values.items():
        setattr(order, name, value)
    order.version = expected_version + 1
    await events.record(
        actor,
        "order",
        order.id,
        order.version,
        kind,
        {"from": previous.value, "to": to.value, "note": note},
        using_db=conn,
    )
    return order


async def _handling_team_id(version: ServiceItemVersion, conn: BaseDBAsyncClient) -> int | None:
    team_id: int | None = version.team_id
    if team_id is not None:
        return team_id
    rows = (
        await ServiceItem.filter(id=version.item_id)
        .using_db(conn)
        .values_list("category__team_id", flat=True)
    )
    found: object = rows[0] if rows else None
    return int(str(found)) if found is not None else None


async def open_order(
    conn: BaseDBAsyncClient,
    actor: Actor,
    application: Application,
    *,
    approved_by_id: int | None,
    timezone: str,
) -> Order:
    """The order of an approved application, numbered, due, and assigned (or marked to forward).

    Call inside the transaction that approves the application.
    """
    version = await ServiceItemVersion.get(
        id=application.item_version_id,
        using_db=conn,
    )
    now = datetime.now(UTC)
    by_provider = version.fulfilment is Fulfilment.PROVIDER
    order = await Order.create(
        number=await numbering.next_number(conn, ORDER_PREFIX, now, timezone),
        application_id=application.id,
        item_id=application.item_id,
        item_version_id=version.id,
        enterprise_id=application.enterprise_id,
        applicant_id=application.applicant_id,
        auditor_id=approved_by_id,
        team_id=None if by_provider else await _handling_team_id(version, conn),
        provider_id=version.provider_id if by_provider else None,
        status=OrderStatus.PENDING_FORWARD if by_provider else OrderStatus.PENDING_ASSIGNMENT,
        due_at=await calendar.due_at(now, version.time_limit_days, timezone),
        using_db=conn,
    )
    await events.record(
        actor,
        "order",
        order.id,
        1,
        "ORDER_OPENED",
        {"application": application.number, "status": order.status.value},
        using_db=conn,
    )
    if not by_provider:
        await assign_automatically(conn, actor, order)
    return order


async def _eligible_handlers(conn: BaseDBAsyncClient, team_id: int) -> list[TeamMember]:
    handler_ids = (
        await UserRole.filter(role=Role.HANDLER).using_db(conn).values_list("user_id", flat=True)
    )
    return (
        await TeamMember.filter(
            team_id=team_id,
            kind=MemberKind.HANDLER,
            on_leave=False,
            user__is_active=True,
            user_id__in=list(handler_ids),
        )
        .using_db(conn)
        .select_related("user")
    )


async def _loads(conn: BaseDBAsyncClient, user_ids: list[int]) -> dict[int, int]:
    rows = (
        await Order.filter(assignee_id__in=user_ids, status__in=list(OPEN_STATUSES))
        .using_db(conn)
        .annotate(load=Count("id"))
        .group_by("assignee_id")
        .values_list("assignee_id", "load")
    )
    loads = dict.fromkeys(user_ids, 0)
    loads.update({int(user_id): int(load) for user_id, load in rows})
    return loads


async def assign_automatically(
    conn: BaseDBAsyncClient, actor: Actor, order: Order, *, note: str = ""
) -> Order:
    """Gives `order` to the team's available handler with the fewest open orders.

    `note` is why it was (re)run, when someone asked: kept in the reason and the event.

    Ties go to whoever was assigned least recently (never assigned first), then the lowest id.
    On PostgreSQL the team's row is locked while loads are read and the choice is recorded, so
    concurrent approvals queue instead of choosing on stale loads; SQLite has one writer.
    """
    team_id: int | None = order.team_id
    if team_id is None:
        return await _unassigned(conn, order, {"rule": "NO_TEAM", "eligible": []})
    await Team.filter(id=team_id).using_db(conn).select_for_update().first()
    members = await _eligible_handlers(conn, team_id)
    if not members:
        return await _unassigned(conn, order, {"rule": "NO_ELIGIBLE_HANDLER", "eligible": []})
    loads = await _loads(conn, [m.user.id for m in members])
    never = datetime.min.replace(tzinfo=UTC)
    chosen = min(members, key=lambda m: (loads[m.user.id], m.last_assigned_at or never, m.user.id))
    now = datetime.now(UTC)
    reason = {
        "rule": "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT",
        "eligible": [
            {
                "userId": m.user.id,
                "name": m.user.name,
                "load": loads[m.user.id],
                "lastAssignedAt": m.last_assigned_at.isoformat() if m.last_assigned_at else None,
            }
            for m in sorted(members, key=lambda m: (loads[m.user.id], m.user.id))
        ],
        "chosen": chosen.user.id,
    }
    if note:
        reason["note"] = note
    await transition(
        conn,
        actor,
        order,
        OrderStatus.ASSIGNED,
        expected_version=order.version,
        kind="ORDER_ASSIGNED",
        note=note,
        changes={"assignee_id": chosen.user.id, "assigned_at": now, "assignment_reason": reason},
    )
    await TeamMember.filter(id=chosen.id).using_db(conn).update(last_assigned_at=now)
    await notifications.notify(
        chosen.user.id,
        "ORDER_ASSIGNED",
        {"number": order.number},
        using_db=conn,
    )
    return order


async def _unassigned(conn: BaseDBAsyncClient, order: Order, reason: dict[str, Any]) -> Order:
    await Order.filter(id=order.id).using_db(conn).update(assignment_reason=reason)
    order.assignment_reason = reason
    return order
