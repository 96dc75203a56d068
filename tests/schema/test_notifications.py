"""The inbox: paging, marking read, the unread count, and other people's entries untouched."""

from __future__ import annotations

import pytest

from backend.models.accounts import Notification, User
from backend.services.notifications import notifications
from tests.conftest import Api

PAGE = """query($first: Int, $after: String, $unread: Boolean) {
    notifications(first: $first, after: $after, unreadOnly: $unread) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id kind readAt } } } }"""
MARK = """mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) {
    marked unreadCount userErrors { field code } } }"""
UNREAD = "{ me { unreadNotificationCount } }"


async def _applicant_with_inbox(api: Api, extra: int) -> User:
    await api.sign_up("赵磊", "13800138000")
    user = await User.get(phone="13800138000")
    for i in range(extra):
        await notifications.notify(user.id, "TEAM_JOINED", {"team": f"组{i}"})
    return user


async def _all_pages(api: Api, first: int, unread: bool = False) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = (await api.gql(PAGE, {"first": first, "after": after, "unread": unread}))[
            "notifications"
        ]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(page["edges"]) <= first
            return seen
        assert len(page["edges"]) == first
        after = page["pageInfo"]["endCursor"]


@pytest.mark.postgres
async def test_paging_forward_sees_every_entry_once_newest_first(api: Api) -> None:
    await _applicant_with_inbox(api, 11)  # 12 with the welcome
    everything = (await api.gql(PAGE, {"first": 100}))["notifications"]
    assert everything["totalCount"] == 12
    expected = [e["node"]["id"] for e in everything["edges"]]
    assert everything["edges"][-1]["node"]["kind"] == "WELCOME"
    for size in (1, 5, 12):
        assert await _all_pages(api, size) == expected


@pytest.mark.postgres
async def test_marking_some_entries_read(api: Api) -> None:
    await _applicant_with_inbox(api, 4)
    assert (await api.gql(UNREAD))["me"]["unreadNotificationCount"] == 5
    ids = [e["node"]["id"] for e in (await api.gql(PAGE, {"first": 2}))["notifications"]["edges"]]
    result = (await api.gql(MARK, {"ids": ids}))["markNotificationsRead"]
    assert result == {"marked": 2, "unreadCount": 3, "userErrors": []}
    assert (await api.gql(UNREAD))["me"]["unreadNotificationCount"] == 3
    unread = await _all_pages(api, 2, unread=True)
    assert len(unread) == 3
    assert not set(ids) & set(unread)
    # Marking them again changes nothing.
    assert (await api.gql(MARK, {"ids": ids}))["markNotificationsRead"]["marked"] == 0


async def test_marking_everything_read(api: Api) -> None:
    await _applicant_with_inbox(api, 3)
    result = (await api.gql(MARK))["markNotificationsRead"]
    assert result == {"marked": 4, "unreadCount": 0, "userErrors": []}
    assert (await api.gql(UNREAD))["me"]["unreadNotificationCount"] == 0
    assert (await api.gql(PAGE, {"unread": True}))["notifications"]["totalCount"] == 0
    assert (await api.gql(PAGE, {}))["notifications"]["totalCount"] == 4


@pytest.mark.postgres
async def test_another_users_entry_is_left_alone(api: Api, new_api) -> None:
    await _applicant_with_inbox(api, 0)
    other = new_api()
    await other.sign_up("钱七", "13900139000")
    theirs = (await other.gql(PAGE, {}))["notifications"]["edges"][0]["node"]["id"]
    result = (await api.gql(MARK, {"ids": [theirs]}))["markNotificationsRead"]
    assert result["marked"] == 0
    assert result["unreadCount"] == 1
    their_user = await User.get(phone="13900139000")
    assert (await Notification.get(user_id=their_user.id)).read_at is None
    assert (await other.gql(UNREAD))["me"]["unreadNotificationCount"] == 1


async def test_an_id_of_another_type_is_a_user_error(api: Api) -> None:
    me = (await api.sign_up("赵磊", "13800138000"))["user"]
    result = (await api.gql(MARK, {"ids": [me["id"]]}))["markNotificationsRead"]
    assert result["userErrors"] == [{"field": ["ids", "0"], "code": "INVALID"}]
    assert (await api.gql(UNREAD))["me"]["unreadNotificationCount"] == 1


async def test_a_signed_out_visitor_has_no_inbox(api: Api) -> None:
    assert (await api.gql(PAGE, {}))["notifications"]["totalCount"] == 0
    result = (await api.gql(MARK))["markNotificationsRead"]
    assert [e["code"] for e in result["userErrors"]] == ["NOT_AUTHENTICATED"]


async def test_the_entry_is_in_the_readers_language(api: Api) -> None:
    await api.sign_up("Zhao Lei", "13800138000")
    chinese = await api.gql("{ notifications { edges { node { message } } } }")
    api.client.cookies.set("sh_lang", "en")
    english = await api.gql("{ notifications { edges { node { message } } } }")
    text = english["notifications"]["edges"][0]["node"]["message"]
    assert text.startswith("Welcome to Service Hall, Zhao Lei")
    assert chinese["notifications"]["edges"][0]["node"]["message"] != text
