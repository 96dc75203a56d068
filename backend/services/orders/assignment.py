"""A supervisor's hand on assignment: give an order to a named handler, or re-run the choice.

Both run in one transaction through `ORDER.apply` with the version the supervisor saw,
so two supervisors acting on the same order cannot both win: the second gets STALE. The
automatic choice itself is `orders.assign_automatically`.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.accounts import Team, TeamMember
from backend.models.orders import OPEN_STATUSES, Order, OrderStatus
from backend.services.core import clock
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    NotFound,
    PermissionDenied,
    Problem,
    Stale,
    register_messages,
)
from backend.services.core.reach import Reach, reach_of
from backend.services.core.transactions import in_transaction
from backend.services.notifications import notifications
from backend.services.orders import orders
from backend.services.orders.handlers import (
    AssignmentReason,
    AssignmentRule,
    Candidate,
    team_handlers,
)
from backend.services.orders.policies import can_assign_orders, orders_visible_to
from backend.services.orders.states import ORDER

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
    reach = await reach_of(actor)
    async with in_transaction() as conn:
        order = await orders_visible_to(actor).using_db(conn).get_or_none(id=order_id)
        if order is None:
            raise NotFound([Problem("NOT_FOUND", ("orderId",))])
        if order.version != expected_version:
            raise Stale(expected=expected_version, actual=order.version)
        previous: int | None = order.assignee_id
        if handler_id is None:
            await _rerun(conn, actor, order, note, reach)
        else:
            await _give(conn, actor, order, handler_id, note, reach)
        current: int | None = order.assignee_id
        if previous is not None and previous != current:
            await notifications.notify(
                previous, "ORDER_TAKEN_AWAY", {"number": order.number}, using_db=conn
            )
    return order


async def _rerun(
    conn: BaseDBAsyncClient, actor: Actor, order: Order, note: str, reach: Reach
) -> None:
    if order.status is OrderStatus.ASSIGNED:
        await ORDER.apply(
            conn, actor, order, "RELEASE", expected_version=order.version, reach=reach,
            changes={"assignee_id": None, "assigned_at": None}, data={"note": note},
        )  # fmt: skip
        # Released by the supervisor's hand: the choice that follows is part of the same step.
        await orders.assign_automatically(
            conn, actor, order, note=note, consequence=True, asked=True
        )
        return
    # Only an order nobody has started can be re-chosen; the table says why not.
    ORDER.check(actor, order, "ASSIGN", reach)
    await orders.assign_automatically(conn, actor, order, note=note)


async def _give(
    conn: BaseDBAsyncClient, actor: Actor, order: Order, handler_id: int, note: str, reach: Reach
) -> None:
    ORDER.check(actor, order, "REASSIGN", reach)
    team_id: int | None = order.team_id
    if team_id is None:
        raise Invalid.at("handlerId", "NOT_A_HANDLER")
    # The same lock the automatic choice takes: loads do not change while we decide.
    await Team.filter(id=team_id).using_db(conn).select_for_update().first()
    found = await team_handlers(conn, team_id, user_id=handler_id)
    if not found:
        raise Invalid.at("handlerId", "NOT_A_HANDLER")
    member = found[0]
    if member.on_leave:
        raise Invalid.at("handlerId", "HANDLER_ON_LEAVE")
    if order.assignee_id == handler_id:
        raise Invalid.at("handlerId", "ALREADY_ASSIGNED")
    load = (
        await Order.filter(assignee_id=handler_id, status__in=list(OPEN_STATUSES))
        .using_db(conn)
        .count()
    )
    now = clock.now()
    reason = AssignmentReason(
        AssignmentRule.CHOSEN_BY_SUPERVISOR,
        (Candidate.of(member, load),),
        chosen=handler_id,
        note=note,
        decided_by=(actor.user_id, actor.name) if actor.user_id is not None else None,
    )
    await ORDER.apply(
        conn, actor, order, "REASSIGN", expected_version=order.version, reach=reach,
        changes={"assignee_id": handler_id, "assigned_at": now,
                 "assignment_reason": reason.as_json()},
        data={"note": note},
    )  # fmt: skip
    await TeamMember.filter(id=member.id).using_db(conn).update(last_assigned_at=now)
    await notifications.notify(
        handler_id, "ORDER_ASSIGNED", {"number": order.number}, using_db=conn
    )
