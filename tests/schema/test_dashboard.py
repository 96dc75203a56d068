"""The supervisor's cockpit in the API: every figure against a hand count on rows built here,
who may read it, and what it costs in statements."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.models.accounts import Role, TeamMember
from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.evaluations import (
    Evaluation,
    EvaluationLevel,
    Rectification,
    RectificationStatus,
)
from backend.models.orders import Order, OrderStatus
from backend.services.orders import day_counts
from tests import builders
from tests.schema.helpers import codes, global_id, token_client
from tests.schema.order_helpers import Park, login, open_order, park

PARK = ZoneInfo("Asia/Shanghai")  # the settings' time zone in tests: UTC+8, no summer time

BOARD = """query($from: Date!, $to: Date!) { dashboard(from: $from, to: $to) {
    from to timezone opened waitingForHandler
    byStatus { status count }
    teams { teamId name waiting held capacity
            handlers { userId name open capacity onLeave } }
    days { day opened completed }
    processingTime { completed notRecorded averageWorkingDays p90WorkingDays }
    owedPastDue { materials orders } overdue dueSoon openRectifications overdueRectifications
    ratings { id name reviews defaults satisfied badReviews rectified satisfactionRate
              badReviewRate rectifiedShare }
    parkRatings { reviews defaults satisfactionRate badReviewRate rectifiedShare } } }"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in the park's time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=PARK)


async def place(
    p: Park,
    created: datetime,
    status: OrderStatus,
    *,
    completed: datetime | None = None,
    days: int | None = None,
    other: bool = False,
    handler: int = 0,
    due: timedelta = timedelta(days=30),
    due_soon: timedelta = timedelta(days=28),
    waiting_since: timedelta | None = None,
) -> Order:
    """An order opened (and assigned) as the service does, then moved to where the count needs
    it: its status and handler, when it was opened and completed, the working days it took."""
    order = await open_order(p, other=other)
    changes: dict[str, Any] = {"status": status, "created_at": created}
    waits = status is OrderStatus.PENDING_ASSIGNMENT
    changes["assignee_id"] = None if waits else p.handlers[handler].id
    # Due (and due soon) relative to now: the dashboard counts those rules as of now.
    now = datetime.now(PARK)
    changes |= {"due_at": now + due, "due_soon_at": now + due_soon}
    if waiting_since is not None:
        changes["waiting_since"] = now + waiting_since
    if completed is not None:
        changes |= {"completed_at": completed, "processing_days": days}
    await Order.filter(id=order.id).update(**changes)
    return order


