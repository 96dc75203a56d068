"""assignOrder: supervisors reassign by hand or rerun the automatic choice; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import MemberKind, Notification, Role, TeamMember
from backend.models.events import Event
from backend.models.orders import Order, OrderStatus
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.order_helpers import ASSIGN, login, open_order, park

TIMELINE = """query($id: ID!) { order(id: $id) { assignmentReason { rule }
    timeline(first: 10) { totalCount edges { cursor node {
      sequence kind fromStatus toStatus actor { id name } note at } } } } }"""


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def _assign(client, order: Order, **fields: Any) -> dict[str, Any]:
    stored = await Order.get(id=order.id)
    variables = {
        "orderId": global_id("Order", order.id),
        "expectedVersion": stored.version,
        **fields,
    }
    return (await client.gql(ASSIGN, {"input": variables}))["assignOrder"]


@pytest.mark.postgres
async def test_a_supervisor_gives_an_order_to_a_named_handler_with_a_reason(new_api) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    before = order.assignee_id  # type: ignore[attr-defined]
    target = next(h for h in p.handlers if h.id != before)
    supervisor_user = await builders.user(Role.SUPERVISOR, "钱主管")
    supervisor = await login(new_api, supervisor_user)

    moved = await _assign(
        supervisor, order, handlerId=global_id("User", target.id), reason="熟悉该企业"
    )
    assert moved["userErrors"] == []
    assert moved["order"]["assignee"]["id"] == global_id("User", target.id)
    assert moved["order"]["version"] == 3
    reason = moved["order"]["assignmentReason"]
    assert reason["rule"] == "CHOSEN_BY_SUPERVISOR"
    assert reason["note"] == "熟悉该企业"
    assert reason["chosen"] == {"id": global_id("User", target.id), "name": target.name}
    assert reason["decidedBy"] == {"name": "钱主管"}
    assert reason["eligible"][0]["load"] == 0
    kinds = await Notification.filter(kind__in=["ORDER_ASSIGNED", "ORDER_TAKEN_AWAY"]).values_list(
        "user_id", "kind"
    )
    assert (target.id, "ORDER_ASSIGNED") in kinds
    assert (before, "ORDER_TAKEN_AWAY") in kinds
    event = await Event.get(aggregate_type="order", aggregate_id=order.id, sequence=3)
    assert (event.kind, event.data["note"], event.actor_id) == (  # type: ignore[attr-defined]
        "ORDER_REASSIGNED",
        "熟悉该企业",
        supervisor_user.id,
    )


@pytest.mark.postgres
async def test_without_a_handler_the_automatic_choice_runs_again(new_api) -> None:
    p = await park(handlers=2)
    await TeamMember.filter(team=p.team).update(on_leave=True)
    waiting = await open_order(p)
    assert waiting.status is OrderStatus.PENDING_ASSIGNMENT
    await TeamMember.filter(team=p.team, user=p.handlers[1]).update(on_leave=False)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    listed = await supervisor.gql(
        "{ orders(filter: {unassigned: true}) { edges { node { number } } } }"
    )
    assert [e["node"]["number"] for e in listed["orders"]["edges"]] == [waiting.number]

    done = await _assign(supervisor, waiting, reason="人员已返岗")
    assert done["userErrors"] == []
    assert done["order"]["status"] == "ASSIGNED"
    assert done["order"]["assignee"]["id"] == global_id("User", p.handlers[1].id)
    assert done["order"]["assignmentReason"]["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert done["order"]["assignmentReason"]["note"] == "人员已返岗"

    # An assigned order is released, then chosen again: handler 0 is back and holds nothing.
    await TeamMember.filter(team=p.team).update(on_leave=False)
    await open_order(p)  # goes to handler 0 (never assigned)
    await open_order(p)  # each now holds one... this one goes to handler 1 (least recent)
    again = await _assign(supervisor, waiting)
    assert again["userErrors"] == []
    kinds = (
        await Event.filter(aggregate_type="order", aggregate_id=waiting.id)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == ["ORDER_OPENED", "ORDER_ASSIGNED", "ORDER_RELEASED", "ORDER_ASSIGNED"]


@pytest.mark.postgres
async def test_only_supervisors_and_admins_may_assign(new_api, api) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    target = global_id("User", p.handlers[1].id)
    for user in (p.handlers[0], p.applicant, p.auditor):
        refused = await _assign(await login(new_api, user), order, handlerId=target, reason="x")
        assert _codes(refused) == ["FORBIDDEN"] and refused["order"] is None
    assert _codes(await _assign(api, order, handlerId=target, reason="x")) == ["NOT_AUTHENTICATED"]
    admin = await login(new_api, await builders.user(Role.ADMIN))
    ok = await _assign(admin, order, handlerId=target, reason="管理员调整")
    assert ok["userErrors"] == []
    assert (await Order.get(id=order.id)).assignee_id == p.handlers[1].id  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_clear_errors_for_leave_strangers_missing_reasons_and_stale_versions(
    new_api,
) -> None:
    p = await park(handlers=2)
    order = await open_order(p)  # handler 0
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    await TeamMember.filter(team=p.team, user=p.handlers[1]).update(on_leave=True)
    on_leave = global_id("User", p.handlers[1].id)
    result = await _assign(supervisor, order, handlerId=on_leave, reason="试试")
    assert result["userErrors"] == [
        {
            "field": ["handlerId"],
            "code": "HANDLER_ON_LEAVE",
            "message": "该办理人员正在休假，请选择在岗人员。",
        }
    ]
    stranger = (await builders.team_with_handlers(1))[1][0]
    result = await _assign(supervisor, order, handlerId=global_id("User", stranger.id), reason="x")
    assert _codes(result) == ["NOT_A_HANDLER"] and result["userErrors"][0]["field"] == ["handlerId"]
    auditor_member = await builders.user(Role.AUDITOR)
    await TeamMember.create(team=p.team, user=auditor_member, kind=MemberKind.AUDITOR)
    result = await _assign(
        supervisor, order, handlerId=global_id("User", auditor_member.id), reason="x"
    )
    assert _codes(result) == ["NOT_A_HANDLER"]
    await TeamMember.filter(team=p.team).update(on_leave=False)
    result = await _assign(supervisor, order, handlerId=on_leave, reason="   ")
    assert _codes(result) == ["REASON_REQUIRED"] and result["userErrors"][0]["field"] == ["reason"]
    same = global_id("User", p.handlers[0].id)
    assert _codes(await _assign(supervisor, order, handlerId=same, reason="x")) == [
        "ALREADY_ASSIGNED"
    ]
    stale = {
        "orderId": global_id("Order", order.id),
        "handlerId": on_leave,
        "reason": "x",
        "expectedVersion": 1,
    }
    result = (await supervisor.gql(ASSIGN, {"input": stale}))["assignOrder"]
    assert _codes(result) == ["STALE"]
    unknown = {**stale, "orderId": global_id("Order", 999999), "expectedVersion": 2}
    assert _codes((await supervisor.gql(ASSIGN, {"input": unknown}))["assignOrder"]) == [
        "NOT_FOUND"
    ]
    stored = await Order.get(id=order.id)
    assert (stored.version, stored.assignee_id) == (2, p.handlers[0].id)  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_an_order_being_worked_on_or_forwarded_cannot_be_rechosen(new_api) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    await Order.filter(id=order.id).update(status=OrderStatus.WAITING_ON_APPLICANT)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    assert _codes(await _assign(supervisor, order)) == ["FORBIDDEN_TRANSITION"]
    target = global_id("User", p.handlers[1].id)
    assert _codes(await _assign(supervisor, order, handlerId=target, reason="x")) == [
        "FORBIDDEN_TRANSITION"
    ]


@pytest.mark.postgres
async def test_the_reason_is_for_supervisors_and_the_timeline_for_everyone_who_sees_it(
    new_api,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    oid = global_id("Order", order.id)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    seen = (await supervisor.gql(TIMELINE, {"id": oid}))["order"]
    assert seen["assignmentReason"] == {"rule": "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"}
    applicant = await login(new_api, p.applicant)
    mine = (await applicant.gql(TIMELINE, {"id": oid}))["order"]
    assert mine["assignmentReason"] is None
    handler = await login(new_api, p.handlers[0])
    assert (await handler.gql(TIMELINE, {"id": oid}))["order"]["assignmentReason"] is None
    timeline = mine["timeline"]
    assert timeline["totalCount"] == 2
    nodes = [e["node"] for e in timeline["edges"]]
    assert [(n["sequence"], n["kind"], n["fromStatus"], n["toStatus"]) for n in nodes] == [
        (1, "ORDER_OPENED", None, "PENDING_ASSIGNMENT"),
        (2, "ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED"),
    ]
    # Opening and the automatic choice are the system's steps, not the approving auditor's.
    assert [n["actor"] for n in nodes] == [None, None]
    page = """query($id: ID!, $after: String) { order(id: $id) {
        timeline(first: 1, after: $after) { pageInfo { hasNextPage endCursor }
          edges { node { kind } } } } }"""
    first = (await applicant.gql(page, {"id": oid}))["order"]["timeline"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    second = (await applicant.gql(page, {"id": oid, "after": after}))["order"]["timeline"]
    assert [e["node"]["kind"] for e in second["edges"]] == ["ORDER_ASSIGNED"]
    assert second["pageInfo"]["hasNextPage"] is False
