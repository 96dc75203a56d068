"""The content security policy in a real browser: pages with htmx work under it, and report no
violation; no other site can frame them.

The seeded applicant signs in by form, searches the catalog as they type (an htmx GET swapping
the results) and pins a service (an htmx POST carrying the session's CSRF token), while the page
listens for `securitypolicyviolation` events and the console for CSP errors.
"""

from __future__ import annotations

import pytest

from tests.browser.test_shell import CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS, server

__all__ = ["server"]

pytestmark = pytest.mark.browser

APPLICANT_LOGIN = "13800138000"
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_htmx_pages_work_under_the_policy_without_a_violation(server: str) -> None:
    from playwright.sync_api import ConsoleMessage, expect, sync_playwright

    console: list[str] = []

    def note(message: ConsoleMessage) -> None:
        # The browser's own favicon request is the one 404 a page may cause.
        if message.type in ("error", "warning") and "favicon" not in message.location["url"]:
            console.append(f"{message.text} ({message.location['url']})")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.add_init_script(LISTEN)
            page.on("console", note)
            page.goto(f"{server}/login?next=/catalog")
            page.locator("#identifier").fill(APPLICANT_LOGIN)
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            expect(page.get_by_role("heading", name="服务目录", exact=True)).to_be_visible()

            page.evaluate("window.__noReload = true")
            page.get_by_label("搜索服务").press_sequentially("高新", delay=50)
            results = page.locator("#results")
            expect(results.get_by_role("link", name="高新技术企业认定")).to_be_visible()
            card = results.locator("li.item-card", has_text="高新技术企业认定")
            card.get_by_role("button", name="加入常用服务").click()
            expect(card.get_by_role("button", name="从常用服务移除")).to_be_visible()
            expect(page.locator("#pins")).to_contain_text("高新技术企业认定")
            assert page.evaluate("window.__noReload") is True, "htmx did not do the work"

            assert page.evaluate("window.__cspViolations") == []
            assert [m for m in console if "Content Security Policy" in m] == []
            assert console == [], console
        finally:
            browser.close()


def test_another_site_cannot_frame_a_page(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            refused: list[str] = []
            page.on("console", lambda message: refused.append(message.text))
            page.set_content(f'<iframe src="{server}/login" width="600" height="400"></iframe>')
            page.wait_for_timeout(1500)
            framed = page.frames[1]
            assert framed.locator("#identifier").count() == 0
            assert any(
                "frame-ancestors" in text or "X-Frame-Options" in text for text in refused
            ), refused
        finally:
            browser.close()
