"""The supervisor's list of orders waiting for a handler, and reassignment by form."""

from __future__ import annotations

import re
from typing import Any

from backend.models.accounts import Role, TeamMember
from backend.models.orders import Order, OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from tests import builders
from tests.conftest import Api
from tests.schema.helpers import global_id
from tests.schema.order_helpers import Park, login, open_order, park
from tests.web.helpers import submit

LIST = "/supervision/unassigned"


async def _waiting() -> tuple[Park, Order]:
    """Two handlers, both on leave when the order came: it waits for a handler."""
    p = await park(handlers=2)
    await TeamMember.filter(team=p.team).update(on_leave=True)
    order = await open_order(p)
    await TeamMember.filter(team=p.team, user=p.handlers[1]).update(on_leave=False)
    return p, order


async def _supervisor(new_api: Any) -> Api:
    return await login(new_api, await builders.user(Role.SUPERVISOR, "周主管"))


def _form(order: Order, **fields: str) -> dict[str, str]:
    return {
        "orderId": global_id("Order", order.id),
        "expectedVersion": str(order.version),
        "next": LIST,
        **fields,
    }


async def test_only_supervisors_and_admins_get_the_list(new_api: Any, api: Api) -> None:
    p, _ = await _waiting()
    for user in (p.handlers[0], p.applicant, p.auditor):
        other = await login(new_api, user)
        assert (await other.client.get(LIST)).status_code == 403
        assert "待分配</a>" not in (await other.client.get("/")).text
    anonymous = await api.client.get(LIST)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/supervision/unassigned"
    admin = await login(new_api, await builders.user(Role.ADMIN))
    assert (await admin.client.get(LIST)).status_code == 200


async def test_the_list_says_why_and_offers_the_team_s_handlers(new_api: Any) -> None:
    p, order = await _waiting()
    assigned = await open_order(p)  # handler 1 is back: this one is assigned
    no_team_item, no_team_version = await builders.published_item(None)
    application = await builders.approved_application(
        no_team_item, no_team_version, p.enterprise, p.applicant
    )
    async with in_transaction() as conn:
        orphan = await orders.open_order(
            conn, Actor(user_id=None), application, approved_by_id=None, timezone="Asia/Shanghai"
        )
    supervisor = await _supervisor(new_api)
    response = await supervisor.client.get(LIST)
    html = response.text
    assert response.status_code == 200
    assert 'aria-current="page">待分配</a>' in html
    numbers = re.findall(r'<h2><a href="/orders/(SH-[0-9-]+)"', html)
    assert numbers == [order.number, orphan.number]  # oldest first, the assigned one left out
    assert assigned.number not in numbers
    assert "团队中没有可接单的办理人员" in html
    assert "该服务事项没有负责的团队" in html
    on_leave = global_id("User", p.handlers[0].id)
    at_work = global_id("User", p.handlers[1].id)
    assert f'<option value="{on_leave}" disabled>{p.handlers[0].name} (休假中)</option>' in html
    assert f'<option value="{at_work}">{p.handlers[1].name}</option>' in html
    assert "2 个工单等待分配" in html


async def test_manual_reassignment_needs_a_reason(new_api: Any) -> None:
    p, order = await _waiting()
    supervisor = await _supervisor(new_api)
    at_work = global_id("User", p.handlers[1].id)
    key = order.number.replace("-", "_")
    refused = await submit(
        supervisor,
        f"/orders/{order.number}/assign",
        _form(order, handlerId=at_work, action="manual"),
    )
    assert refused.status_code == 422
    assert f'id="reason-{key}-error"' in refused.text
    assert "请说明将工单指派给该办理人员的理由。" in refused.text
    assert f'<option value="{at_work}" selected>' in refused.text
    done = await submit(
        supervisor,
        f"/orders/{order.number}/assign",
        _form(order, handlerId=at_work, reason="熟悉该企业", action="manual"),
    )
    assert done.status_code == 303 and done.headers["location"] == LIST
    after = await supervisor.client.get(LIST)
    assert "工单已改派" in after.text and order.number not in after.text
    await order.refresh_from_db()
    assert order.status is OrderStatus.ASSIGNED
    assert order.assignee_id == p.handlers[1].id  # type: ignore[attr-defined]
    page = (await supervisor.client.get(f"/orders/{order.number}")).text
    assert "主管改派" in page and "熟悉该企业" in page and "由 周主管 指定" in page


