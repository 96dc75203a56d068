"""The cockpit page: for supervisors and admins, in Chinese and English, each chart's bars
linking to the filtered order list behind them, which then lists exactly those orders."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from backend.models.accounts import Role, TeamMember
from backend.models.orders import Order, OrderStatus
from backend.services.dashboard.figures import MAX_DAYS
from backend.services.orders import day_counts
from tests import builders
from tests.conftest import Api
from tests.schema.order_helpers import Park, login, open_order, park
from web.pages import dashboard as page

PARK = ZoneInfo("Asia/Shanghai")


async def _park() -> Park:
    """Three orders opened today: one completed (2 working days), one overdue in progress,
    one waiting for a handler."""
    p = await park(handlers=2)
    await TeamMember.filter(team=p.team, user=p.handlers[0]).update(max_open_orders=4)
    now = datetime.now(PARK)
    done, late, waiting = [await open_order(p) for _ in range(3)]
    await Order.filter(id=done.id).update(
        status=OrderStatus.COMPLETED, completed_at=now, processing_days=2
    )
    await Order.filter(id=late.id).update(
        status=OrderStatus.IN_PROGRESS, assignee_id=p.handlers[0].id,
        due_at=now - timedelta(hours=1),
    )  # fmt: skip
    await Order.filter(id=waiting.id).update(
        status=OrderStatus.PENDING_ASSIGNMENT, assignee_id=None
    )
    # Completed by hand, around the cockpit's day counters: count them afresh.
    await day_counts.recount(Order._meta.db, "Asia/Shanghai")
    return p


def _links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/orders\?[^"]*)"', html)]


def _numbers(html: str) -> set[str]:
    return set(re.findall(r'href="/orders/(SH-[0-9-]+)"', html))


async def test_the_page_draws_every_figure_and_links_to_the_orders_behind_it(
    new_api: Any,
) -> None:
    p = await _park()
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "周主管"))
    response = await supervisor.client.get("/dashboard")
    assert response.status_code == 200
    html = response.text
    assert "驾驶舱" in html  # the title, in Chinese by default
    for section in ("attention", "statuses", "days", "processing", "teams", "handlers", "ratings"):
        assert f'id="cockpit-{section}"' in html
    assert "<script" not in html.split("</head>")[1]  # charts need no script
    assert "style=" not in html
    links = _links(html)
    [done, late, waiting] = p.orders
    expected = {
        "/orders?due=overdue": {late.number},
        "/orders?waiting=1": {waiting.number},
        f"/orders?handler={_gid('User', p.handlers[0].id)}&open=1": {late.number},
    }
    for link, numbers in expected.items():
        assert link in links, (link, links)
        assert _numbers((await supervisor.client.get(link)).text) == numbers, link
    # Completed today: the day's completed bar, and the processing time's bars.
    today = datetime.now(PARK).date().isoformat()
    completed = f"/orders?done_from={today}&done_to={today}"
    assert completed in links
    assert _numbers((await supervisor.client.get(completed)).text) == {done.number}
    opened = f"/orders?from={today}&to={today}"
    assert _numbers((await supervisor.client.get(opened)).text) == set(o.number for o in p.orders)
    team_link = next(link for link in links if link.startswith("/orders?team="))
    assert _numbers((await supervisor.client.get(team_link)).text) == {late.number, waiting.number}
    # English, on the reader's choice.
    supervisor.client.cookies.set("sh_lang", "en")
    english = (await supervisor.client.get("/dashboard")).text
    assert "Cockpit" in english and "Open orders per handler" in english


def _gid(type_name: str, pk: int) -> str:
    from tests.schema.helpers import global_id

    return global_id(type_name, pk)


async def test_only_supervisors_and_admins_open_it(new_api: Any, api: Api) -> None:
    p = await _park()
    for user in (p.handlers[0], p.applicant, p.auditor):
        other = await login(new_api, user)
        assert (await other.client.get("/dashboard")).status_code == 403
        assert 'href="/dashboard"' not in (await other.client.get("/")).text
    anonymous = await api.client.get("/dashboard")
    assert anonymous.status_code == 303
    admin = await login(new_api, await builders.user(Role.ADMIN))
    home = (await admin.client.get("/")).text
    assert 'href="/dashboard"' in home
    assert (await admin.client.get("/dashboard")).status_code == 200


async def test_a_wrong_range_is_said_next_to_the_field(new_api: Any) -> None:
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    html = (await supervisor.client.get("/dashboard?from=2026-03-08&to=2026-03-01")).text
    assert 'id="to-error"' in html and "最后一天早于第一天" in html
    html = (await supervisor.client.get("/dashboard?from=2020-01-01&to=2026-03-01")).text
    assert 'id="to-error"' in html
    html = (await supervisor.client.get("/dashboard?from=2026-02-30")).text
    assert 'id="from-error"' in html
    html = (await supervisor.client.get("/dashboard?from=2026-03-01&to=2026-03-07")).text
    assert html.count('class="bar opened"') == 7


def test_the_page_knows_the_api_s_longest_range() -> None:
    assert page.MAX_DAYS == MAX_DAYS


async def test_each_section_comes_alone_for_a_swap_by_its_id(new_api: Any) -> None:
    await _park()
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    for name in page.SECTIONS:
        response = await supervisor.client.get(f"/dashboard?section={name}&from=2026-03-01")
        assert response.status_code == 200
        html = response.text.strip()
        assert html.startswith('<section class="cockpit-card') and f'id="cockpit-{name}"' in html
        assert "<html" not in html and html.count("<section") == 1
    # An unknown section is the whole page.
    whole = await supervisor.client.get("/dashboard?section=nothing")
    assert all(f'id="cockpit-{name}"' in whole.text for name in page.SECTIONS)


async def test_the_queue_takes_several_statuses_as_ticked_boxes(new_api: Any) -> None:
    p = await _park()
    [done, late, waiting] = p.orders
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    html = (await supervisor.client.get("/orders?status=COMPLETED&status=PENDING_ASSIGNMENT")).text
    assert _numbers(html) == {done.number, waiting.number}
    assert 'type="checkbox" name="status" value="COMPLETED" checked' in html
    assert 'type="checkbox" name="status" value="IN_PROGRESS">' in html
    assert '<select id="status"' not in html
    one = (await supervisor.client.get("/orders?status=IN_PROGRESS")).text
    assert _numbers(one) == {late.number} and '<select id="status"' in one
