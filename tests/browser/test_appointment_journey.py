"""Appointments in a real browser, on the seeded demo: the applicant books a time for an order
on its page, sees the queue number beside the order number, cancels and books another (later
today); the handler opens the day's list and checks the person in. The admin's plan page is
shown too. Screenshots at 375 and 1280 px go to SERVICEHALL_PAGES_SHOTS_DIR (or a temp dir).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.schema.relay import encode_global_id as global_id
from tests.browser.test_order_queue import _sign_in
from tests.browser.test_shell import ADMIN_LOGIN, CHROMIUM, HANDLER_LOGIN, LAUNCH_ARGS, serve_demo

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("SERVICEHALL_PAGES_SHOTS_DIR", Path(tempfile.gettempdir()) / "pages-shots")
)
APPLICANT_LOGIN = "13800138000"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, str]]:
    workdir = tmp_path_factory.mktemp("browser-appointments")
    with serve_demo(workdir, "tests.browser.demo_appointments") as (base, printed):
        number, today_start, item_id = printed.split()
        yield base, number, today_start, item_id


def _shots(page: object, name: str) -> None:
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)  # type: ignore[attr-defined]
        # What a phone shows first, at its own size, to read the details.
        page.screenshot(path=str(SHOTS / f"{name}-{width}-top.png"))  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 375, "height": 900})  # type: ignore[attr-defined]


def test_book_see_the_number_cancel_book_another_and_check_in(
    demo: tuple[str, str, str, str],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, number, today_start, item_id = demo
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            applicant = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(applicant, server, APPLICANT_LOGIN, f"/orders/{number}")
            panel = applicant.locator("#appointment")
            expect(panel.get_by_role("heading", name="预约")).to_be_visible()
            expect(panel).to_contain_text("园区政务服务大厅 3 号窗口")
            # Nothing chosen: the problem is shown beside the form.
            panel.get_by_role("button", name="预约该时段").click()
            expect(applicant.locator("#appointment .error")).to_contain_text("请选择一个时段")
            _shots(applicant, "appointment-choose")

            # The first time of the next working day: 09:30 (later days fold away).
            applicant.get_by_text("更多日期").click()
            applicant.locator("#appointment label.slot", has_text="09:30–10:00").first.click()
            applicant.get_by_role("button", name="预约该时段").click()
            expect(applicant.locator(".flash")).to_contain_text("预约成功")
            expect(applicant.locator("#queue-number")).to_have_text("0930-01")
            expect(applicant.get_by_role("heading", name=f"工单 {number}")).to_be_visible()
            _shots(applicant, "appointment-booked")
            applicant.get_by_role("button", name="English").click()
            expect(applicant.locator("#appointment-heading")).to_have_text("Appointment")
            expect(applicant.locator(".queue-number")).to_contain_text("Queue number")
            _shots(applicant, "appointment-booked-en")
            applicant.get_by_role("button", name="中文").click()

            applicant.get_by_role("button", name="取消预约").click()
            expect(applicant.locator(".flash")).to_contain_text("预约已取消")
            expect(applicant.locator("#queue-number")).to_have_count(0)
            today = applicant.locator("#appointment label.slot", has_text=f"{today_start}–23:59")
            expect(today).to_contain_text("剩余 3 个")
            today.click()
            applicant.get_by_role("button", name="预约该时段").click()
            queue = today_start.replace(":", "") + "-01"
            expect(applicant.locator("#queue-number")).to_have_text(queue)
            expect(applicant.locator("#appointment")).to_contain_text("已预约")

            handler = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(handler, server, HANDLER_LOGIN, "/orders")
            handler.get_by_role("link", name="今日预约").click()
            entry = handler.locator(".appointment-day li", has_text=queue)
            expect(entry).to_contain_text(number)
            expect(entry).to_contain_text("已预约")
            _shots(handler, "appointment-day")
            entry.get_by_role("button", name="签到").click()
            expect(handler.locator(".flash")).to_contain_text("已签到")
            expect(handler.locator(".appointment-day li", has_text=queue)).to_contain_text("已签到")
            expect(handler.get_by_role("button", name="签到")).to_have_count(0)
            _shots(handler, "appointment-day-checked-in")

            applicant.reload()
            expect(applicant.locator("#appointment")).to_contain_text("已签到")
            expect(applicant.get_by_role("button", name="取消预约")).to_have_count(0)

            admin = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(admin, server, ADMIN_LOGIN, "/admin/catalog")
            admin.goto(
                f"{server}/admin/catalog/items/{global_id('ServiceItem', int(item_id))}/edit"
            )
            admin.get_by_role("link", name="预约号管理：计划、时段与名额").click()
            expect(admin.get_by_role("heading", name="预约计划")).to_be_visible()
            _shots(admin, "appointment-admin")
        finally:
            browser.close()