@pytest.mark.postgres
async def test_every_figure_matches_a_hand_count(new_api, sql_counter) -> None:
    p = await park(handlers=2)
    await TeamMember.filter(team=p.team, user=p.handlers[0]).update(max_open_orders=3)
    # Ten orders completed in the range taking 1..10 working days: average 5.5, and nine in
    # ten took at most 9. The first opened at 01:00 park time on 2 March, still 1 March in
    # UTC: it counts on the 2nd.
    for n in range(1, 11):
        opened = at(2, 1) if n == 1 else at(2 + n % 5, 9)
        await place(p, opened, OrderStatus.COMPLETED, completed=at(3 + n % 5, 15), days=n)
    # Completed in the range before working days were kept.
    await place(p, at(3, 10), OrderStatus.COMPLETED, completed=at(5, 10), days=None)
    # Completed after the range (opened in it), and before it (opened before it).
    await place(p, at(8, 10), OrderStatus.COMPLETED, completed=at(9, 0, 30), days=4)
    await place(p, at(1, 23, 50), OrderStatus.COMPLETED, completed=at(1, 23, 59), days=0)
    # Open ones: two held by handler 0 (one opened at 00:10 on the 9th, outside the range),
    # one by handler 1, one cancelled, two waiting for a handler.
    # Overdue now: the one in progress; due soon: the assigned one, and the waiting one (it was
    # due soon, not overdue, when the question went out); the cancelled one is past due but
    # closed.
    hour = timedelta(hours=1)
    await place(p, at(4, 10), OrderStatus.IN_PROGRESS, due=-hour, due_soon=-48 * hour)
    await place(p, at(9, 0, 10), OrderStatus.ASSIGNED, due=hour, due_soon=-hour)
    third = await place(
        p, at(5, 10), OrderStatus.WAITING_ON_APPLICANT, other=True, handler=1,
        due=-24 * hour, due_soon=-72 * hour, waiting_since=-48 * hour,
    )  # fmt: skip
    await place(p, at(6, 10), OrderStatus.CANCELLED, due=-hour)
    waiting = await place(p, at(7, 10), OrderStatus.PENDING_ASSIGNMENT)
    await place(p, at(7, 11), OrderStatus.PENDING_ASSIGNMENT, other=True)
    # Owed materials: one past its day on an open order, one due today, one past its day on a
    # completed order, one past its day but handed in.
    today = datetime.now(PARK).date()
    for order, due, status in (
        (third, today - timedelta(days=2), OwedStatus.RETURNED),
        (third, today, OwedStatus.OUTSTANDING),
        (p.orders[0], today - timedelta(days=2), OwedStatus.OUTSTANDING),
        (waiting, today - timedelta(days=2), OwedStatus.SUPPLIED),
    ):
        await OwedMaterial.create(
            application_id=order.application_id, kind=f"k{due}{status}", due_on=due, status=status
        )
    # Ratings of the team's orders: one satisfied, one bad with a rectification open and
    # flagged overdue, one recorded by default; a second bad one was put right long ago, and a
    # voided one leaves every figure.
    rated = p.orders[:5]
    for order, level, default, rectification in (
        (rated[0], EvaluationLevel.SATISFIED, False, None),
        (rated[1], EvaluationLevel.DISSATISFIED, False, RectificationStatus.CALLED_BACK),
        (rated[2], EvaluationLevel.BASIC, True, None),
        (rated[3], EvaluationLevel.VERY_DISSATISFIED, False, RectificationStatus.CLOSED),
    ):
        evaluation = await Evaluation.create(
            order_id=order.id, level=level, is_default=default, enterprise_id=order.enterprise_id,
            item_id=order.item_id, team_id=p.team.id, assignee_id=p.handlers[0].id,
            created_at=at(6, 12),
            rectified_at=at(7, 12) if rectification is RectificationStatus.CLOSED else None,
        )  # fmt: skip
        if rectification is not None:
            await Rectification.create(
                evaluation=evaluation, order_id=order.id, status=rectification,
                call_back_due_at=at(7, 12), fix_due_at=at(20, 12), created_at=at(6, 12),
                overdue_flagged_at=at(7, 12) if rectification is not RectificationStatus.CLOSED
                else None,
            )  # fmt: skip
    await Evaluation.create(
        order_id=rated[4].id, level=EvaluationLevel.VERY_DISSATISFIED, status="VOIDED",
        enterprise_id=rated[4].enterprise_id, item_id=rated[4].item_id, team_id=p.team.id,
        created_at=at(6, 12),
    )  # fmt: skip
    # The rows were moved by hand, around the service's counters: count them afresh.
    await day_counts.recount(Order._meta.db, "Asia/Shanghai")
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    # Once first: the session's first use writes to it, and asyncpg asks PostgreSQL once per
    # connection about the array types the days are sent as.
    await supervisor.gql(BOARD, {"from": "2026-03-02", "to": "2026-03-02"})

    sql_counter.reset()
    board = (await supervisor.gql(BOARD, {"from": "2026-03-02", "to": "2026-03-08"}))["dashboard"]
    statements = sql_counter.count

    assert (board["from"], board["to"], board["timezone"]) == (
        "2026-03-02",
        "2026-03-08",
        "Asia/Shanghai",
    )
    by_status = {row["status"]: row["count"] for row in board["byStatus"]}
    assert by_status == {
        "PENDING_ASSIGNMENT": 2,
        "ASSIGNED": 0,  # the one opened at 00:10 on the 9th is outside
        "IN_PROGRESS": 1,
        "WAITING_ON_APPLICANT": 1,
        "COMPLETED": 12,
        "PENDING_FORWARD": 0,
        "FORWARDED": 0,
        "CANCELLED": 1,
    }
    assert board["opened"] == 17
    assert board["waitingForHandler"] == 2
    [team] = board["teams"]
    assert (team["waiting"], team["held"]) == (2, 3)
    assert team["capacity"] is None  # handler 1 has no limit
    loads = {h["name"]: (h["open"], h["capacity"]) for h in team["handlers"]}
    assert loads == {p.handlers[0].name: (2, 3), p.handlers[1].name: (1, None)}
    days = {row["day"]: (row["opened"], row["completed"]) for row in board["days"]}
    assert list(days) == [f"2026-03-0{d}" for d in range(2, 9)]
    # By hand: n = 1..10 opened on the 2nd (n = 1, 5, 10), 3rd (6), 4th (2, 7), 5th (3, 8),
    # 6th (4, 9), completed on 3 + n % 5; then the others, day by day.
    assert days == {
        "2026-03-02": (3, 0),
        "2026-03-03": (2, 2),  # n=6, not recorded | n=5, 10
        "2026-03-04": (3, 2),  # n=2, 7, in progress | n=1, 6
        "2026-03-05": (3, 3),  # n=3, 8, waiting | n=2, 7, not recorded
        "2026-03-06": (3, 2),  # n=4, 9, cancelled | n=3, 8
        "2026-03-07": (2, 2),  # two waiting for a handler | n=4, 9
        "2026-03-08": (1, 0),  # completed on the 9th
    }
    assert sum(o for o, _ in days.values()) == board["opened"]
    assert board["processingTime"] == {
        "completed": 10,
        "notRecorded": 1,
        "averageWorkingDays": 5.5,
        "p90WorkingDays": 9,
    }
    assert board["owedPastDue"] == {"materials": 1, "orders": 1}
    assert (board["overdue"], board["dueSoon"]) == (1, 2)
    assert (board["openRectifications"], board["overdueRectifications"]) == (1, 1)
    assert board["parkRatings"] == {
        "reviews": 3,
        "defaults": 1,
        "satisfactionRate": 1 / 3,
        "badReviewRate": 2 / 3,
        "rectifiedShare": 0.5,
    }
    assert board["ratings"] == [
        {
            "id": global_id("Team", p.team.id),
            "name": p.team.name,
            "reviews": 3,
            "defaults": 1,
            "satisfied": 1,
            "badReviews": 2,
            "rectified": 1,
            "satisfactionRate": 1 / 3,
            "badReviewRate": 2 / 3,
            "rectifiedShare": 0.5,
        }
    ]
    # The same statements for a week as for a year, whatever the rows.
    sql_counter.reset()
    await supervisor.gql(BOARD, {"from": "2025-03-09", "to": "2026-03-08"})
    assert sql_counter.count == statements <= 13, [s[:80] for s in sql_counter.statements]


