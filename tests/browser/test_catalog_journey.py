"""The catalog in a real browser: search as one types, pin, read an item, edit its form.

At 375 px in Chinese the seeded applicant searches "高新" and sees the item appear without a
page load, pins it, and reads its numbered steps and materials; then the seeded admin adds a
field in the item editor and sees it in the live preview. Screenshots go to
/tmp/shots-cat/ (375 px and 1280 px, Chinese and English).
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
    os.environ.get("SERVICEHALL_CATALOG_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-cat")
)
APPLICANT_LOGIN = "13800138000"


def _sign_in(page: object, base: str, login: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")  # type: ignore[attr-defined]
    page.locator("#identifier").fill(login)  # type: ignore[attr-defined]
    page.locator("#password").fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    page.locator("form.stack button[type=submit]").click()  # type: ignore[attr-defined]


def test_search_pin_read_and_edit_the_form(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            _sign_in(page, server, APPLICANT_LOGIN, "/catalog")
            expect(page.get_by_role("heading", name="服务目录", exact=True)).to_be_visible()
            expect(
                page.get_by_role("navigation").get_by_role("link", name="服务目录")
            ).to_be_visible()
            page.screenshot(path=str(SHOTS / "catalog-zh-375.png"), full_page=True)

            page.evaluate("window.__noReload = true")
            page.get_by_label("搜索服务").press_sequentially("高新", delay=50)
            results = page.locator("#results")
            expect(results.get_by_role("link", name="高新技术企业认定")).to_be_visible()
            assert page.evaluate("window.__noReload") is True, "the page was reloaded"
            assert page.url == server + "/catalog"
            page.screenshot(path=str(SHOTS / "catalog-search-zh-375.png"), full_page=True)

            card = results.locator("li.item-card", has_text="高新技术企业认定")
            card.get_by_role("button", name="加入常用服务").click()
            expect(card.get_by_role("button", name="从常用服务移除")).to_be_visible()
            expect(page.locator("#pins")).to_contain_text("高新技术企业认定")
            assert page.evaluate("window.__noReload") is True, "pinning reloaded the page"
            page.screenshot(path=str(SHOTS / "catalog-pinned-zh-375.png"), full_page=True)

            results.get_by_role("link", name="高新技术企业认定").click()
            expect(page.get_by_role("heading", name="高新技术企业认定")).to_be_visible()
            flow = page.locator("ol.flow > li")
            assert flow.count() >= 2
            expect(page.get_by_role("heading", name="需准备的材料")).to_be_visible()
            expect(page.locator("ul.materials > li").first).to_be_visible()
            expect(page.get_by_role("button", name="从常用服务移除")).to_be_visible()
            page.screenshot(path=str(SHOTS / "item-zh-375.png"), full_page=True)
            item_url = page.url

            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.screenshot(path=str(SHOTS / "item-en-375.png"), full_page=True)
            page.goto(server + "/catalog?q=loan")
            page.screenshot(path=str(SHOTS / "catalog-search-en-375.png"), full_page=True)

            wide = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            wide.goto(server + "/catalog")
            wide.screenshot(path=str(SHOTS / "catalog-anonymous-zh-1280.png"), full_page=True)
            wide.goto(item_url)
            wide.screenshot(path=str(SHOTS / "item-anonymous-zh-1280.png"), full_page=True)

            item_id = item_url.rsplit("/", 1)[1]
            _sign_in(wide, server, ADMIN_LOGIN, f"/admin/catalog/items/{item_id}/edit")
            expect(wide.locator("#editor-form")).to_be_visible()
            wide.screenshot(path=str(SHOTS / "editor-zh-1280.png"), full_page=True)
            rows = wide.locator("#fields-editor .editor-rows > li")
            before = rows.count()
            wide.get_by_role("button", name="添加字段").click()
            # The button re-renders the editor (a full page): wait for the new row, or the
            # next line could fill the old page's last row just before it is replaced.
            expect(rows).to_have_count(before + 1)
            new_row = rows.last
            label = new_row.get_by_label("标签（中文）")
            label.fill("联系人手机")
            new_row.get_by_label("类型").select_option("PHONE")
            preview = wide.locator("#preview")
            expect(preview.get_by_label("联系人手机")).to_be_visible()
            expect(preview.get_by_label("联系人手机")).to_have_attribute("type", "tel")
            wide.screenshot(path=str(SHOTS / "editor-preview-zh-1280.png"), full_page=True)
            label.scroll_into_view_if_needed()
            wide.screenshot(path=str(SHOTS / "editor-preview-zh-1280-view.png"))
            wide.set_viewport_size({"width": 375, "height": 800})
            wide.screenshot(path=str(SHOTS / "editor-zh-375.png"), full_page=True)
            wide.locator("#editor-form").scroll_into_view_if_needed()
            wide.screenshot(path=str(SHOTS / "editor-zh-375-view.png"))
            new_row.scroll_into_view_if_needed()
            wide.screenshot(path=str(SHOTS / "editor-row-zh-375-view.png"))
            wide.set_viewport_size({"width": 1280, "height": 800})
            wide.goto(server + "/admin/catalog")
            wide.screenshot(path=str(SHOTS / "admin-catalog-zh-1280.png"), full_page=True)
            wide.get_by_role("button", name="English").click()
            expect(wide.locator("html")).to_have_attribute("lang", "en")
            wide.screenshot(path=str(SHOTS / "admin-catalog-en-1280.png"), full_page=True)
            wide.goto(server + "/catalog")
            wide.screenshot(path=str(SHOTS / "catalog-admin-en-1280.png"), full_page=True)
            wide.goto(f"{server}/admin/catalog/items/{item_id}/edit")
            wide.screenshot(path=str(SHOTS / "editor-en-1280.png"), full_page=True)
        finally:
            browser.close()
