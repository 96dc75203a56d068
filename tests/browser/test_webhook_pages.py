"""Webhook pages in a real browser, on the seeded demo with a provider whose endpoint was
disabled after a failed delivery. At 375 px in Chinese the admin reads the endpoint and the
deliveries, enables the endpoint again and sends the delivery again, and gives the second
provider an endpoint, whose secret is shown once. Screenshots go to /tmp/shots-webhooks/.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_shell import ADMIN_LOGIN, CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS, serve_demo

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("SERVICEHALL_WEBHOOK_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-webhooks")
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_demo(tmp_path_factory.mktemp("browser-webhooks"), "tests.browser.demo_webhooks") as (
        base,
        _,
    ):
        yield base


def test_the_admin_repairs_an_endpoint_and_configures_another(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            page.goto(f"{server}/login?next=/admin/providers")
            page.locator("#identifier").fill(ADMIN_LOGIN)
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            failing = page.locator("li", has=page.get_by_role("heading", name="园区物业外包平台"))
            section = failing.locator("section.webhook")
            expect(section).to_contain_text("已停用：一条推送在全部重试后仍失败")
            page.screenshot(path=str(SHOTS / "providers-zh-375.png"), full_page=True)

            section.get_by_role("link", name="推送记录").click()
            expect(page.get_by_role("heading", name="Webhook 推送记录")).to_be_visible()
            delivery = page.locator("#deliveries > li").first
            expect(delivery).to_contain_text("HTTP 502")
            expect(delivery.locator("ol.attempts > li")).to_have_count(3)
            page.screenshot(path=str(SHOTS / "deliveries-zh-375.png"), full_page=True)
            delivery.get_by_role("button", name="重新推送").click()
            expect(page.locator("body")).to_contain_text("请先启用")  # the endpoint is off

            page.goto(f"{server}/admin/providers")
            section.locator("summary").click()
            section.get_by_label("启用：推送发往该地址").check()
            section.get_by_role("button", name="保存端点").click()
            expect(section).to_contain_text("已启用")
            page.goto(f"{server}/admin/webhooks")
            page.locator("#deliveries > li").first.get_by_role("button", name="重新推送").click()
            expect(page.locator("body")).to_contain_text("正在重新推送")

            page.goto(f"{server}/admin/providers")
            other = page.locator("li", has=page.get_by_role("heading", name="正和律师事务所"))
            other_section = other.locator("section.webhook")
            other_section.locator("summary").click()
            other_section.get_by_label("地址（URL）").fill("http://10.0.0.8/hooks")
            other_section.get_by_role("button", name="保存端点").click()
            expect(other_section.locator("p.error")).to_contain_text("内网")
            other_section.get_by_label("地址（URL）").fill("https://hooks.lawfirm.example.com/sh")
            other_section.get_by_role("button", name="保存端点").click()
            secret = other_section.locator(".secret code")
            expect(secret).to_have_text(re.compile(r"^whsec_"))
            page.screenshot(path=str(SHOTS / "secret-once-zh-375.png"), full_page=True)
            page.goto(f"{server}/admin/providers")
            expect(other_section).not_to_contain_text("whsec_")

            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{server}/admin/webhooks")
            expect(
                page.locator("#deliveries > li").first.locator("ol.attempts > li")
            ).to_have_count(
                4  # the redelivery's attempt, made by the server's worker (the host is unknown)
            )
            page.screenshot(path=str(SHOTS / "deliveries-zh-1280.png"), full_page=True)
        finally:
            browser.close()
