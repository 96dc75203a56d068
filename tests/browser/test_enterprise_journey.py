"""An enterprise's journey in a real browser, at 375 px in Chinese.

Signs up, registers an enterprise with a PNG licence (first with a wrong check digit, shown at
the field), sees the status page; the seeded admin verifies it in the queue beside the licence
preview; the applicant sees it verified. Screenshots of each new page, 375 px and 1280 px, in
Chinese and English, go to /tmp/shots-ent/.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from backend.services.enterprises.credit_codes import check_character
from tests.browser import test_shell
from tests.browser.test_shell import ADMIN_LOGIN, CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS

pytestmark = pytest.mark.browser
server = test_shell.server  # the same seeded server, started once for this module

SHOTS = Path(os.environ.get("SERVICEHALL_ENT_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-ent"))
APPLICANT = "lilei@example.cn"
PASSWORD = "correct horse battery"
NAME = "杭州青禾生物科技有限公司"


def licence_png(width: int = 240, height: int = 160) -> bytes:
    """A real PNG: a pale card with a red seal-like square and grey text lines."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if 170 <= x < 220 and 100 <= y < 150:
                pixel = (200, 30, 30)
            elif 20 <= x < 200 and y % 20 < 4 and 20 <= y < 90:
                pixel = (120, 120, 120)
            else:
                pixel = (250, 246, 232)
            row += bytes(pixel)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _code() -> str:
    first = "91330110MA2H7Q8X3"
    return first + check_character(first)


def _shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str, login: str, password: str) -> None:
    page.goto(base + "/login")
    page.locator("#identifier").fill(login)
    page.locator("#password").fill(password)
    page.locator("form.stack button[type=submit]").click()


def _sign_out(page: Any) -> None:
    page.locator("form[action='/logout'] button").click()


def _both_languages(page: Any, base: str, path: str, name: str) -> None:
    """Screenshots of one page at 375 and 1280 px, in Chinese and then English."""
    for language, button in (("zh", "中文"), ("en", "English")):
        page.goto(base + path)
        page.get_by_role("button", name=button).click()
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            _shoot(page, f"{name}-{language}-{width}")
    page.get_by_role("button", name="中文").click()
    page.set_viewport_size({"width": 375, "height": 800})


def test_register_verify_and_see_the_enterprise_verified(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    licence = tmp_path / "营业执照.png"
    licence.write_bytes(licence_png())
    code = _code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            posts: list[str] = []
            page.on(
                "request",
                lambda r: posts.append(r.resource_type) if r.method == "POST" else None,
            )
            page.goto(server + "/signup")
            page.get_by_label("姓名").fill("李雷")
            page.get_by_label("手机号或电子邮箱").fill(APPLICANT)
            page.get_by_label("密码").fill(PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            nav = page.get_by_role("navigation", name="主导航")
            nav.get_by_role("link", name="我的企业", exact=True).click()
            expect(page.get_by_role("heading", name="我的企业")).to_be_visible()
            page.get_by_role("link", name="登记企业").click()
            expect(page.get_by_role("heading", name="登记企业")).to_be_visible()

            page.get_by_label("企业名称").fill(NAME)
            page.get_by_label("统一社会信用代码").fill(wrong)
            page.get_by_label("成立日期").fill("2018-03-15")
            page.get_by_label("法定代表人").fill("王芳")
            page.get_by_label("联系人姓名").fill("李雷")
            page.get_by_label("联系电话").fill("13912345678")
            page.get_by_label("地址").fill("杭州市余杭区文一西路 998 号 5 幢")
            page.get_by_label("营业执照").set_input_files(str(licence))
            posts.clear()
            page.get_by_role("button", name="提交审核").click()
            expect(page.locator("#creditCode-error")).to_contain_text(f"应为 {code[-1]}")
            assert posts == ["xhr"], posts  # the progress script sent the form
            expect(page.get_by_label("企业名称")).to_have_value(NAME)
            expect(page.locator(".alert")).to_contain_text("请重新选择文件")
            _shoot(page, "enterprise-new-errors-zh-375")

            page.get_by_label("统一社会信用代码").fill(code)
            page.get_by_label("营业执照").set_input_files(str(licence))
            page.get_by_role("button", name="提交审核").click()
            expect(page.get_by_role("heading", name=NAME)).to_be_visible()
            expect(page.locator(".flash")).to_contain_text("企业登记已提交")
            expect(page.locator(".state.pending")).to_contain_text("等待审核")
            assert "/enterprises/" in page.url
            status_path = page.url.split(server, 1)[1]
            _shoot(page, "enterprise-pending-zh-375")
            _both_languages(page, server, "/enterprises", "enterprise-list")
            _both_languages(page, server, "/enterprises/new", "enterprise-new")
            _sign_out(page)

            _sign_in(page, server, ADMIN_LOGIN, DEMO_PASSWORD)
            nav = page.get_by_role("navigation", name="主导航")
            nav.get_by_role("link", name="企业审核").click()
            row = page.locator("li.review", has_text=NAME)
            image = row.locator("img")
            expect(image).to_be_visible()
            assert image.evaluate("img => img.complete && img.naturalWidth") == 240
            row.scroll_into_view_if_needed()
            _shoot(page, "admin-enterprises-zh-375")
            _both_languages(page, server, "/admin/enterprises", "admin-enterprises")
            row = page.locator("li.review", has_text=NAME)
            row.get_by_role("button", name="审核通过").click()
            expect(page.locator(".flash")).to_contain_text("企业已审核通过")
            expect(page.locator("li.review", has_text=NAME)).to_have_count(0)
            _both_languages(page, server, "/admin/premises", "admin-premises")
            _both_languages(page, server, "/admin/providers", "admin-providers")
            _sign_out(page)

            _sign_in(page, server, APPLICANT, PASSWORD)
            page.get_by_role("navigation", name="主导航").get_by_role(
                "link", name="我的企业", exact=True
            ).click()
            item = page.locator("#enterprises li", has_text=NAME)
            expect(item).to_contain_text("已认证")
            item.get_by_role("link", name=NAME).click()
            expect(page.locator(".state.verified")).to_contain_text("企业已通过审核")
            expect(page.locator("#members")).to_be_visible()
            _both_languages(page, server, status_path, "enterprise-verified")

            # The verified member finds a service: searches in Chinese, pins it, reads it.
            page.goto(server + "/catalog")
            page.evaluate("window.__noReload = true")
            page.get_by_label("搜索服务").press_sequentially("高新", delay=50)
            results = page.locator("#results")
            expect(results.get_by_role("link", name="高新技术企业认定")).to_be_visible()
            card = results.locator("li.item-card", has_text="高新技术企业认定")
            card.get_by_role("button", name="加入常用服务").click()
            expect(page.locator("#pins")).to_contain_text("高新技术企业认定")
            assert page.evaluate("window.__noReload") is True, "search or pin reloaded the page"
            results.get_by_role("link", name="高新技术企业认定").click()
            expect(page.get_by_role("heading", name="高新技术企业认定")).to_be_visible()
            assert page.locator("ol.flow > li").count() >= 2
            expect(page.get_by_role("heading", name="需准备的材料")).to_be_visible()
            expect(page.locator("ul.materials")).to_contain_text("营业执照")
            _shoot(page, "member-item-zh-375")
        finally:
            browser.close()
