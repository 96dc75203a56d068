"""A whole order in a real browser, on the seeded demo with the orders of `demo_orders`.

The demo handler accepts an approved order and asks the applicant for a PDF; the applicant
opens it from their list of orders, answers with a file; the handler, who sees the answer and
the pause it made, completes the order with a result document; the applicant reads the result.
Every step is the page's plain forms, sent by htmx (the page swapped in place). Screenshots of
both sides' order page, 375 px and 1280 px, Chinese and English, go to /tmp/pages-shots/.
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

SHOTS = Path(
    os.environ.get("SERVICEHALL_PAGES_SHOTS_DIR", Path(tempfile.gettempdir()) / "pages-shots")
)
APPLICANT_LOGIN = "13800138000"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """The demo served, the number of the order its handler holds, and a folder for files."""
    workdir = tmp_path_factory.mktemp("browser-order-journey")
    with serve_demo(workdir, "tests.browser.demo_orders") as (base, printed):
        handled = printed.split()[0]
        yield base, handled, workdir


def _shots(page: object, name: str) -> None:
    """The page at 375 and 1280 px, in Chinese and then in English (back to Chinese after)."""
    for language, button, back in (("zh", None, None), ("en", "English", "中文")):
        if button:
            page.get_by_role("button", name=button).click()  # type: ignore[attr-defined]
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
            path = SHOTS / f"{name}-{language}-{width}.png"
            page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        if back:
            page.get_by_role("button", name=back).click()  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 375, "height": 900})  # type: ignore[attr-defined]


def test_accept_ask_answer_with_a_file_complete_and_read_the_result(
    demo: tuple[str, str, Path],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, number, workdir = demo
    SHOTS.mkdir(exist_ok=True)
    contract = workdir / "租赁合同.pdf"
    contract.write_bytes(PDF)
    approval = workdir / "变更批复.pdf"
    approval.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            handler = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(handler, server, HANDLER_LOGIN, f"/orders/{number}")
            expect(handler.get_by_role("heading", name=f"工单 {number}")).to_be_visible()
            handler.get_by_role("button", name="接单").click()
            expect(handler.locator(".flash")).to_contain_text("您已接单")
            # htmx swapped the page in place: no redirect to the form's anchor happened.
            assert handler.url == f"{server}/orders/{number}"
            expect(handler.locator(".sending").first).to_be_hidden()
            # Focus is on the swapped content (its flash), as after a new page.
            expect(handler.locator("#main")).to_be_focused()
            _shots(handler, "order-handler-working")

            asked = handler.locator("#form-ask")
            asked.get_by_label("需要申请人说明或提交的内容").fill("请上传租赁合同（PDF）")
            asked.get_by_label("PDF").check()
            asked.get_by_role("button", name="询问申请人").click()
            expect(handler.locator(".flash")).to_contain_text("办理时限暂停计时")

            applicant = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(applicant, server, APPLICANT_LOGIN, "/my/orders")
            applicant.get_by_role("link", name=f"工单 {number}").click()
            expect(applicant.locator("#asked")).to_contain_text("请上传租赁合同")
            _shots(applicant, "order-applicant-asked")
            answer = applicant.locator("#form-answer")
            answer.get_by_label("您的答复").fill("合同见附件")
            answer.get_by_label("文件").set_input_files(str(contract))
            answer.get_by_role("button", name="提交答复").click()
            expect(applicant.locator(".flash")).to_contain_text("答复已发送")
            assert not applicant.url.endswith("#asked")  # a multipart form, sent by htmx too
            expect(applicant.locator("#asked")).to_contain_text("租赁合同.pdf")

            handler.reload()
            expect(handler.locator("#asked")).to_contain_text("合同见附件")
            expect(handler.locator("#pauses-heading")).to_be_visible()
            complete = handler.locator("#form-complete")
            complete.get_by_label("办理结果").fill("营业执照变更已办结，请到窗口领取新证。")
            complete.get_by_label("结果文件").set_input_files(str(approval))
            complete.get_by_role("button", name="办结工单").click()
            expect(handler.locator(".flash")).to_contain_text("工单已办结")
            _shots(handler, "order-handler")

            applicant.reload()
            result = applicant.locator("#result")
            expect(result).to_contain_text("营业执照变更已办结")
            expect(result.get_by_role("link", name="打开 变更批复.pdf")).to_be_visible()
            expect(applicant.locator("#form-answer")).to_have_count(0)
            _shots(applicant, "order-applicant")
            applicant.goto(f"{server}/my/orders")
            _shots(applicant, "my-orders")
        finally:
            browser.close()
