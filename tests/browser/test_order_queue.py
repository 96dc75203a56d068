"""The order queue in a real browser, on the seeded demo with four orders opened for it.

At 375 px in Chinese the seeded handler opens 我的工单, narrows it by a keyword through htmx
(no page load), opens an order and reads its timeline; the seeded supervisor gives the order
that waits for a handler to the handler, with a reason. Screenshots go to /tmp/shots-orders/
(375 px and 1280 px, Chinese and English).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_shell import (
    CHROMIUM,
    DEMO_PASSWORD,
    HANDLER_LOGIN,
    LAUNCH_ARGS,
    serve_demo,
)

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("SERVICEHALL_ORDER_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-orders")
)
SUPERVISOR_LOGIN = "supervisor@demo.servicehall.cn"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The seeded demo with its orders, served by uvicorn: its address and the order numbers."""
    with serve_demo(tmp_path_factory.mktemp("browser-orders"), "tests.browser.demo_orders") as (
        base,
        printed,
    ):
        numbers = printed.split()
        assert len(numbers) == 4, printed
        yield base, numbers


def _sign_in(page: object, base: str, login: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")  # type: ignore[attr-defined]
    page.locator("#identifier").fill(login)  # type: ignore[attr-defined]
    page.locator("#password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    page.locator("form.stack button[type=submit]").click()  # type: ignore[attr-defined]


def test_the_handler_filters_and_reads_and_the_supervisor_reassigns(
    demo: tuple[str, list[str]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, numbers = demo
    handled, instant, overdue, waiting = numbers
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            _sign_in(page, server, HANDLER_LOGIN, "/")
            page.get_by_role("navigation").get_by_role("link", name="我的工单").click()
            expect(page.get_by_role("heading", name="我的工单", exact=True)).to_be_visible()
            rows = page.locator("#order-results tbody tr")
            expect(rows).to_have_count(3)
            expect(page.locator("#order-results")).not_to_contain_text(waiting)
            expect(rows.filter(has_text=instant)).to_contain_text("即时审批")
            expect(rows.filter(has_text=overdue)).to_contain_text("已超期")
            page.screenshot(path=str(SHOTS / "queue-handler-zh-375.png"), full_page=True)

            page.evaluate("window.__noReload = true")
            page.get_by_label("关键词").press_sequentially(handled[-4:], delay=50)
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text(handled)
            assert page.evaluate("window.__noReload") is True, "the page was reloaded"
            page.screenshot(path=str(SHOTS / "queue-search-zh-375.png"), full_page=True)

            rows.first.get_by_role("link", name=handled).click()
            expect(page.get_by_role("heading", name=f"工单 {handled}")).to_be_visible()
            timeline = page.locator("ol.timeline > li")
            expect(timeline).to_have_count(2)
            expect(timeline.first).to_contain_text("生成工单")
            expect(timeline.nth(1)).to_contain_text("待分配 → 已分配")
            expect(page.get_by_text("分配依据")).to_have_count(0)
            page.screenshot(path=str(SHOTS / "order-handler-zh-375.png"), full_page=True)
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.screenshot(path=str(SHOTS / "order-handler-en-375.png"), full_page=True)
            page.goto(server + "/orders")
            page.screenshot(path=str(SHOTS / "queue-handler-en-375.png"), full_page=True)

            wide = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            _sign_in(wide, server, SUPERVISOR_LOGIN, "/")
            wide.get_by_role("navigation").get_by_role("link", name="待分配").click()
            expect(wide.get_by_role("heading", name="待分配", exact=True)).to_be_visible()
            card = wide.locator("ul.unassigned > li", has_text=waiting)
            expect(card).to_contain_text("团队中没有可接单的办理人员")
            wide.screenshot(path=str(SHOTS / "unassigned-zh-1280.png"), full_page=True)
            wide.set_viewport_size({"width": 375, "height": 800})
            wide.screenshot(path=str(SHOTS / "unassigned-zh-375.png"), full_page=True)

            card.get_by_label("办理员").select_option(label="业务办理员 张伟")
            card.get_by_role("button", name="指派给此人").click()
            card = wide.locator("ul.unassigned > li", has_text=waiting)
            expect(card.locator(".error")).to_contain_text("请说明将工单指派给该办理人员的理由")
            wide.screenshot(path=str(SHOTS / "unassigned-error-zh-375.png"), full_page=True)
            card.get_by_label("理由").fill("张伟已销假，熟悉该企业")
            card.get_by_role("button", name="指派给此人").click()
            expect(wide.locator(".flash")).to_contain_text("工单已改派")
            expect(wide.locator("ul.unassigned")).to_contain_text("所有工单都已有办理人员")

            wide.set_viewport_size({"width": 1280, "height": 800})
            wide.get_by_role("navigation").get_by_role("link", name="工单", exact=True).click()
            expect(wide.locator("#order-results tbody tr")).to_have_count(4)
            wide.screenshot(path=str(SHOTS / "queue-supervisor-zh-1280.png"), full_page=True)
            wide.goto(f"{server}/orders/{waiting}")
            expect(wide.locator("ol.timeline")).to_contain_text("主管改派")
            expect(wide.get_by_role("heading", name="分配依据")).to_be_visible()
            wide.screenshot(path=str(SHOTS / "order-supervisor-zh-1280.png"), full_page=True)
            wide.get_by_role("button", name="English").click()
            expect(wide.locator("html")).to_have_attribute("lang", "en")
            wide.screenshot(path=str(SHOTS / "order-supervisor-en-1280.png"), full_page=True)
            wide.goto(server + "/orders")
            wide.screenshot(path=str(SHOTS / "queue-supervisor-en-1280.png"), full_page=True)
        finally:
            browser.close()
