"""A request for a new service in a real browser, from the catalog to the notice.

The seeded applicant (375 px, Chinese) follows the catalog's "找不到需要的服务？" link, sends the
form without a description and reads the error beside it, then sends it whole. The seeded admin
(1280 px) finds it on the requests page, grouped with the demo's alike requests, makes a
draft service of it and publishes that item. The applicant's messages then hold the notice,
whose link opens the new item's page.
Screenshots go to $SERVICEHALL_REQUEST_SHOTS_DIR (default /tmp/shots-requests).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.browser.test_shell import ADMIN_LOGIN, CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS, server

__all__ = ["server"]

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("SERVICEHALL_REQUEST_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-requests")
)
APPLICANT_LOGIN = "13800138000"
TITLE = "代办食品经营许可证"


def _sign_in(page: object, base: str, login: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")  # type: ignore[attr-defined]
    page.locator("#identifier").fill(login)  # type: ignore[attr-defined]
    page.locator("#password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    page.locator("form.stack button[type=submit]").click()  # type: ignore[attr-defined]


def test_an_enterprise_asks_an_admin_publishes_the_enterprise_is_told(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            _sign_in(phone, server, APPLICANT_LOGIN, "/catalog")
            phone.get_by_role("link", name="找不到需要的服务？提出新服务需求").click()
            expect(phone.get_by_role("heading", name="提出新服务需求")).to_be_visible()
            phone.get_by_label("需要的服务").fill(TITLE)
            phone.get_by_label("紧急").check()
            phone.get_by_role("button", name="提交需求").click()
            error = phone.locator("#description-error")
            expect(error).to_have_text("此项为必填项。")
            expect(phone.get_by_label("服务内容")).to_have_attribute("aria-invalid", "true")
            expect(phone.get_by_label("需要的服务")).to_have_value(TITLE)
            phone.screenshot(path=str(SHOTS / "request-error-zh-375.png"), full_page=True)

            phone.get_by_label("服务内容").fill("园区餐饮企业多，希望服务大厅代办食品经营许可证。")
            phone.get_by_label("需求原因").fill("每次去区市场监管局往返半天。")
            phone.get_by_label("建议归入的类别").select_option(index=1)
            phone.get_by_role("button", name="提交需求").click()
            expect(phone.get_by_role("status").or_(phone.locator(".flash"))).to_contain_text(
                "需求已提交"
            )
            mine = phone.locator("#requests > li", has_text=TITLE)
            expect(mine).to_contain_text("待园区处理")
            phone.screenshot(path=str(SHOTS / "requests-zh-375.png"), full_page=True)

            wide = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            _sign_in(wide, server, ADMIN_LOGIN, "/admin/service-requests")
            expect(wide.get_by_role("heading", name="新服务需求", exact=True)).to_be_visible()
            # Grouped with the demo's two alike requests about food licences.
            group = wide.locator(".request-group").filter(
                has=wide.get_by_role("heading", name=TITLE, exact=True)
            )
            expect(group.locator("h2")).to_contain_text("3 条相似需求")
            card = group.locator(".list > li").filter(
                has=wide.get_by_role("heading", name=TITLE, exact=True)
            )
            expect(card).to_contain_text("紧急")
            wide.screenshot(path=str(SHOTS / "admin-requests-zh-1280.png"), full_page=True)
            narrow = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            narrow.context.add_cookies(wide.context.cookies())
            narrow.goto(server + "/admin/service-requests")
            narrow.screenshot(path=str(SHOTS / "admin-requests-zh-375.png"), full_page=True)
            narrow.close()

            card.locator("summary", has_text="生成服务事项草稿").click()
            card.screenshot(path=str(SHOTS / "admin-draft-form-zh-1280.png"))
            card.get_by_role("button", name="生成服务事项草稿").click()
            expect(wide.get_by_role("heading", name=f"编辑“{TITLE}”")).to_be_visible()
            wide.get_by_role("button", name="发布第 1 版").click()
            expect(wide.locator(".tag.status-published").first).to_be_visible()

            phone.goto(server + "/notifications")
            notice = phone.get_by_role(
                "link", name=f"您提出需求的服务已上线：{TITLE}。点击查看并申请。"
            )
            expect(notice).to_be_visible()
            phone.screenshot(path=str(SHOTS / "notice-zh-375.png"), full_page=True)
            notice.click()
            expect(phone.get_by_role("heading", name=TITLE)).to_be_visible()
            assert "/catalog/items/" in phone.url
            phone.goto(server + "/enterprises/service-requests")
            expect(phone.locator("#requests > li", has_text=TITLE)).to_contain_text("已上线")
            phone.screenshot(path=str(SHOTS / "requests-done-zh-375.png"), full_page=True)
            desk = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            desk.context.add_cookies(phone.context.cookies())
            desk.goto(server + "/enterprises/service-requests")
            desk.screenshot(path=str(SHOTS / "requests-done-zh-1280.png"), full_page=True)
            desk.get_by_role("button", name="English").click()
            expect(desk.get_by_role("heading", name="Requests for new services")).to_be_visible()
            desk.screenshot(path=str(SHOTS / "requests-done-en-1280.png"), full_page=True)
        finally:
            browser.close()