async def test_choosing_nobody_is_explained_at_the_field(new_api: Any) -> None:
    _, order = await _waiting()
    supervisor = await _supervisor(new_api)
    key = order.number.replace("-", "_")
    response = await submit(
        supervisor, f"/orders/{order.number}/assign", _form(order, reason="试试", action="manual")
    )
    assert response.status_code == 422
    assert f'id="handler-{key}-error"' in response.text and "请选择办理人员。" in response.text
    assert 'value="试试"' in response.text


async def test_a_handler_on_leave_is_refused_at_the_field(new_api: Any) -> None:
    p, order = await _waiting()
    supervisor = await _supervisor(new_api)
    key = order.number.replace("-", "_")
    response = await submit(
        supervisor,
        f"/orders/{order.number}/assign",
        _form(order, handlerId=global_id("User", p.handlers[0].id), reason="急", action="manual"),
    )
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="handler-{key}-error">([^<]+)</p>', response.text)
    assert error and "休假" in error.group(1)
    await order.refresh_from_db()
    assert order.status is OrderStatus.PENDING_ASSIGNMENT


async def test_automatic_assignment(new_api: Any) -> None:
    p, order = await _waiting()
    supervisor = await _supervisor(new_api)
    done = await submit(supervisor, f"/orders/{order.number}/assign", _form(order, action="auto"))
    assert done.status_code == 303
    assert "工单已自动分配" in (await supervisor.client.get(LIST)).text
    await order.refresh_from_db()
    assert order.assignee_id == p.handlers[1].id  # type: ignore[attr-defined]


async def test_automatic_assignment_with_nobody_available_says_so(new_api: Any) -> None:
    p, order = await _waiting()
    await TeamMember.filter(team=p.team).update(on_leave=True)
    supervisor = await _supervisor(new_api)
    done = await submit(supervisor, f"/orders/{order.number}/assign", _form(order, action="auto"))
    assert done.status_code == 303
    html = (await supervisor.client.get(LIST)).text
    assert "仍无法选出办理人员" in html and order.number in html


async def test_a_stale_version_shows_a_clear_message(new_api: Any) -> None:
    p, order = await _waiting()
    supervisor = await _supervisor(new_api)
    form = _form(
        order, handlerId=global_id("User", p.handlers[1].id), reason="熟悉", action="manual"
    )
    await Order.filter(id=order.id).update(version=order.version + 1)
    response = await submit(supervisor, f"/orders/{order.number}/assign", form)
    assert response.status_code == 422
    alert = re.search(r'<div class="alert" role="alert">(.*?)</div>', response.text, re.S)
    assert alert and "在此期间已有他人修改了此内容" in alert.group(1)
    assert "请刷新后重试" in alert.group(1)


async def test_an_assigned_order_is_reassigned_from_its_page(new_api: Any) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    assert order.assignee_id == p.handlers[0].id  # type: ignore[attr-defined]
    supervisor = await _supervisor(new_api)
    page = (await supervisor.client.get(f"/orders/{order.number}")).text
    assert f'action="/orders/{order.number}/assign"' in page
    other = global_id("User", p.handlers[1].id)
    form = _form(order, handlerId=other, reason="", action="manual", next=f"/orders/{order.number}")
    refused = await submit(supervisor, f"/orders/{order.number}/assign", form)
    assert refused.status_code == 422 and "<h1>工单 " in refused.text
    assert 'id="reason-' in refused.text
    form["reason"] = "原办理员出差"
    done = await submit(supervisor, f"/orders/{order.number}/assign", form)
    assert done.headers["location"] == f"/orders/{order.number}"
    after = (await supervisor.client.get(f"/orders/{order.number}")).text
    assert "工单已改派" in after and "原办理员出差" in after
    await order.refresh_from_db()
    assert order.assignee_id == p.handlers[1].id  # type: ignore[attr-defined]


async def test_handlers_cannot_post_the_form(new_api: Any) -> None:
    p, order = await _waiting()
    handler = await login(new_api, p.handlers[1])
    form = _form(
        order, handlerId=global_id("User", p.handlers[1].id), reason="我来", action="manual"
    )
    response = await submit(handler, f"/orders/{order.number}/assign", form)
    assert response.status_code == 403
