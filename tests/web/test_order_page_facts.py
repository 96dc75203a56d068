"""The order page and the queue on the schema's facts: htmx on top of the plain forms (the page
answered at once and its <main> swapped; without JS the same POST redirects), "waiting for you"
to the applicant (`viewerSide`), each owed material's own `viewerCan` and `isPastDeadline`, and
the queue's overdue / due-soon filter and marks."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.orders import time_limits
from tests import builders
from tests.schema.conversation_helpers import cast
from tests.schema.enterprise_helpers import storage_app
from tests.schema.order_helpers import login, open_order, park
from tests.schema.test_orders_owed import FORM
from tests.services.orders.helpers import TZ, at, end_of
from tests.web.helpers import submit

HTMX = {"HX-Request": "true"}


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def _htmx_post(api: Any, path: str, fields: dict[str, Any]) -> Any:
    await api.prime()
    return await api.client.post(
        path,
        data={**fields, "csrf_token": api.csrf()},
        headers={**HTMX, "X-CSRF-Token": api.csrf()},
    )


async def test_htmx_swaps_the_page_in_place_and_the_plain_form_still_redirects(
    new_api: Any,
) -> None:
    c = await cast(new_api)
    number = c.order.number
    page = (await c["assignee"].client.get(f"/orders/{number}")).text
    accept = re.search(rf'<form method="post" action="/orders/{number}/accept"[^>]*>', page)
    assert accept is not None
    # The plain form, with htmx on top: the same address, the page's <main> swapped.
    assert f'hx-post="/orders/{number}/accept"' in accept.group(0)
    assert 'hx-target="#main" hx-select="#main" hx-swap="outerHTML"' in accept.group(0)
    assert 'hx-disable="find button"' in accept.group(0)
    assert "正在提交…" in page  # shown while the form is sent

    # A problem: 422 with the page, the message at its field (htmx 4 swaps 4xx answers).
    refused = await _htmx_post(
        c["assignee"], f"/orders/{number}/decline", {"expectedVersion": "1", "reason": ""}
    )
    assert refused.status_code == 422
    assert '<main id="main"' in refused.text and 'id="decline-reason-error"' in refused.text

    version = str((await Order.get(id=c.order.id)).version)
    done = await _htmx_post(c["assignee"], f"/orders/{number}/accept", {"expectedVersion": version})
    assert done.status_code == 200  # no redirect for htmx: the page itself
    assert '<main id="main"' in done.text
    assert '<p class="flash" role="status">您已接单。</p>' in done.text
    # The swapped page carries the next steps with the new version.
    assert f'action="/orders/{number}/complete?' in done.text
    assert f'name="expectedVersion" value="{int(version) + 1}"' in done.text
    assert (await Order.get(id=c.order.id)).status == OrderStatus.IN_PROGRESS

    # Without JS the same form posts and comes back by redirect.
    plain = await submit(
        c["assignee"],
        f"/orders/{number}/ask",
        {"expectedVersion": str(int(version) + 1), "question": "请提供租赁合同"},
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/orders/{number}#asked"


async def test_waiting_for_you_is_said_to_the_applicant_only(new_api: Any) -> None:
    c = await cast(new_api)
    number = c.order.number
    version = (await Order.get(id=c.order.id)).version
    assert (
        await submit(c["assignee"], f"/orders/{number}/accept", {"expectedVersion": str(version)})
    ).status_code == 303
    asked = await submit(
        c["assignee"],
        f"/orders/{number}/ask",
        {"expectedVersion": str(version + 1), "question": "请提供租赁合同"},
    )
    assert asked.status_code == 303
    mine = (await c["applicant"].client.get(f"/orders/{number}")).text
    assert "经办人正在等待您的答复" in mine
    assert "正在等待您答复：已暂停 0 个工作日" in mine
    theirs = (await c["assignee"].client.get(f"/orders/{number}")).text
    assert "经办人正在等待您的答复" not in theirs and "等待您答复" not in theirs
    assert "等待申请人" in theirs


async def test_each_owed_material_shows_the_forms_its_own_flags_allow(new_api: Any) -> None:
    c = await cast(new_api, form=FORM)
    today = clock.now().date()
    made = {
        "report": OwedStatus.OUTSTANDING,
        "audit": OwedStatus.SUPPLIED,
        "permit": OwedStatus.ACCEPTED,
    }
    for kind, status in made.items():
        await OwedMaterial.create(
            application_id=c.order.application_id,
            kind=kind,
            status=status,
            # The outstanding one is past its day; the others are not owed any more.
            due_on=today - timedelta(days=3),
        )
    number = c.order.number
    mine = (await c["applicant"].client.get(f"/orders/{number}")).text
    assert mine.count(f'action="/orders/{number}/supply?') == 1  # only the one still owed
    assert mine.count("已逾期") == 1  # past its deadline: the outstanding one alone
    assert f'action="/orders/{number}/review"' not in mine
    theirs = (await c["assignee"].client.get(f"/orders/{number}")).text
    assert theirs.count(f'action="/orders/{number}/review"') == 1  # the supplied one
    assert f'action="/orders/{number}/supply?' not in theirs


async def test_the_queue_filters_and_marks_overdue_and_due_soon(new_api: Any) -> None:
    p = await park(handlers=1)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "钱主管"))
    shaped = {}
    for name, due in (
        ("late", end_of("2027-03-03")),
        ("soon", end_of("2027-03-09")),
        ("later", end_of("2027-03-19")),
    ):
        order = await open_order(p)
        await Order.filter(id=order.id).update(
            due_at=due, due_soon_at=await time_limits.due_soon_at(due, TZ)
        )
        shaped[name] = order.number
    with clock.moved_to(at("2027-03-08", 10)):  # Monday: Tuesday's order is due soon

        async def listed(**params: str) -> str:
            response = await supervisor.client.get("/orders", params=params)
            assert response.status_code == 200
            return response.text

        page = await listed()
        assert '<select id="due" name="due">' in page
        assert "即将到期" in page and "已超期" in page
        overdue = await listed(due="overdue")
        assert shaped["late"] in overdue and shaped["soon"] not in overdue
        assert '<option value="overdue" selected>' in overdue
        soon = await listed(due="soon")
        assert shaped["soon"] in soon
        assert shaped["late"] not in soon and shaped["later"] not in soon
        mine = (await supervisor.client.get(f"/orders/{shaped['soon']}")).text
        assert '<strong class="due-soon-mark">即将到期</strong>' in mine


async def test_the_application_page_marks_its_order_overdue(new_api: Any) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    application = await order.application  # type: ignore[attr-defined]
    applicant = await login(new_api, p.applicant)
    page = (await applicant.client.get(f"/applications/{application.number}")).text
    assert f'href="/orders/{order.number}"' in page and "已超期" not in page
    await Order.filter(id=order.id).update(due_at=end_of("2026-01-05"))
    page = (await applicant.client.get(f"/applications/{application.number}")).text
    assert "已超期" in page
