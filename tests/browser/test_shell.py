"""The page shell in a real browser: Debian's headless Chromium against uvicorn and SQLite.

Signs up in Chinese, switches to English, signs out, signs in as the seeded handler and sees
the handler's navigation with an unread badge, then marks the inbox read through htmx.
Screenshots go to /tmp/shots/ (375 px and 1280 px, both languages).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backend.settings import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("SERVICEHALL_SHOTS_DIR", Path(tempfile.gettempdir()) / "shots"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HANDLER_LOGIN = "handler@demo.servicehall.cn"
ADMIN_LOGIN = "admin@demo.servicehall.cn"
DEMO_PASSWORD = "servicehall-demo"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: browser tests skipped (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    print(f"\n!!! {message} !!!", file=sys.stderr)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@contextmanager
def serve_demo(
    workdir: Path, prepare: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """The seeded demo in `workdir`, served by uvicorn on a free port once it listens.

    `prepare` names a module run (`python -m`) between seeding and serving, to add what a test
    needs; its printed output is yielded with the server's address.
    """
    _require_chromium()
    port = _free_port()
    env = {
        **os.environ,
        "SERVICEHALL_DATABASE_URL": f"sqlite://{workdir / 'app.sqlite3'}",
        "SERVICEHALL_STORAGE_DIR": str(workdir / "files"),
        "SERVICEHALL_ARGON2_TIME_COST": "1",
        "SERVICEHALL_ARGON2_MEMORY_COST": "1024",
        "SERVICEHALL_HOST": "127.0.0.1",
        "SERVICEHALL_PORT": str(port),
        **(extra_env or {}),
    }
    _cli(env, "migrate")
    _cli(env, "seed")
    prepared = ""
    if prepare is not None:
        done = subprocess.run(
            [sys.executable, "-m", prepare],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        prepared = done.stdout
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the server did not start:\n" + log_path.read_text())
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", prepared
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded demo, served once for the module."""
    with serve_demo(tmp_path_factory.mktemp("browser")) as (base, _):
        yield base


def test_sign_up_switch_language_and_see_the_handler_shell(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
            page.goto(server + "/")
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            expect(page.get_by_role("heading", name="欢迎来到服务大厅")).to_be_visible()
            page.screenshot(path=str(SHOTS / "home-anonymous-zh-375.png"), full_page=True)

            page.get_by_role("navigation").get_by_role("link", name="注册").click()
            page.get_by_label("姓名").fill("韩梅梅")
            page.get_by_label("手机号或电子邮箱").fill("hanmeimei@example.cn")
            page.get_by_label("密码").fill("123")
            page.locator("form.stack button[type=submit]").click()
            expect(page.locator("#password-error")).to_contain_text("不能全是数字")
            expect(page.get_by_label("姓名")).to_have_value("韩梅梅")
            page.screenshot(path=str(SHOTS / "signup-errors-zh-375.png"), full_page=True)
            page.get_by_label("密码").fill("correct horse battery")
            page.locator("form.stack button[type=submit]").click()
            expect(page.get_by_role("heading", name="韩梅梅，您好")).to_be_visible()
            expect(page.locator(".flash")).to_contain_text("您的账号已创建")
            expect(page.locator("#unread-badge")).to_contain_text("1")
            page.screenshot(path=str(SHOTS / "home-applicant-zh-375.png"), full_page=True)

            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.get_by_role("heading", name="Hello, 韩梅梅")).to_be_visible()
            expect(page.get_by_role("link", name="API tokens")).to_be_visible()
            page.screenshot(path=str(SHOTS / "home-applicant-en-375.png"), full_page=True)

            page.get_by_role("button", name="Sign out").click()
            expect(page.locator(".flash")).to_contain_text("You are signed out.")
            page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
            page.get_by_label("Mobile number or e-mail").fill(HANDLER_LOGIN)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.locator("form.stack button[type=submit]").click()
            nav = page.get_by_role("navigation")
            expect(nav.get_by_role("link", name="Messages")).to_be_visible()
            expect(nav.get_by_role("link", name="People")).to_have_count(0)
            expect(page.locator("#unread-badge")).to_be_visible()
            page.screenshot(path=str(SHOTS / "home-handler-en-375.png"), full_page=True)

            nav.get_by_role("link", name="Messages").click()
            expect(page.locator("li.unread").first).to_be_visible()
            page.screenshot(path=str(SHOTS / "inbox-handler-en-375.png"), full_page=True)
            page.get_by_role("button", name="Mark all read").click()
            expect(page.locator("#inbox .flash")).to_contain_text("All messages are marked read.")
            expect(page.locator("#unread-badge")).to_have_count(0)
            expect(page.locator("li.unread")).to_have_count(0)
            assert page.url == server + "/notifications"

            wide = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            wide.goto(server + "/")
            wide.screenshot(path=str(SHOTS / "home-anonymous-zh-1280.png"), full_page=True)
            wide.get_by_role("button", name="English").click()
            expect(wide.locator("html")).to_have_attribute("lang", "en")
            wide.screenshot(path=str(SHOTS / "home-anonymous-en-1280.png"), full_page=True)
            wide.goto(server + "/no/such/page")
            expect(wide.get_by_role("heading", name="Page not found")).to_be_visible()
            wide.screenshot(path=str(SHOTS / "not-found-en-1280.png"), full_page=True)

            wide.goto(server + "/admin/users")
            wide.get_by_label("Mobile number or e-mail").fill(ADMIN_LOGIN)
            wide.get_by_label("Password").fill(DEMO_PASSWORD)
            wide.locator("form.stack button[type=submit]").click()
            expect(wide.get_by_role("heading", name="People", exact=True)).to_be_visible()
            wide.screenshot(path=str(SHOTS / "admin-users-en-1280.png"), full_page=True)
            wide.get_by_role("button", name="中文").click()
            wide.get_by_role("navigation").get_by_role("link", name="团队").click()
            expect(wide.get_by_role("heading", name="团队", exact=True)).to_be_visible()
            wide.screenshot(path=str(SHOTS / "admin-teams-zh-1280.png"), full_page=True)
            wide.set_viewport_size({"width": 375, "height": 800})
            wide.screenshot(path=str(SHOTS / "admin-teams-zh-375.png"), full_page=True)
            wide.get_by_role("navigation").get_by_role("link", name="API 令牌").click()
            wide.get_by_label("令牌名称").fill("ERP")
            wide.get_by_label("teams:read").check()
            wide.locator("form.stack button[type=submit]").click()
            expect(wide.locator("#new-secret code")).to_be_visible()
            wide.screenshot(path=str(SHOTS / "tokens-zh-375.png"), full_page=True)
        finally:
            browser.close()
