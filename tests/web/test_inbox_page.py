"""The inbox page: paging, highlighting, and "mark all read" with and without htmx."""

from __future__ import annotations

import re

from tests.conftest import Api
from tests.web.helpers import submit


async def _notify(user_id: str, count: int) -> None:
    from backend.schema.relay import decode_id_of
    from backend.services.notifications import notifications

    pk = decode_id_of(user_id, "User")
    assert pk is not None
    for n in range(count):
        await notifications.notify(pk, "TEAM_JOINED", {"team": f"第{n}组"})


async def test_inbox_highlights_unread_and_pages(api: Api) -> None:
    signed = await api.sign_up("韩梅梅", "hmm@example.cn")
    await _notify(signed["user"]["id"], 22)
    first = await api.client.get("/notifications")
    assert first.status_code == 200
    assert first.text.count('class="unread"') == 20
    assert "您已被加入团队“第21组”。" in first.text
    assert 'id="unread-badge"' in first.text and ">23</span>" in first.text
    more = first.text.split('href="/notifications?after=', 1)[1].split('"', 1)[0]
    second = await api.client.get(f"/notifications?after={more}")
    assert second.text.count('class="unread"') == 3
    assert "欢迎来到服务大厅" in second.text
    assert 'href="/notifications?after=' not in second.text


async def test_mark_all_read_without_js(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    response = await submit(api, "/notifications/read", {})
    assert response.status_code == 303 and response.headers["location"] == "/notifications"
    page = await api.client.get("/notifications")
    assert 'class="unread"' not in page.text and 'class="read"' in page.text
    assert "全部消息已标为已读" in page.text
    assert 'id="unread-badge"' not in page.text


async def test_mark_all_read_with_htmx_swaps_the_list_and_the_badge(api: Api) -> None:
    await api.sign_up("韩梅梅", "hmm@example.cn")
    await api.prime()
    response = await api.client.post(
        "/notifications/read", headers={"HX-Request": "true", "X-CSRF-Token": api.csrf()}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="inbox"')
    assert '<hx-partial hx-target="#unread-slot"' in response.text
    assert "<html" not in response.text and 'class="unread"' not in response.text


async def test_one_entry_is_marked_read_by_its_button_with_and_without_htmx(api: Api) -> None:
    signed = await api.sign_up("韩梅梅", "hmm@example.cn")
    await _notify(signed["user"]["id"], 2)
    page = (await api.client.get("/notifications")).text
    assert page.count('class="unread"') == 3
    # A button in a form: reading writes, so no link does it.
    ids = re.findall(r'<input type="hidden" name="id" value="([^"]+)">', page)
    assert len(ids) == 3 and "/notifications/read?" not in page
    response = await submit(api, "/notifications/read", {"id": ids[0]})
    assert response.status_code == 303
    page = (await api.client.get("/notifications")).text
    assert page.count('class="unread"') == 2 and "该消息已标为已读" in page
    again = await submit(api, "/notifications/read", {"id": ids[0]})
    assert again.status_code == 303
    assert "该消息此前已读" in (await api.client.get("/notifications")).text
    await api.prime()
    swapped = await api.client.post(
        "/notifications/read",
        data={"id": ids[1], "csrf_token": api.csrf()},
        headers={"HX-Request": "true", "X-CSRF-Token": api.csrf()},
    )
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="inbox"')
    assert swapped.text.count('class="unread"') == 1
