"""The appointment pages as plain forms (no JavaScript): the admin's plan and slots, booking
and cancelling on the order's page, the handler's day list; problems beside the form."""

from __future__ import annotations

import re
from typing import Any

from backend.models.accounts import Role
from backend.models.applications import Application, ApplicationStatus
from backend.models.appointments import AppointmentSlot
from backend.services.appointments import plans
from tests import builders
from tests.conftest import PASSWORD, Api
from tests.schema.helpers import global_id
from tests.services.appointments.helpers import ADMIN, TZ, orders_of, plan_input, world
from tests.web.helpers import sign_in_by_form, submit


async def _signed_in(new_api: Any, user: Any) -> Api:
    client: Api = new_api()
    assert (await sign_in_by_form(client, user.email, PASSWORD)).status_code == 303
    return client


async def test_the_admin_sets_a_plan_problems_by_window_then_closes_a_slot(new_api: Any) -> None:
    w = await world()
    admin = await _signed_in(new_api, await builders.user(Role.ADMIN, "管理员"))
    item = global_id("ServiceItem", w.item.id)
    base = f"/admin/catalog/items/{item}/appointments"
    page = await admin.client.get(base)
    assert page.status_code == 200 and "预约计划" in page.text
    editor = await admin.client.get(f"/admin/catalog/items/{item}/edit")
    assert f'href="{base}"' in editor.text

    bad = {
        "rows": "3", "windows.0.start": "9:30", "windows.0.end": "10:00", "windows.0.quota": "5",
        "windows.1.start": "11:00", "windows.1.end": "10:00", "windows.1.quota": "5",
        "daysAhead": "7", "locationZh": "大厅", "weekdays": ["1", "3"],
    }  # fmt: skip
    refused = await submit(admin, f"{base}/plan", bad)
    assert refused.status_code == 422
    assert "请按 时:分 填写时间" in refused.text and "结束时间必须晚于开始时间" in refused.text
    # What was typed is kept, and each problem sits in its window's row.
    assert 'name="windows.0.start" value="9:30"' in refused.text
    assert re.search(r'name="windows.1.end" value="10:00"[^>]*aria-invalid="true"', refused.text)
    assert re.search(r'value="3" checked', refused.text)

    good = {**bad, "windows.0.start": "09:30", "windows.1.end": "11:30"}
    saved = await submit(admin, f"{base}/plan", good)
    assert saved.status_code == 303, saved.text
    page = await admin.client.get(base)
    assert "已约 0 / 名额 5" in page.text
    slot = await AppointmentSlot.filter(item_id=w.item.id).order_by("day", "start").first()
    assert slot is not None
    slot_id = global_id("AppointmentSlot", slot.id)
    wrong = await submit(admin, f"{base}/slot", {"slotId": slot_id, "quota": "abc"})
    assert wrong.status_code == 422 and "名额须为 0 到 999 之间的整数" in wrong.text
    closed = await submit(admin, f"{base}/slot", {"slotId": slot_id, "open": "false"})
    assert closed.status_code == 303
    assert not (await AppointmentSlot.get(id=slot.id)).is_open

    # Not for applicants.
    applicant = await _signed_in(new_api, w.applicant)
    assert (await applicant.client.get(base)).status_code == 403


async def test_the_applicant_books_and_cancels_with_plain_forms(new_api: Any) -> None:
    w = await world()
    (order,) = await orders_of(w, 1)
    await plans.set_plan(ADMIN, w.item.id, plan_input(quota=1), timezone=TZ)
    slots = await AppointmentSlot.filter(item_id=w.item.id).order_by("day", "start").limit(2)
    applicant = await _signed_in(new_api, w.applicant)
    page = await applicant.client.get(f"/orders/{order.number}")
    assert "预约该时段" in page.text and "剩余 1 个" in page.text

    none = await submit(applicant, f"/orders/{order.number}/appointment/book", {})
    assert none.status_code == 422 and "请选择一个时段" in none.text
    first = global_id("AppointmentSlot", slots[0].id)
    booked = await submit(applicant, f"/orders/{order.number}/appointment/book", {"slotId": first})
    assert booked.status_code == 303
    page = await applicant.client.get(booked.headers["location"])
    start = slots[0].start.replace(":", "")
    assert f'id="queue-number">{start}-01<' in page.text
    assert "取消预约" in page.text and "预约该时段" not in page.text

    # Another order of the same enterprise finds the slot full, said beside the form.
    (other,) = await orders_of(w, 1)
    full = await submit(applicant, f"/orders/{other.number}/appointment/book", {"slotId": first})
    assert full.status_code == 422 and "该时段已约满" in full.text

    appointment_id = re.search(r'name="appointmentId" value="([^"]+)"', page.text)
    assert appointment_id
    cancelled = await submit(
        applicant,
        f"/orders/{order.number}/appointment/cancel",
        {"appointmentId": appointment_id.group(1)},
    )
    assert cancelled.status_code == 303
    page = await applicant.client.get(f"/orders/{order.number}")
    assert 'id="queue-number"' not in page.text and "预约该时段" in page.text

    # Someone else's order is the 404 page.
    stranger = await _signed_in(new_api, await builders.user(Role.APPLICANT, "路人"))
    lost = await submit(stranger, f"/orders/{order.number}/appointment/book", {"slotId": first})
    assert lost.status_code == 404


