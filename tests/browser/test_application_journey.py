"""Issue 4's journey in a real browser, at 375 px in Chinese, on the seeded demo.

A published item reviewed by hand, with required answers and a required PDF-only material, is
added to the seeded database first (`tests.browser.demo_pdf_item`). The demo applicant applies
for it: an empty required answer and a PNG for the PDF material are both shown beside their
fields; corrected, the answers are checked and submitted, and the confirmation shows the
application number. The demo auditor returns it with a reason beside one answer; the applicant
sees the reason there, corrects and resubmits; the auditor sees what changed and approves, and
the order number shows to the auditor, to the applicant, and in the demo handler's queue (the
demo team's only handler). Screenshots go to /tmp/shots-journey/.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_enterprise_journey import licence_png
from tests.browser.test_shell import (
    CHROMIUM,
    DEMO_PASSWORD,
    HANDLER_LOGIN,
    LAUNCH_ARGS,
    serve_demo,
)

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get("SERVICEHALL_JOURNEY_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-journey")
)
APPLICANT_LOGIN = "13800138000"
AUDITOR_LOGIN = "auditor@demo.servicehall.cn"
ITEM_NAME = "创业场地补贴申请"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASON = "请写明补贴用于哪处场地、每月租金多少"
FIRST_PURPOSE = "补贴场地租金"
SECOND_PURPOSE = "补贴创新大厦 A 座 301 室的租金，每月 8000 元"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The seeded demo with the PDF-only item, served by uvicorn: its address and the item id."""
    workdir = tmp_path_factory.mktemp("browser-journey")
    with serve_demo(workdir, "tests.browser.demo_pdf_item") as (base, printed):
        item_id = printed.strip()
        assert item_id, "the PDF-only item was not created"
        yield base, item_id


