"""Orders: opened when an application is approved, then assigned to the least-loaded handler.

Every change of an order's status goes through `ORDER.apply` (backend/services/orders/states.py,
the table): it checks the version and the table, bumps the version and writes the event row,
all in the caller's transaction.

On SQLite the service runs as ONE server process: SQLite has one writer, which is what makes
numbering and the choice of handler safe there, and `servicehall serve --workers N` with N > 1
refuses to start on SQLite (backend/cli.py). On PostgreSQL any number of processes may run:
the counter row and the team row are locked for the length of the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count

from backend.models.accounts import Team, TeamMember
from backend.models.applications import Application
from backend.models.catalog import Fulfilment, ServiceItem, ServiceItemVersion
from backend.models.orders import OPEN_STATUSES, Order, OrderStatus
from backend.services.calendar import calendar
from backend.services.core import clock, events, numbering
from backend.services.core.actors import Actor, as_system
from backend.services.notifications import notifications
from backend.services.orders import day_counts, forwarding, timers
from backend.services.orders.handlers import (
    AssignmentReason,
    AssignmentRule,
    PreviousHandler,
    choose,
    team_handlers,
)
from backend.services.orders.states import ORDER, OrderEventKind

ORDER_PREFIX = "SH"


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
    # Opening and the automatic choice are the service's steps, not the approver's: an
    # auditor's approval is on the application's record, the applicant's submit on theirs.
    system = as_system(actor)
    version = await ServiceItemVersion.get(
        id=application.item_version_id,
        using_db=conn,
    )
    now = clock.now()
    by_provider = version.fulfilment is Fulfilment.PROVIDER
    due = await calendar.due_at(now, version.time_limit_days, timezone)
    order = await Order.create(
        number=await numbering.next_number(conn, ORDER_PREFIX, now, timezone),
        application_id=application.id,
        item_id=application.item_id,
        item_version_id=version.id,
        enterprise_id=application.enterprise_id,
        applicant_id=application.applicant_id,
        auditor_id=approved_by_id,
        # A provider's order records the item's team too: the team takes it if it comes back.
        team_id=await _handling_team_id(version, conn),
        provider_id=await forwarding.provider_for(conn, version, application)
        if by_provider
        else None,
        status=OrderStatus.PENDING_FORWARD if by_provider else OrderStatus.PENDING_ASSIGNMENT,
        due_at=due,
        using_db=conn,
    )
    await timers.schedule_order(conn, order, due, timezone)
    await day_counts.opened(conn, order, timezone)
    await events.record(
        conn,
        system,
        "order",
        order.id,
        OrderEventKind.ORDER_OPENED,
        {"application": application.number, "status": order.status.value},
    )
    if by_provider:
        await forwarding.forward(conn, order)
    else:
        await assign_automatically(conn, system, order, consequence=True)
    return order


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


@dataclass(frozen=True)
class Choice:
    """The automatic choice for an order: the handler (None: nobody left) and why."""

    member: TeamMember | None
    reason: AssignmentReason


async def _previous_handler(conn: BaseDBAsyncClient, order: Order) -> PreviousHandler | None:
    rows = (
        await Order.filter(
            enterprise_id=order.enterprise_id,
            item_id=order.item_id,
            status=OrderStatus.COMPLETED,
            assignee_id__isnull=False,
        )
        .exclude(id=order.id)
        .using_db(conn)
        .order_by("-completed_at", "-id")
        .limit(1)
        .values_list("assignee_id", "number")
    )
    if not rows:
        return None
    user_id, number = rows[0]
    return PreviousHandler(int(str(user_id)), str(number))


async def choose_handler(
    conn: BaseDBAsyncClient, order: Order, *, note: str = "", also_declined: int | None = None
) -> Choice:
    """The team's handler for `order` now (`handlers.choose`), skipping those who declined it
    (and `also_declined`, who is declining it in this transaction).

    On PostgreSQL the team's row is locked while loads are read and until the caller records
    the choice, so concurrent approvals queue instead of choosing on stale loads; SQLite has one
    writer.
    """
    team_id: int | None = order.team_id
    if team_id is None:
        return Choice(None, AssignmentReason(AssignmentRule.NO_TEAM))
    await Team.filter(id=team_id).using_db(conn).select_for_update().first()
    members = await team_handlers(conn, team_id)
    loads = await _loads(conn, [m.user.id for m in members])
    declined = {int(u) for u in order.declined_by or []}
    if also_declined is not None:
        declined.add(also_declined)
    member, reason = choose(
        members,
        loads,
        declined=declined,
        previous=await _previous_handler(conn, order),
        note=note,
    )
    return Choice(member, reason)


async def handed_to(conn: BaseDBAsyncClient, order: Order, member: TeamMember) -> None:
    """What follows once an order is recorded as given to `member`: their turn is marked (ties
    go to whoever waited longest) and they are told."""
    await TeamMember.filter(id=member.id).using_db(conn).update(last_assigned_at=order.assigned_at)
    await notifications.notify(
        member.user.id, "ORDER_ASSIGNED", {"number": order.number}, using_db=conn
    )


async def assign_automatically(
    conn: BaseDBAsyncClient,
    actor: Actor,
    order: Order,
    *,
    note: str = "",
    consequence: bool = False,
    asked: bool = False,
) -> Order:
    """Gives `order` to the handler `choose_handler` picks; with nobody left it stays
    PENDING_ASSIGNMENT and its assignment reason says why.

    `note` is why it was (re)run, when someone asked: kept in the reason and the event.
    `consequence`: the choice runs because of another step (the order opened, it was handed
    back), so no policy is asked; unless `asked` (a supervisor released the order to re-run
    it), nobody asked for it either, and the event is the system's, not `actor`'s.
    """
    choice = await choose_handler(conn, order, note=note)
    if choice.member is None:
        return await _unassigned(conn, order, choice.reason)
    await ORDER.apply(
        conn,
        actor if asked or not consequence else as_system(actor),
        order,
        "ASSIGN",
        expected_version=order.version,
        changes={
            "assignee_id": choice.member.user.id,
            "assigned_at": clock.now(),
            "assignment_reason": choice.reason.as_json(),
        },
        data={"note": note},
        consequence=consequence,
    )
    await handed_to(conn, order, choice.member)
    return order


async def _unassigned(conn: BaseDBAsyncClient, order: Order, reason: AssignmentReason) -> Order:
    order.assignment_reason = reason.as_json()
    await Order.filter(id=order.id).using_db(conn).update(assignment_reason=order.assignment_reason)
    return order
