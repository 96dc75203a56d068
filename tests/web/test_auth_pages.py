"""The shell and the account pages, through the real app: language, CSRF, forms, errors."""

from __future__ import annotations

import httpx2

from tests.conftest import PASSWORD, Api, make_user
from tests.web.helpers import csrf_from_page, sign_in_by_form, submit


async def test_home_is_chinese_by_default(client: httpx2.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "服务大厅" in response.text
    assert "注册" in response.text and "登录" in response.text
    assert 'hx-headers:inherited=\'{"X-CSRF-Token": "' in response.text
    assert "/static/vendor/htmx.min.js" in response.text


async def test_accept_language_english(client: httpx2.AsyncClient) -> None:
    response = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in response.text
    assert "Welcome to Service Hall" in response.text


async def test_language_switch_sets_cookie_and_redirects_back(api: Api) -> None:
    response = await submit(api, "/language", {"value": "en", "next": "/login"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert "sh_lang=en" in response.headers["set-cookie"]
    page = await api.client.get("/login")
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text and "登录" not in page.text.replace('lang="zh-CN">中文', "")


async def test_language_switch_refuses_offsite_next(api: Api) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = await submit(api, "/language", {"value": "en", "next": target})
        assert response.headers["location"] == "/"


async def test_signed_in_language_is_saved(api: Api) -> None:
    await api.sign_up("李雷", "lilei@example.cn")
    await submit(api, "/language", {"value": "en", "next": "/"})
    data = await api.gql("{ me { language } }")
    assert data["me"]["language"] == "en"


async def test_forms_without_csrf_field_are_refused(api: Api) -> None:
    await api.prime()
    for path, fields in [
        ("/login", {"identifier": "x@example.cn", "password": "whatever"}),
        ("/signup", {"name": "x", "contact": "x@example.cn", "password": PASSWORD}),
        ("/language", {"value": "en"}),
        ("/logout", {}),
    ]:
        response = await api.client.post(path, data=fields)
        assert response.status_code == 403, path
    bad = await api.client.post("/language", data={"value": "en", "csrf_token": "forged"})
    assert bad.status_code == 403


async def test_a_browser_posting_a_stale_form_gets_a_page_that_says_what_to_do(api: Api) -> None:
    await api.prime()
    response = await api.client.post(
        "/login",
        data={"identifier": "x@example.cn", "password": "whatever", "csrf_token": "stale"},
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "表单已过期" in response.text


async def test_the_api_answers_a_csrf_refusal_in_json_even_to_a_browser(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    response = await api.client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"X-CSRF-Token": "stale", "Accept": "text/html,application/json"},
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


async def test_signup_errors_appear_next_to_fields_and_keep_values(api: Api) -> None:
    response = await submit(
        api, "/signup", {"name": "韩梅梅", "contact": "not-a-contact", "password": "123"}
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="contact-error"' in html and 'id="password-error"' in html
    contact_field = html.split('id="contact"', 1)[1].split("</div>", 1)[0]
    assert "请输入中国大陆手机号（11 位）或电子邮箱地址。" in contact_field
    assert 'value="韩梅梅"' in html and 'value="not-a-contact"' in html
    assert 'value="123"' not in html


async def test_signup_signs_in_and_flashes(api: Api) -> None:
    response = await submit(
        api, "/signup", {"name": "韩梅梅", "contact": "hmm@example.cn", "password": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = await api.client.get("/")
    assert "韩梅梅" in home.text
    assert 'class="flash"' in home.text
    assert "申请人" in home.text
    assert 'href="/notifications"' in home.text and 'id="unread-badge"' in home.text
    assert 'href="/admin/users"' not in home.text
    again = await api.client.get("/")
    assert 'class="flash"' not in again.text


async def test_login_and_logout_by_form(api: Api) -> None:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员")
    wrong = await sign_in_by_form(api, "admin@example.cn", "wrong password")
    assert wrong.status_code == 422
    assert 'value="admin@example.cn"' in wrong.text and "wrong password" not in wrong.text
    assert "账号或密码错误。" in wrong.text
    response = await sign_in_by_form(api, "admin@example.cn", PASSWORD)
    assert response.status_code == 303
    home = await api.client.get("/")
    assert "管理员" in home.text and 'href="/admin/users"' in home.text
    token = await csrf_from_page(api.client, "/")
    out = await api.client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    after = await api.client.get("/")
    assert 'href="/login"' in after.text and "/admin/users" not in after.text


async def test_signing_out_by_form_ends_the_session_for_its_old_cookie_too(
    api: Api, new_api
) -> None:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员")
    assert (await sign_in_by_form(api, "admin@example.cn", PASSWORD)).status_code == 303
    stolen = api.client.cookies.get("sh_session")
    assert stolen
    out = await api.client.post("/logout", data={"csrf_token": await csrf_from_page(api.client)})
    assert out.status_code == 303
    replay = new_api()
    replay.client.cookies.set("sh_session", stolen)
    page = await replay.client.get("/admin/users")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    home = await replay.client.get("/")
    assert "管理员" not in home.text and 'href="/login"' in home.text


async def test_signing_in_by_form_marks_the_browser_as_the_owners(api: Api) -> None:
    from backend.models.accounts import User
    from backend.services.accounts import devices
    from tests.conftest import SECRET

    await make_user("d@example.cn", ["HANDLER"])
    response = await sign_in_by_form(api, "d@example.cn", PASSWORD)
    assert response.status_code == 303
    device = api.client.cookies.get("sh_device")
    user = await User.get(email="d@example.cn")
    assert devices.device_user(SECRET, device) == user.id
    (set_device,) = [
        c for c in response.headers.get_list("set-cookie") if c.startswith("sh_device=")
    ]
    assert "httponly" in set_device.lower() and "samesite=lax" in set_device.lower()


async def test_login_goes_back_to_next(api: Api) -> None:
    await make_user("h@example.cn", ["HANDLER"])
    page = await api.client.get("/notifications")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/notifications"
    response = await submit(
        api, "/login", {"identifier": "h@example.cn", "password": PASSWORD, "next": "/tokens"}
    )
    assert response.headers["location"] == "/tokens"


async def test_login_throttling_shows_as_form_error(api: Api) -> None:
    await make_user("t@example.cn", ["HANDLER"])
    last = None
    for _ in range(7):
        last = await sign_in_by_form(api, "t@example.cn", "not the password")
    assert last is not None and last.status_code == 422
    assert "分钟" in last.text


async def test_unknown_page_is_404_in_both_languages(api: Api) -> None:
    response = await api.client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text
    await submit(api, "/language", {"value": "en"})
    english = await api.client.get("/no/such/page")
    assert english.status_code == 404 and "Page not found" in english.text


async def test_concurrent_requests_render_each_in_its_own_language(
    client: httpx2.AsyncClient,
) -> None:
    import asyncio

    languages = ["zh-CN", "en"] * 10
    responses = await asyncio.gather(
        *(client.get("/signup", headers={"Accept-Language": lang}) for lang in languages)
    )
    for lang, response in zip(languages, responses, strict=True):
        assert f'<html lang="{lang}">' in response.text
        assert ("创建账号" if lang == "zh-CN" else "Create an account") in response.text