async def test_only_supervisors_and_admins_read_it(new_api) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    await Order.filter(id=order.id).update(created_at=at(3, 10))
    await day_counts.recount(Order._meta.db, "Asia/Shanghai")
    week = {"from": "2026-03-02", "to": "2026-03-08"}
    for role in (Role.SUPERVISOR, Role.ADMIN):
        reader = await login(new_api, await builders.user(role))
        assert (await reader.gql(BOARD, week))["dashboard"]["waitingForHandler"] == 0
    for someone in (p.applicant, p.handlers[0], p.auditor):
        refused = await login(new_api, someone)
        assert (await refused.gql(BOARD, week))["dashboard"] is None
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    without = await token_client(new_api, supervisor, ["orders:read"])
    body = (await without.post(BOARD, week)).json()
    assert codes(body) == ["FORBIDDEN_SCOPE"]
    assert "dashboard:read" in body["errors"][0]["message"], body
    # The ratings are the evaluations' figures: a token reads them with that domain's scope.
    scoped = await token_client(new_api, supervisor, ["dashboard:read"])
    body = (await scoped.post(BOARD, week)).json()
    assert codes(body) == ["FORBIDDEN_SCOPE"] and "evaluations:read" in body["errors"][0]["message"]
    plain = "query($from: Date!, $to: Date!) { dashboard(from: $from, to: $to) { opened } }"
    assert (await scoped.gql(plain, week))["dashboard"]["opened"] == 1
    both = await token_client(new_api, supervisor, ["dashboard:read", "evaluations:read"])
    assert (await both.gql(BOARD, week))["dashboard"]["ratings"] == []


async def test_a_range_backwards_or_beyond_a_year_is_refused(new_api) -> None:
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    for start, end in (("2026-03-08", "2026-03-02"), ("2025-03-01", "2026-03-02")):
        body = (await supervisor.post(BOARD, {"from": start, "to": end})).json()
        assert codes(body) == ["BAD_DATE_RANGE"], body
    body = (await supervisor.post(BOARD, {"from": "2026-02-30", "to": "2026-03-02"})).json()
    assert body["errors"] and body.get("data") is None