async def test_the_day_list_is_the_handlers_and_a_check_in_off_the_day_is_explained(
    new_api: Any,
) -> None:
    w = await world()
    (order,) = await orders_of(w, 1)
    await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
    slot = await AppointmentSlot.filter(item_id=w.item.id).order_by("day", "start").first()
    assert slot is not None
    applicant = await _signed_in(new_api, w.applicant)
    booked = await submit(
        applicant,
        f"/orders/{order.number}/appointment/book",
        {"slotId": global_id("AppointmentSlot", slot.id)},
    )
    assert booked.status_code == 303
    assert (await applicant.client.get("/appointments")).status_code == 403

    handler = await _signed_in(new_api, w.handler)
    day = await handler.client.get(f"/appointments?day={slot.day.isoformat()}")
    assert day.status_code == 200
    assert "共 1 人预约" in day.text and order.number in day.text and w.enterprise.name in day.text
    found = re.search(r'action="(/appointments/[^/"]+/check-in)"', day.text)
    assert found
    # The slot is tomorrow or later: checking in today is refused, with the reason.
    early = await submit(handler, found.group(1), {"day": slot.day.isoformat()})
    assert early.status_code == 422 and "只能在预约当天签到" in early.text
    assert "这一天没有人预约" in (await handler.client.get("/appointments?day=2020-01-01")).text
    queue = (await handler.client.get("/orders")).text
    assert 'href="/appointments"' in queue  # the handler's queue leads to the day


async def test_the_day_list_is_closed_to_those_who_may_not_read_it(new_api: Any) -> None:
    """An auditor opens the order queue but may not read the day's list (`appointmentDay`):
    the day page is refused and the queue does not lead to it, rather than an empty day."""
    await world()
    auditor = await _signed_in(new_api, await builders.user(Role.AUDITOR, "钱审核"))
    assert (await auditor.client.get("/orders")).status_code == 200
    assert 'href="/appointments"' not in (await auditor.client.get("/orders")).text
    assert (await auditor.client.get("/appointments")).status_code == 403
    refused = await submit(auditor, "/appointments/QXBwb2ludG1lbnQ6MQ==/check-in", {"day": ""})
    assert refused.status_code == 403
    me = await auditor.gql("{ me { can { orderQueue appointmentDay } } }")
    assert me["me"]["can"] == {"orderQueue": True, "appointmentDay": False}


async def test_an_application_under_review_is_booked_on_its_page_when_the_plan_asks(
    new_api: Any,
) -> None:
    w = await world()
    application = await builders.approved_application(w.item, w.version, w.enterprise, w.applicant)
    await Application.filter(id=application.id).update(status=ApplicationStatus.UNDER_REVIEW)
    await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
    applicant = await _signed_in(new_api, w.applicant)
    path = f"/applications/{application.number}"
    # The plan books for orders: the application's page offers nothing.
    assert "预约该时段" not in (await applicant.client.get(path)).text
    await plans.set_plan(ADMIN, w.item.id, plan_input(before_review=True), timezone=TZ)
    page = await applicant.client.get(path)
    assert "预约该时段" in page.text
    slot = await AppointmentSlot.filter(item_id=w.item.id).order_by("day", "start").first()
    assert slot is not None
    chosen = {"slotId": global_id("AppointmentSlot", slot.id)}
    booked = await submit(applicant, f"{path}/appointment/book", chosen)
    assert booked.status_code == 303 and booked.headers["location"] == f"{path}#appointment"
    page = await applicant.client.get(path)
    assert f'id="queue-number">{slot.start.replace(":", "")}-01<' in page.text
    again = await submit(applicant, f"{path}/appointment/book", chosen)
    assert again.status_code == 422 and "已有一个预约" in again.text
    # The API shows it beside the application too.
    data = await applicant.gql(
        "query($n: String!) { applicationByNumber(number: $n) { appointment { queueNumber } } }",
        {"n": application.number},
    )
    assert data["applicationByNumber"]["appointment"]["queueNumber"].endswith("-01")
    # The handlers of the item's category see it on the day's list, under the application.
    handler = await _signed_in(new_api, w.handler)
    day = await handler.client.get(f"/appointments?day={slot.day.isoformat()}")
    assert f'href="/applications/{application.number}"' in day.text
    _, (other,) = await builders.team_with_handlers(1, "办理二组")
    stranger = await _signed_in(new_api, other)
    day = await stranger.client.get(f"/appointments?day={slot.day.isoformat()}")
    assert application.number not in day.text
