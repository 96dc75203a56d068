"""The API tokens page: create with scopes, the secret shown once, last use, revoke."""

from __future__ import annotations

import re

from tests.conftest import Api
from tests.web.helpers import submit


async def test_create_show_secret_once_use_and_revoke(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    page = await api.client.get("/tokens")
    assert page.status_code == 200 and "您还没有 API 令牌" in page.text
    assert 'value="notifications:read"' in page.text
    created = await submit(
        api, "/tokens/new", {"name": "ERP 对接", "scopes": ["notifications:read"]}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-secret">.*?<code>([^<]+)</code>', created.text, re.S)
    assert secret
    again = await api.client.get("/tokens")
    assert secret.group(1) not in again.text and "ERP 对接" in again.text
    assert "最近使用：从未" in again.text
    used = await api.client.post(
        "/graphql",
        json={"query": "{ notifications { totalCount } }"},
        headers={"Authorization": f"Bearer {secret.group(1)}"},
    )
    assert used.status_code == 200 and "errors" not in used.json()
    assert "最近使用：从未" not in (await api.client.get("/tokens")).text.split('id="tokens"', 1)[1]
    token_id = re.search(r'name="id" value="([^"]+)"', again.text)
    assert token_id
    revoked = await submit(api, "/tokens/revoke", {"id": token_id.group(1)})
    assert revoked.status_code == 303
    after = await api.client.get("/tokens")
    assert "令牌已撤销" in after.text and 'class="tag">已撤销' in after.text


async def test_token_form_errors_stay_next_to_fields(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    response = await submit(api, "/tokens/new", {"name": "", "scopes": ["nope:write"]})
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and 'id="scopes-error"' in response.text
    assert "nope:write" in response.text.split('id="scopes-error"', 1)[1].split("</p>", 1)[0]


async def test_tokens_page_needs_sign_in(api: Api) -> None:
    response = await api.client.get("/tokens")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/tokens"


async def test_language_switch_after_a_post_comes_back_to_the_get_page(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    created = await submit(api, "/tokens/new", {"name": "ERP", "scopes": ["teams:read"]})
    assert 'name="next" value="/tokens"' in created.text
