"""The cockpit in a real browser, on the seeded demo with a month of orders: the supervisor
opens it from the menu at 375 px and 1280 px, in Chinese and English, picks a range with the
plain form, and follows a chart's bar to the orders behind it. No script runs for the charts,
and the pages' content security policy reports nothing. Screenshots go to /tmp/shots-cockpit/
(or SERVICEHALL_COCKPIT_SHOTS_DIR)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_shell import CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS, serve_demo

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("SERVICEHALL_COCKPIT_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-cockpit")
)
SUPERVISOR_LOGIN = "supervisor@demo.servicehall.cn"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with serve_demo(tmp_path_factory.mktemp("browser-cockpit"), "tests.browser.demo_cockpit") as (
        base,
        printed,
    ):
        yield base, printed.strip()


def test_the_supervisor_reads_the_cockpit_and_follows_a_chart(demo: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, overdue = demo
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/login?next=/")
            page.locator("#identifier").fill(SUPERVISOR_LOGIN)
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            page.get_by_role("link", name="驾驶舱").click()
            page.wait_for_url(f"{base}/dashboard")
            assert page.locator("#cockpit-attention .hbar").count() == 5
            assert page.locator("#cockpit-days rect.bar.opened").count() == 30
            # Nothing is wider than the phone's screen.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, width
            page.screenshot(path=str(SHOTS / "cockpit-zh-375.png"), full_page=True)
            # The range, by the plain form.
            page.locator("#from").fill("2020-01-01")
            page.locator(".cockpit-range button[type=submit]").click()
            assert page.locator("#to-error").is_visible()
            page.screenshot(path=str(SHOTS / "cockpit-range-error-zh-375.png"), full_page=True)
            # Follow the overdue bar: the one overdue order.
            page.locator("#cockpit-attention a.hbar").first.click()
            page.wait_for_url("**/orders?due=overdue")
            assert page.locator(f"a[href='/orders/{overdue}']").count() >= 1
            page.screenshot(path=str(SHOTS / "cockpit-overdue-list-zh-375.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/dashboard")
            page.screenshot(path=str(SHOTS / "cockpit-zh-1280.png"), full_page=True)
            page.locator("form.lang button[value=en]").click()
            page.wait_for_url(f"{base}/dashboard")
            assert page.get_by_role("heading", name="Cockpit").is_visible()
            page.screenshot(path=str(SHOTS / "cockpit-en-1280.png"), full_page=True)
            page.set_viewport_size({"width": 375, "height": 800})
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, width
            page.screenshot(path=str(SHOTS / "cockpit-en-375.png"), full_page=True)
        finally:
            browser.close()
    assert not [m for m in problems if "Content Security Policy" in m], problems
