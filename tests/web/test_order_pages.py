"""The order queue (a handler's, and everyone's for supervisors) and one order's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.models.accounts import Role
from backend.models.orders import Order, OrderStatus
from tests import builders
from tests.conftest import QueryCounter
from tests.schema.helpers import global_id
from tests.schema.order_helpers import Park, login, open_order, park

HTMX = {"HX-Request": "true"}


def _numbers(html: str) -> set[str]:
    return set(re.findall(r'href="/orders/(SH-[0-9-]+)"', html))


async def _world() -> tuple[Park, list[Order]]:
    """Two handlers; handler 0 holds orders 0 and 2 (星河, 事项), handler 1 holds order 1."""
    p = await park(handlers=2)
    made = [await open_order(p), await open_order(p, other=True), await open_order(p)]
    return p, made


async def test_a_handler_sees_only_their_orders_with_every_column(new_api: Any) -> None:
    p, made = await _world()
    handler = await login(new_api, p.handlers[0])
    response = await handler.client.get("/orders")
    assert response.status_code == 200
    html = response.text
    assert _numbers(html) == {made[0].number, made[2].number}
    assert "<h1>我的工单</h1>" in html
    assert 'href="/orders" aria-current="page">我的工单</a>' in html
    for heading in ("工单号", "服务类型", "申请人", "企业", "办理时间", "审核员", "状态"):
        assert f'<th scope="col">{heading}</th>' in html
    assert p.applicant.name in html and p.enterprise.name in html
    assert p.item.name_zh in html and p.auditor.name in html
    assert "已分配" in html  # the status, translated
    assert "创建" in html and "到期" in html and "<time datetime=" in html
    assert "待分配" not in html.split("<main")[0]  # no supervision link for a handler


async def test_instant_approval_overdue_and_status_labels(new_api: Any) -> None:
    p = await park(handlers=1)
    instant = await open_order(p, audited=False)
    await Order.filter(id=instant.id).update(due_at=datetime.now(UTC) - timedelta(hours=1))
    handler = await login(new_api, p.handlers[0])
    html = (await handler.client.get("/orders")).text
    assert "即时审批" in html
    assert 'class="overdue"' in html and "已超期" in html
    assert "已超期：办理时限已过" in (await handler.client.get(f"/orders/{instant.number}")).text


async def test_supervisors_and_auditors_see_every_order(new_api: Any) -> None:
    p, made = await _world()
    for role in (Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN):
        viewer = await login(new_api, await builders.user(role))
        html = (await viewer.client.get("/orders")).text
        assert _numbers(html) == {o.number for o in made}
        assert "<h1>工单</h1>" in html
        assert f"办理员: {p.handlers[1].name}" in html


async def test_applicants_get_no_queue_and_anonymous_visitors_sign_in(new_api: Any, api) -> None:
    p, _ = await _world()
    applicant = await login(new_api, p.applicant)
    assert (await applicant.client.get("/orders")).status_code == 403
    response = await api.client.get("/orders?status=ASSIGNED")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/orders%3Fstatus%3DASSIGNED"


async def test_filters_as_full_pages_and_as_htmx_fragments(new_api: Any) -> None:
    p, made = await _world()
    waiting = await open_order(p)  # goes to handler 1, the least loaded
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    category = global_id("Category", p.other_item.category_id)  # type: ignore[attr-defined]
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({"q": "星河"}, {made[0].number, made[2].number, waiting.number}),
        ({"q": "公寓"}, {made[1].number}),
        ({"q": made[2].number.lower()}, {made[2].number}),
        ({"category": category}, {made[1].number}),
        ({"status": "ASSIGNED", "q": "星河"}, {made[0].number, made[2].number, waiting.number}),
        ({"status": "COMPLETED"}, set()),
    ]
    for params, expected in cases:
        full = await supervisor.client.get("/orders", params=params)
        assert full.status_code == 200
        assert "<html" in full.text and 'id="order-results"' in full.text
        assert _numbers(full.text) == expected, params
        fragment = await supervisor.client.get("/orders", params=params, headers=HTMX)
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert fragment.text.lstrip().startswith('<section id="order-results"')
        assert _numbers(fragment.text) == expected, params
    # The form keeps what was chosen.
    page = (await supervisor.client.get("/orders", params={"q": "公寓", "status": "ASSIGNED"})).text
    assert 'value="公寓"' in page and '<option value="ASSIGNED" selected>' in page
    assert f'<option value="{category}"' in page
    assert (
        "没有符合筛选条件的工单"
        in (await supervisor.client.get("/orders", params={"status": "CANCELLED"})).text
    )


async def test_the_date_range_is_in_park_days(new_api: Any) -> None:
    _, made = await _world()
    # 2026-03-01 23:30 in the park is 15:30 UTC the same day.
    await Order.filter(id=made[1].id).update(created_at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def between(start: str, end: str, **headers: str) -> set[str]:
        params = {k: v for k, v in (("from", start), ("to", end)) if v}
        return _numbers(
            (await supervisor.client.get("/orders", params=params, headers=headers)).text
        )

    assert await between("2026-03-01", "2026-03-01") == {made[1].number}
    assert await between("2026-03-02", "") == {made[0].number, made[2].number}
    assert await between("", "2026-02-28") == set()
    assert await between("2026-03-01", "2026-03-01", **HTMX) == {made[1].number}
    wrong = await supervisor.client.get("/orders", params={"from": "2026-13-01"})
    assert 'id="from-error"' in wrong.text and "2026-11-25" in wrong.text


async def test_paging_keeps_the_filters(new_api: Any) -> None:
    p = await park(handlers=1)
    for _ in range(21):
        await open_order(p)
    await open_order(p, other=True)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    first = await supervisor.client.get("/orders", params={"q": "星河", "sort": "CREATED_AT_ASC"})
    assert len(_numbers(first.text)) == 20
    found = re.search(r'href="(/orders\?[^"]+)" rel="next"', first.text)
    assert found
    more = found.group(1).replace("&amp;", "&")
    assert "q=%E6%98%9F%E6%B2%B3" in more and "sort=CREATED_AT_ASC" in more and "after=" in more
    second = await supervisor.client.get(more)
    assert _numbers(second.text) == {p.orders[20].number}
    assert 'rel="next"' not in second.text
    fragment = await supervisor.client.get(more, headers=HTMX)
    assert _numbers(fragment.text) == {p.orders[20].number}


async def test_the_queue_costs_the_same_statements_for_2_and_20_orders(
    new_api: Any, sql_counter: QueryCounter
) -> None:
    p = await park(handlers=2)
    for _ in range(2):
        await open_order(p)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    await supervisor.client.get("/orders")
    sql_counter.reset()
    assert len(_numbers((await supervisor.client.get("/orders")).text)) == 2
    few = sql_counter.count
    for _ in range(18):
        await open_order(p, other=True)
    sql_counter.reset()
    assert len(_numbers((await supervisor.client.get("/orders")).text)) == 20
    assert sql_counter.count == few


async def test_the_order_page_shows_the_timeline_and_the_facts(new_api: Any) -> None:
    p, made = await _world()
    handler = await login(new_api, p.handlers[0])
    response = await handler.client.get(f"/orders/{made[0].number}")
    assert response.status_code == 200
    html = response.text
    assert f"工单 {made[0].number}" in html
    assert "生成工单" in html and "自动分配" in html  # the two events, translated
    # Both are the system's steps, not the approving auditor's.
    assert html.count("· 系统") == 2
    assert "待分配 → 已分配" in html
    assert p.team.name in html and "5 个工作日" in html
    application = await made[0].application
    assert application.number in html
    assert "分配依据" not in html  # only supervisors and admins see why


async def test_the_applicant_sees_the_order_without_the_assignment_reason(new_api: Any) -> None:
    p, made = await _world()
    applicant = await login(new_api, p.applicant)
    html = (await applicant.client.get(f"/orders/{made[0].number}")).text
    assert "办理记录" in html and "生成工单" in html
    assert "分配依据" not in html and "在办工单" not in html
    assert "改派" not in html
    assert 'href="/orders"' not in html  # no link to a queue the applicant may not open


async def test_a_supervisor_sees_why_and_may_reassign(new_api: Any) -> None:
    p, made = await _world()
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    html = (await supervisor.client.get(f"/orders/{made[2].number}")).text
    assert "分配依据" in html
    assert "在可接单的办理人员中选择在办工单最少的一位" in html
    assert "分配时可接单的办理人员" in html
    for handler in p.handlers:
        assert handler.name in html
    assert 'class="chosen"' in html and "已选中" in html
    assert f'action="/orders/{made[2].number}/assign"' in html


async def test_the_reassignment_form_offers_what_the_order_s_viewer_can_allows(
    new_api: Any,
) -> None:
    p, made = await _world()
    started, finished = made[0], made[1]
    await Order.filter(id=started.id).update(status=OrderStatus.IN_PROGRESS)
    await Order.filter(id=finished.id).update(status=OrderStatus.COMPLETED)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    assigned = (await supervisor.client.get(f"/orders/{made[2].number}")).text
    assert 'value="manual"' in assigned and 'value="auto"' in assigned
    # Work has started: a named handler still, the automatic choice no more.
    working = (await supervisor.client.get(f"/orders/{started.number}")).text
    assert 'value="manual"' in working and 'value="auto"' not in working
    done = (await supervisor.client.get(f"/orders/{finished.number}")).text
    assert f'action="/orders/{finished.number}/assign"' not in done
    holder = await login(new_api, p.handlers[0])
    own = (await holder.client.get(f"/orders/{made[2].number}")).text
    assert f'action="/orders/{made[2].number}/assign"' not in own


async def test_unknown_or_invisible_orders_are_not_found(new_api: Any) -> None:
    p, made = await _world()
    handler = await login(new_api, p.handlers[1])
    assert (await handler.client.get("/orders/SH-20000101-0001")).status_code == 404
    assert (await handler.client.get(f"/orders/{made[0].number}")).status_code == 404
    other = await login(new_api, p.other_applicant)
    missing = await other.client.get(f"/orders/{made[0].number}")
    assert missing.status_code == 404 and "页面不存在" in missing.text


async def test_the_applicant_reads_progress_on_the_page_and_never_internal_notes(
    new_api: Any,
) -> None:
    p, made = await _world()
    order = made[0]
    handler = await login(new_api, p.handlers[0])
    for kind, body in (("PROGRESS", "材料已审核，下周出证"), ("INTERNAL", "企业曾有处罚记录")):
        posted = await handler.gql(
            """mutation($input: PostOrderUpdateInput!) { postOrderUpdate(input: $input) {
                userErrors { code } } }""",
            {"input": {"orderId": global_id("Order", order.id), "kind": kind, "body": body}},
        )
        assert posted["postOrderUpdate"]["userErrors"] == []
    applicant = await login(new_api, p.applicant)
    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "办理进度" in mine and "材料已审核，下周出证" in mine
    assert "内部备注" not in mine and "企业曾有处罚记录" not in mine
    staff = (await handler.client.get(f"/orders/{order.number}")).text
    assert "内部备注（仅园区工作人员可见）" in staff and "企业曾有处罚记录" in staff
