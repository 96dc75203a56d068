"""Issue 12's journey in a real browser, at 375 px in Chinese, on the seeded demo.

A provider's item, the provider's webhook endpoint on a local HTTP receiver, and a PROVIDER
user with an API token are added to the seeded database (`tests.browser.demo_provider_item`).
The demo applicant finds the provider in the directory and applies; the item is approved at
once and the order forwarded. The receiver acknowledges the signed delivery, so the order
becomes FORWARDED; the provider accepts (naming its staff member), posts progress and
completes through the API with its token; the applicant sees each step on the order page.
Screenshots go to /tmp/shots-providers/.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.browser.test_shell import CHROMIUM, DEMO_PASSWORD, LAUNCH_ARGS, serve_demo
from tests.services.webhooks.receiver import Receiver, Reply

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get(
        "SERVICEHALL_PROVIDER_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots-providers"
    )
)
APPLICANT_LOGIN = "13800138000"
PROVIDER = "园区机电维修服务平台"
ITEM = "办公室空调维修"
ORDER = """query($number: String!) { orderByNumber(number: $number) { id version status } }"""
UPDATE = """mutation($input: ProviderUpdateOrderInput!) { providerUpdateOrder(input: $input) {
    order { status version } userErrors { field code message } } }"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Receiver]]:
    with Receiver(Reply(204)) as receiver:
        workdir = tmp_path_factory.mktemp("browser-providers")
        env = {
            "SERVICEHALL_TEST_HOOK_URL": receiver.url,
            "SERVICEHALL_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
            "SERVICEHALL_JOBS_POLL_SECONDS": "1",
        }
        with serve_demo(workdir, "tests.browser.demo_provider_item", env) as (base, printed):
            _item_id, token = printed.split()
            yield base, token, receiver


def _shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _api(base: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx2.post(
        base + "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _wait_for(check: Any, what: str, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"waited {seconds} s for {what}")


def test_apply_for_a_providers_item_and_follow_the_provider(
    world: tuple[str, str, Receiver],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, token, receiver = world
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            page.goto(base + "/login")
            page.locator("#identifier").fill(APPLICANT_LOGIN)
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            expect(page.locator("form[action='/logout'] button")).to_be_visible()

            # The directory: the provider and what it serves, leading to the application.
            page.goto(base + "/providers")
            expect(page.get_by_role("heading", name="服务商名录")).to_be_visible()
            expect(page.get_by_role("heading", name=PROVIDER)).to_be_visible()
            _shoot(page, "01-directory")
            page.get_by_role("link", name=f"申请办理：{ITEM}").click()
            expect(page.locator("form.apply-form")).to_contain_text(PROVIDER)
            _shoot(page, "02-apply-form")
            page.get_by_role("button", name="下一步").click()
            page.get_by_role("button", name="提交申请").click()
            expect(page.locator("#application-number")).to_be_visible()
            expect(page.locator("main")).to_contain_text("正在转交服务商办理")
            _shoot(page, "03-submitted")
            number = page.locator("main").inner_text().split("工单 ")[1].split(" ")[0]

            # The signed delivery reaches the receiver; its acknowledgement forwards the order.
            delivered = _wait_for(lambda: receiver.received, "the forwarded order's delivery")
            body = json.loads(delivered[0].body)
            assert body["type"] == "order.forwarded"
            assert body["data"]["order"]["number"] == number
            assert delivered[0].headers["webhook-signature"].startswith("v1,")
            order = _wait_for(
                lambda: (
                    (o := _api(base, token, ORDER, {"number": number})["orderByNumber"])
                    and o["status"] == "FORWARDED"
                    and o
                ),
                "the order to be FORWARDED",
            )

            # The provider accepts, reports progress and completes, through the API.
            steps = [
                {"step": "ACCEPT", "staffName": "陈工程师", "expectedVersion": order["version"]},
                {"step": "PROGRESS", "note": "已上门检查，更换压缩机电容"},
            ]
            for step in steps:
                done = _api(base, token, UPDATE, {"input": {"orderId": order["id"], **step}})
                assert done["providerUpdateOrder"]["userErrors"] == []
            page.goto(f"{base}/orders/{number}")
            expect(page.locator(".facts")).to_contain_text("陈工程师（服务商工作人员）")
            expect(page.locator("main")).to_contain_text("服务商已受理")
            expect(page.locator("main")).to_contain_text("已上门检查，更换压缩机电容")
            _shoot(page, "04-accepted")

            version = _api(base, token, ORDER, {"number": number})["orderByNumber"]["version"]
            completed = _api(base, token, UPDATE, {"input": {
                "orderId": order["id"], "step": "COMPLETE", "result": "空调已修复，制冷正常",
                "expectedVersion": version}})  # fmt: skip
            assert completed["providerUpdateOrder"]["userErrors"] == []
            assert completed["providerUpdateOrder"]["order"]["status"] == "COMPLETED"
            page.reload()
            expect(page.locator("#result")).to_contain_text("空调已修复，制冷正常")
            for label in ("服务商已接收", "服务商已受理", "已办结"):
                expect(page.locator("main")).to_contain_text(label)
            _shoot(page, "05-completed")
        finally:
            browser.close()
