"""好差评 in a real browser, on the seeded demo with an order its handler completed.

The applicant rates the order 不满意 with a reason (the reasons show once a low level is
chosen); the supervisor opens the bad reviews page, records the call back and what was done,
and closes it; the applicant, told so, adds the follow-up review. Every step is a plain form.
Screenshots at 375 and 1280 px go to $SERVICEHALL_EVALUATION_SHOTS_DIR (/tmp/evaluation-shots).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_order_journey import APPLICANT_LOGIN
from tests.browser.test_order_queue import _sign_in
from tests.browser.test_shell import CHROMIUM, LAUNCH_ARGS, serve_demo

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get(
        "SERVICEHALL_EVALUATION_SHOTS_DIR", Path(tempfile.gettempdir()) / "evaluation-shots"
    )
)
SUPERVISOR_LOGIN = "supervisor@demo.servicehall.cn"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    workdir = tmp_path_factory.mktemp("browser-evaluation")
    with serve_demo(workdir, "tests.browser.demo_evaluation") as (base, printed):
        yield base, printed.split()[0]


def _shots(page: object, name: str) -> None:
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 375, "height": 900})  # type: ignore[attr-defined]


def test_a_bad_review_is_put_right_and_followed_up(demo: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, number = demo
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            applicant = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(applicant, server, APPLICANT_LOGIN, f"/orders/{number}")
            rating = applicant.locator("#form-rate")
            expect(rating).to_be_visible()
            reasons = rating.locator("fieldset.reasons")
            expect(reasons).to_be_hidden()  # only for the two lowest levels
            rating.get_by_label("满意", exact=True).check()
            expect(reasons).to_be_hidden()
            rating.get_by_label("不满意", exact=True).check()
            expect(reasons).to_be_visible()
            # Without a reason: the problem shows next to the reasons, the level kept.
            rating.get_by_role("button", name="提交评价").click()
            expect(applicant.locator("#rate-reasons-error")).to_contain_text("至少选择一项")
            rating = applicant.locator("#form-rate")
            expect(rating.get_by_label("不满意", exact=True)).to_be_checked()
            rating.get_by_label("办理时间太长").check()
            rating.get_by_label("您的意见（选填）").fill("补交材料来回跑了三次。")
            _shots(applicant, "rate-form")
            rating.get_by_role("button", name="提交评价").click()
            expect(applicant.locator(".flash")).to_contain_text("感谢您的评价")
            section = applicant.locator("#evaluation")
            expect(section).to_contain_text("不满意")
            expect(section).to_contain_text("待回访")
            _shots(applicant, "order-rated")

            # The supervisor sees it on the cockpit first, and follows the figure to the order.
            supervisor = browser.new_page(viewport={"width": 375, "height": 900}, locale="zh-CN")
            _sign_in(supervisor, server, SUPERVISOR_LOGIN, "/dashboard")
            being_put_right = supervisor.locator(
                "#cockpit-attention tbody tr", has_text="整改中的差评"
            )
            expect(being_put_right.locator("td")).to_have_text(re.compile(r"^\s*1\b"))
            being_put_right.get_by_role("link").click()
            expect(supervisor.locator("main")).to_contain_text(number)
            supervisor.goto(f"{server}/rectifications")
            expect(supervisor.get_by_role("heading", name="待整改的差评")).to_be_visible()
            item = supervisor.locator(".rectification-list > li", has_text=number)
            expect(item).to_contain_text("办理时间太长")
            _shots(supervisor, "rectifications")
            item.get_by_label("回访时申请人的意见").fill("已电话回访，申请人希望减少往返。")
            item.get_by_role("button", name="记录回访").click()
            expect(supervisor.locator(".flash")).to_contain_text("回访已记录")
            item = supervisor.locator(".rectification-list > li", has_text=number)
            expect(item).to_contain_text("已回访，整改中")
            item.get_by_label("采取的整改措施").fill("材料清单一次性告知，支持线上补交。")
            item.get_by_role("button", name="记录整改措施").click()
            expect(supervisor.locator(".flash")).to_contain_text("整改措施已记录")
            _shots(supervisor, "rectifications-fixed")
            item = supervisor.locator(".rectification-list > li", has_text=number)
            item.get_by_role("button", name="办结整改").click()
            expect(supervisor.locator(".flash")).to_contain_text("整改已办结")
            expect(supervisor.locator(".rectification-list").first).not_to_contain_text(number)
            supervisor.goto(f"{server}/dashboard")
            expect(
                supervisor.locator("#cockpit-attention tbody tr", has_text="整改中的差评").locator(
                    "td"
                )
            ).to_have_text(re.compile(r"^\s*0\b"))

            applicant.goto(f"{server}/notifications")
            applicant.get_by_role(
                "link", name=f"您对工单 {number} 的差评已回访并整改完成"
            ).first.click()
            follow = applicant.locator("#form-follow-up")
            expect(follow).to_be_visible()
            expect(applicant.locator("#evaluation")).to_contain_text("材料清单一次性告知")
            follow.get_by_label("满意", exact=True).check()
            follow.get_by_label("您的意见（选填）").fill("整改及时，谢谢。")
            follow.get_by_role("button", name="提交追评").click()
            expect(applicant.locator(".flash")).to_contain_text("追评已提交")
            section = applicant.locator("#evaluation")
            expect(section).to_contain_text("追评")
            expect(section).to_contain_text("整改及时，谢谢。")
            expect(applicant.locator("#form-follow-up")).to_have_count(0)
            _shots(applicant, "order-followed-up")
        finally:
            browser.close()
