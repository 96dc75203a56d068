"""Order lists and single orders: who sees which, the queue's columns, filters, paging, SQL."""

from __future__ import annotations

import pytest

from backend.models.accounts import Role, TeamMember
from backend.models.orders import OrderStatus
from tests import builders
from tests.schema.helpers import codes, global_id, token_client
from tests.schema.order_helpers import LIST, all_pages, login, open_order, park


def _numbers(nodes) -> list[str]:
    return [n["number"] for n in nodes]


@pytest.mark.postgres
async def test_each_role_sees_what_it_may(api, new_api) -> None:
    p = await park(handlers=2)
    mine = [await open_order(p) for _ in range(2)]  # one to each handler
    theirs = await open_order(p, other=True)
    everyone = {o.number for o in [*mine, theirs]}

    handler = await login(new_api, p.handlers[0])
    queue = (await handler.gql(LIST))["orders"]
    assert {e["node"]["number"] for e in queue["edges"]} == {
        o.number
        for o in p.orders
        if o.assignee_id == p.handlers[0].id  # type: ignore[attr-defined]
    }
    assert queue["totalCount"] == 2  # mine[0] and theirs went to handler 0 (least loaded, then id)

    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    assert set(_numbers(await all_pages(supervisor, {}))) == everyone
    admin = await login(new_api, await builders.user(Role.ADMIN))
    assert set(_numbers(await all_pages(admin, {}))) == everyone
    auditor = await login(new_api, p.auditor)
    assert set(_numbers(await all_pages(auditor, {}))) == everyone

    applicant = await login(new_api, p.applicant)
    assert set(_numbers(await all_pages(applicant, {}))) == {o.number for o in mine}
    outsider = await login(new_api, await builders.user(Role.APPLICANT))
    assert await all_pages(outsider, {}) == []
    assert (await api.gql(LIST))["orders"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


@pytest.mark.postgres
async def test_the_queue_shows_the_patents_columns(new_api) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    instant = await open_order(p, audited=False)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    nodes = await all_pages(supervisor, {"orderBy": "CREATED_AT_ASC"})
    first = nodes[0]
    assert first["number"] == order.number
    assert first["status"] == "ASSIGNED"
    assert first["serviceItem"]["name"] == p.item.name_zh
    assert first["serviceItem"]["categoryName"].startswith("类别")
    assert first["enterprise"]["name"] == p.enterprise.name
    assert first["applicant"]["name"] == "王申请"
    assert first["auditor"]["name"] == "赵审核"
    assert first["approvedInstantly"] is False
    assert first["assignee"] == {"id": global_id("User", p.handlers[0].id), "name": "办理员 0"}
    assert first["team"]["name"] == p.team.name
    assert first["provider"] is None
    assert first["createdAt"] and first["assignedAt"] and first["dueAt"]
    assert first["completedAt"] is None
    assert first["version"] == 2
    assert nodes[1]["number"] == instant.number and nodes[1]["auditor"] is None
    assert nodes[1]["approvedInstantly"] is True


@pytest.mark.postgres
async def test_single_orders_by_id_number_and_node_follow_the_same_rule(new_api) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    oid = global_id("Order", order.id)
    query = """query($id: ID!, $number: String!) { order(id: $id) { number }
        orderByNumber(number: $number) { id } node(id: $id) { ... on Order { number
          timeline { totalCount } } } }"""
    variables = {"id": oid, "number": order.number}
    for user in (p.applicant, p.handlers[0], p.auditor, await builders.user(Role.SUPERVISOR)):
        data = await (await login(new_api, user)).gql(query, variables)
        assert data == {
            "order": {"number": order.number},
            "orderByNumber": {"id": oid},
            "node": {"number": order.number, "timeline": {"totalCount": 2}},
        }
    other_handler = await builders.user(Role.HANDLER)
    for user in (p.other_applicant, other_handler, await builders.user(Role.APPLICANT)):
        data = await (await login(new_api, user)).gql(query, variables)
        assert data == {"order": None, "orderByNumber": None, "node": None}
    anonymous = new_api()
    assert await anonymous.gql(query, variables) == {
        "order": None,
        "orderByNumber": None,
        "node": None,
    }


@pytest.mark.postgres
async def test_handlers_see_their_teams_unassigned_orders_until_someone_takes_them(
    new_api,
) -> None:
    p = await park(handlers=2)
    await TeamMember.filter(team=p.team).update(on_leave=True)
    waiting = await open_order(p)
    assert waiting.status is OrderStatus.PENDING_ASSIGNMENT
    handler = await login(new_api, p.handlers[1])
    unassigned = await all_pages(handler, {"filter": {"unassigned": True}})
    assert _numbers(unassigned) == [waiting.number]
    stranger = await login(new_api, (await builders.team_with_handlers(1))[1][0])
    assert await all_pages(stranger, {}) == []


@pytest.mark.postgres
async def test_tokens_need_the_orders_scope(api, new_api) -> None:
    p = await park(handlers=1)
    await open_order(p)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    reader = await token_client(new_api, supervisor, ["orders:read"])
    assert (await reader.gql(LIST))["orders"]["totalCount"] == 1
    catalog_only = await token_client(new_api, supervisor, ["catalog:read"])
    body = (await catalog_only.post(LIST)).json()
    assert codes(body) == ["FORBIDDEN_SCOPE"]
    node = "query($id: ID!) { node(id: $id) { id } }"
    body = (await catalog_only.post(node, {"id": global_id("Order", p.orders[0].id)})).json()
    assert codes(body) == ["FORBIDDEN_SCOPE"]