def _shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str, login: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/login")
    page.locator("#identifier").fill(login)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def _sign_out(page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("form[action='/logout'] button").click()
    expect(page.locator(".flash")).to_contain_text("您已退出登录")


def _nav(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def test_apply_return_correct_approve_and_see_the_order(
    demo: tuple[str, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, item_id = demo
    SHOTS.mkdir(exist_ok=True)
    wrong = tmp_path / "租赁合同.png"
    wrong.write_bytes(licence_png())
    lease = tmp_path / "租赁合同.pdf"
    lease.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")

            # The applicant applies: an empty required answer and a PNG for the PDF material.
            _sign_in(page, server, APPLICANT_LOGIN)
            page.goto(f"{server}/catalog/items/{item_id}")
            expect(page.get_by_role("heading", name=ITEM_NAME)).to_be_visible()
            page.get_by_role("link", name="在线申请").click()
            expect(page.locator("form.apply-form")).to_be_visible()
            _shoot(page, "01-apply-form")
            page.locator("#answer-purpose").fill(FIRST_PURPOSE)
            page.locator("#answer-file-lease").set_input_files(str(wrong))
            page.get_by_role("button", name="下一步").click()
            contact = page.locator(".field", has=page.locator("#answer-contact"))
            expect(contact.locator("#answer-contact-error")).to_contain_text("此项为必填项")
            material = page.locator(".field", has=page.locator("#answer-file-lease"))
            expect(material.locator("#answer-file-lease-error")).to_contain_text(
                "此处不接受这种文件"
            )
            expect(page.locator("#answer-contact")).to_have_attribute("aria-invalid", "true")
            expect(page.locator("#answer-purpose")).to_have_value(FIRST_PURPOSE)
            _shoot(page, "02-apply-problems")

            # Corrected, the answers are checked and submitted.
            page.locator("#answer-contact").fill("赵磊")
            page.locator("#answer-file-lease").set_input_files(str(lease))
            page.get_by_role("button", name="下一步").click()
            expect(page.get_by_role("heading", name="核对填报内容")).to_be_visible()
            answers = page.locator("dl.answers")
            expect(answers).to_contain_text("赵磊")
            expect(answers).to_contain_text("租赁合同.pdf")
            _shoot(page, "03-check-answers")
            page.get_by_role("button", name="提交申请").click()
            expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
            number = page.locator("#application-number").inner_text().strip()
            assert number, "no application number"
            expect(page.locator(".confirmation .tag")).to_contain_text("审核中")
            _shoot(page, "04-submitted")
            _sign_out(page)

            # The auditor returns it with a reason beside one answer.
            _sign_in(page, server, AUDITOR_LOGIN)
            _nav(page, "审核台")
            expect(page.get_by_role("heading", name="审核台")).to_be_visible()
            page.locator("#desk-results").get_by_role("link", name=number).click()
            expect(page.locator("h1 .app-number")).to_have_text(number)
            page.locator("#reason-formData-purpose").fill(REASON)
            _shoot(page, "05-desk-return")
            page.get_by_role("button", name="退回申请人").click()
            expect(page.locator(".flash")).to_contain_text("退回")
            expect(page.locator("#reviews")).to_contain_text(REASON)
            _sign_out(page)

            # The applicant sees the reason beside that answer, corrects and resubmits.
            _sign_in(page, server, APPLICANT_LOGIN)
            _nav(page, "我的申请")
            expect(page.get_by_role("heading", name="我的申请")).to_be_visible()
            page.locator(f"a[href='/applications/{number}']").click()
            expect(page.get_by_role("heading", name=ITEM_NAME)).to_be_visible()
            expect(page.locator("#answer-purpose")).to_contain_text(REASON)
            expect(page.locator("#answer-contact")).not_to_contain_text(REASON)
            _shoot(page, "06-returned")
            page.get_by_role("link", name="修改后重新提交").click()
            expect(page.locator("#answer-purpose-error")).to_contain_text(REASON)
            expect(page.locator("#answer-contact")).to_have_value("赵磊")
            expect(page.locator(".kept-file")).to_contain_text("租赁合同.pdf")
            _shoot(page, "07-correct")
            page.locator("#answer-purpose").fill(SECOND_PURPOSE)
            page.get_by_role("button", name="下一步").click()
            expect(page.get_by_role("heading", name="核对填报内容")).to_be_visible()
            expect(page.locator("dl.answers")).to_contain_text(SECOND_PURPOSE)
            page.get_by_role("button", name="提交申请").click()
            expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
            expect(page.locator("#application-number")).to_have_text(number)
            _sign_out(page)

            # The auditor sees what changed since the return and approves.
            _sign_in(page, server, AUDITOR_LOGIN)
            _nav(page, "审核台")
            row = page.locator("#desk-results tbody tr", has_text=number)
            expect(row).to_contain_text("退回过")
            row.get_by_role("link", name=number).click()
            changes = page.locator("#changes")
            expect(changes).to_contain_text(FIRST_PURPOSE)
            expect(changes.locator("ins")).to_contain_text(SECOND_PURPOSE)
            _shoot(page, "08-desk-changes")
            page.get_by_role("button", name="批准", exact=True).click()
            opened = page.locator(".alert.ok")
            expect(opened).to_contain_text("已开立工单")
            order = opened.get_by_role("link").get_attribute("href") or ""
            order = order.rsplit("/", 1)[-1]
            assert re.fullmatch(r"[A-Z0-9-]+", order), order
            expect(opened).to_contain_text(order)
            _shoot(page, "09-approved")
            _sign_out(page)

            # The applicant's application shows the order.
            _sign_in(page, server, APPLICANT_LOGIN)
            page.goto(f"{server}/applications/{number}")
            expect(page.locator(".title-row .tag")).to_contain_text("已通过")
            expect(page.locator("dl.facts")).to_contain_text(order)
            _shoot(page, "10-applicant-approved")
            _sign_out(page)

            # The demo team's only handler finds it in the queue.
            _sign_in(page, server, HANDLER_LOGIN)
            _nav(page, "我的工单")
            expect(page.get_by_role("heading", name="我的工单", exact=True)).to_be_visible()
            expect(page.locator("#order-results tbody tr", has_text=order)).to_contain_text(
                ITEM_NAME
            )
            _shoot(page, "11-handler-queue")
        finally:
            browser.close()
