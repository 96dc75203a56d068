"""A supervisor's hand on assignment: give an order to a named handler, or re-run the choice.

Both run in one transaction through `orders.transition` with the version the supervisor saw,
so two supervisors acting on the same order cannot both win: the second gets STALE. The
automatic choice itself is `orders.assign_automatically`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.i18n import N_
from backend.models.accounts import MemberKind, Role, Team, TeamMember, UserRole
from backend.models.orders import OPEN_STATUSES, Order, OrderStatus
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    NotFound,
    PermissionDenied,
    Problem,
    Stale,
    register_messages,
)
from backend.services.notifications import notifications
from backend.services.orders import orders
from backend.services.orders.policies import can_assign_orders, orders_visible_to

MAX_REASON = 500

register_messages(
    {
        "NOT_A_HANDLER": N_("This person is not an active handler of the order's team."),
        "HANDLER_ON_LEAVE": N_("This handler is on leave. Choose someone at work."),
        "REASON_REQUIRED": N_("Say why the order goes to this handler."),
        "ALREADY_ASSIGNED": N_("The order is already assigned to this handler."),
    }
)


def _cleaned_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if len(cleaned) > MAX_REASON:
        raise Invalid.at("reason", "TOO_LONG", max=MAX_REASON)
    return cleaned


async def assign_order(
    actor: Actor,
    order_id: int,
    handler_id: int | None,
    reason: str,
    expected_version: int,
) -> Order:
    """Gives the order to `handler_id`, or (None) lets the automatic choice run again.

    A named handler must be an active handler of the order's team and not on leave, and the
    supervisor must say why; the reason goes into the order's assignment reason and the event.
    An order already assigned is released first when the choice is re-run.
    """
    require_user(actor)
    if not can_assign_orders(actor):
        raise PermissionDenied()
    note = _cleaned_reason(reason)
    if handler_id is not None and not note:
        raise Invalid.at("reason", "REASON_REQUIRED")
    async with in_transaction() as conn:
        order = await orders_visible_to(actor).using_db(conn).get_or_none(id=order_id)
        if order is None:
            raise NotFound([Problem("NOT_FOUND", ("orderId",))])
        if order.version != expected_version:
            raise Stale(expected=expected_version, actual=order.version)
        previous: int | None = order.assignee_id
        if handler_id is None:
            await _rerun(conn, actor, order, note)
        else:
            await _give(conn, actor, order, handler_id, note)
        current: int | None = order.assignee_id
        if previous is not None and previous != current:
            await notifications.notify(
                previous, "ORDER_TAKEN_AWAY", {"number": order.number}, using_db=conn
            )
    return order


async def _rerun(conn: BaseDBAsyncClient, actor: Actor, order: Order, note: str) -> None:
    if order.status is OrderStatus.ASSIGNED:
        await orders.transition(
            conn,
            actor,
            order,
            OrderStatus.PENDING_ASSIGNMENT,
            expected_version=order.version,
            kind="ORDER_RELEASED",
            note=note,
            changes={"assignee_id": None, "assigned_at": None},
        )
    elif order.status is not OrderStatus.PENDING_ASSIGNMENT:
        # Only an order nobody has started can be re-chosen; the table says why not.
        orders.transition_allowed_or_raise(order, OrderStatus.PENDING_ASSIGNMENT)
    await orders.assign_automatically(conn, actor, order, note=note)


async def _give(
    conn: BaseDBAsyncClient, actor: Actor, order: Order, handler_id: int, note: str
) -> None:
    orders.transition_allowed_or_raise(order, OrderStatus.ASSIGNED)
    team_id: int | None = order.team_id
    if team_id is None:
        raise Invalid.at("handlerId", "NOT_A_HANDLER")
    # The same lock the automatic choice takes: loads do not change while we decide.
    await Team.filter(id=team_id).using_db(conn).select_for_update().first()
    member = (
        await TeamMember.filter(team_id=team_id, user_id=handler_id, kind=MemberKind.HANDLER)
        .using_db(conn)
        .select_related("user")
        .first()
    )
    is_handler = await UserRole.exists(user_id=handler_id, role=Role.HANDLER, using_db=conn)
    if member is None or not member.user.is_active or not is_handler:
        raise Invalid.at("handlerId", "NOT_A_HANDLER")
    if member.on_leave:
        raise Invalid.at("handlerId", "HANDLER_ON_LEAVE")
    if order.assignee_id == handler_id:
        raise Invalid.at("handlerId", "ALREADY_ASSIGNED")
    load = (
        await Order.filter(assignee_id=handler_id, status__in=list(OPEN_STATUSES))
        .using_db(conn)
        .count()
    )
    now = datetime.now(UTC)
    reason = {
        "rule": "CHOSEN_BY_SUPERVISOR",
        "eligible": [
            {
                "userId": handler_id,
                "name": member.user.name,
                "load": load,
                "lastAssignedAt": (
                    member.last_assigned_at.isoformat() if member.last_assigned_at else None
                ),
            }
        ],
        "chosen": handler_id,
        "note": note,
        "by": {"userId": actor.user_id, "name": actor.name},
    }
    await orders.transition(
        conn,
        actor,
        order,
        OrderStatus.ASSIGNED,
        expected_version=order.version,
        kind="ORDER_REASSIGNED",
        note=note,
        changes={"assignee_id": handler_id, "assigned_at": now, "assignment_reason": reason},
    )
    await TeamMember.filter(id=member.id).using_db(conn).update(last_assigned_at=now)
    await notifications.notify(
        handler_id, "ORDER_ASSIGNED", {"number": order.number}, using_db=conn
    )
