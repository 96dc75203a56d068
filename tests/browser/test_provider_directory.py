"""The provider directory in a real browser on the seeded demo, at 375 and 1280 px: each
provider's ratings and median turnaround (the demo law firm's orders worked by the demo
provider account, `tests.browser.demo_provider_figures`), readable without sideways scrolling;
then the demo provider account signs in and finds the orders forwarded to it.
Screenshots go to /tmp/shots-provider-directory/ (or `SERVICEHALL_DIRECTORY_SHOTS_DIR`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_shell import CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS, serve_demo

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get(
        "SERVICEHALL_DIRECTORY_SHOTS_DIR",
        Path(tempfile.gettempdir()) / "shots-provider-directory",
    )
)
LAW_FIRM = "明律律师事务所"
IP_AGENCY = "知衡知识产权服务有限公司"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("browser-directory")
    with serve_demo(workdir, "tests.browser.demo_provider_figures") as (address, printed):
        assert printed.split() == ["2", "3", "6"]
        yield address


def _sign_in(page: Any, base: str, login: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/login")
    page.locator("#identifier").fill(login)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def test_the_directory_shows_ratings_and_turnaround_at_both_widths(base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            for width in (375, 1280):
                page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
                _sign_in(page, base, "13800138000")
                page.goto(base + "/providers")
                law = page.locator("#provider-directory > li", has_text=LAW_FIRM)
                # Two of three reviews satisfied; the median of 2, 3 and 6 working days.
                expect(law.locator("dl.figures")).to_contain_text("66.7%")
                expect(law.locator("dl.figures")).to_contain_text("3 个工作日")
                expect(law.locator("dl.figures")).to_contain_text("3")
                agency = page.locator("#provider-directory > li", has_text=IP_AGENCY)
                expect(agency.locator("dl.figures")).to_contain_text("—")
                expect(agency).to_contain_text("知识产权维权")
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{width} px: {overflow} px sideways"
                page.screenshot(path=str(SHOTS / f"directory-{width}.png"), full_page=True)
                page.close()

            # The demo provider account signs in and finds the orders forwarded to it.
            page = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(page, base, "provider@demo.servicehall.cn")
            page.goto(base + "/orders")
            expect(page.locator("main")).to_contain_text("常年法律顾问")
            page.screenshot(path=str(SHOTS / "provider-orders-375.png"), full_page=True)
        finally:
            browser.close()
