"""Live pages in a real browser: what one person does shows on another's open page at once.

The applicant keeps their order's page open in one browser context; the handler, in another,
accepts the order and writes to them. The applicant's page changes its status, grows its
timeline and shows the message without a reload (one server-sent-events stream per tab, htmx's
SSE extension under the pages' CSP). The handler's queue, open in a second tab, shows the
order's new status, and its inbox count drops when they read their notices in a third.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_order_queue import _sign_in
from tests.browser.test_shell import CHROMIUM, HANDLER_LOGIN, LAUNCH_ARGS, serve_demo

pytestmark = pytest.mark.browser

APPLICANT_LOGIN = "13800138000"
SHOTS = Path(
    os.environ.get("SERVICEHALL_PAGES_SHOTS_DIR", Path(tempfile.gettempdir()) / "pages-shots")
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    workdir = tmp_path_factory.mktemp("browser-live-pages")
    with serve_demo(workdir, "tests.browser.demo_orders") as (base, printed):
        yield base, printed.split()[0]


def _opened_live(page: object, base: str, path: str) -> None:
    """Goes to `path` and waits until its live stream answers."""
    with page.expect_response(lambda r: "/live" in r.url and r.status == 200):  # type: ignore[attr-defined]
        page.goto(f"{base}{path}")  # type: ignore[attr-defined]


def _console(errors: list[str], message: object) -> None:
    """An error the page logged (the browser's own favicon request aside)."""
    if message.type != "error":  # type: ignore[attr-defined]
        return
    where = message.location.get("url", "")  # type: ignore[attr-defined]
    if not where.endswith("/favicon.ico"):
        errors.append(f"{message.text} ({where})")  # type: ignore[attr-defined]


def test_the_applicants_open_order_page_follows_what_the_handler_does(
    demo: tuple[str, str],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, number = demo
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            theirs = browser.new_context(viewport={"width": 375, "height": 900}, locale="zh-CN")
            ours = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            applicant = theirs.new_page()
            applicant.on("console", lambda m: _console(errors, m))
            applicant.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
            _sign_in(applicant, server, APPLICANT_LOGIN, "/my/orders")
            _opened_live(applicant, server, f"/orders/{number}")
            expect(applicant.locator("#order-status")).to_contain_text("已分配")
            expect(applicant.locator("#order-messages")).to_contain_text("暂无消息")
            # Assigned, not yet accepted: the applicant may still cancel it.
            expect(applicant.locator("#form-cancel")).to_be_visible()
            applicant.evaluate("window.notReloaded = true")

            handler = ours.new_page()
            _sign_in(handler, server, HANDLER_LOGIN, "/orders")
            queue = handler
            expect(queue.locator("#unread-badge")).to_be_visible()
            _opened_live(queue, server, "/orders")
            worker = ours.new_page()
            worker.goto(f"{server}/orders/{number}")
            worker.get_by_role("button", name="接单").click()
            expect(worker.locator(".flash")).to_contain_text("您已接单")

            # The applicant did nothing: their page changed by itself.
            expect(applicant.locator("#order-status")).to_contain_text("办理中")
            expect(applicant.locator("#order-timeline")).to_contain_text("经办人已接单")
            # ...and its forms are theirs as the order is now: accepted, it is no longer theirs
            # to cancel (the form went without a reload).
            expect(applicant.locator("#form-cancel")).to_have_count(0)
            assert applicant.evaluate("window.notReloaded === true")
            # ...and so did the handler's queue in the other tab.
            row = queue.locator("#order-results tr", has_text=number)
            expect(row).to_contain_text("办理中")
            # A new filter (htmx) brings a stream that follows the queue as filtered now.
            wanted = "/live?queue=status%3DIN_PROGRESS"
            with queue.expect_response(lambda r: wanted in r.url and r.status == 200):
                queue.locator("#status").select_option("IN_PROGRESS")
            expect(queue.locator("#order-results")).to_contain_text(number)

            message = worker.locator("#form-message")
            message.get_by_label("消息").fill("您好，请核对营业执照上的地址。")
            message.get_by_role("button", name="发送").click()
            expect(applicant.locator("#order-messages")).to_contain_text("请核对营业执照上的地址")
            expect(applicant.locator("#order-messages .muted")).to_have_count(0)

            # The inbox count in the header rides on every page's stream (the queue's new one).
            inbox = ours.new_page()
            inbox.goto(f"{server}/notifications")
            inbox.get_by_role("button", name="全部标为已读").click()
            expect(queue.locator("#unread-badge")).to_have_count(0)

            SHOTS.mkdir(exist_ok=True)
            applicant.screenshot(path=str(SHOTS / "applicant-order-live-375.png"), full_page=True)
            queue.screenshot(path=str(SHOTS / "handler-queue-live-1280.png"), full_page=True)
            # Nothing the page ran was refused by its CSP, nor failed.
            assert errors == [], errors
        finally:
            browser.close()
