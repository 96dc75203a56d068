"""The shell every page shares: its menu opens the pages the schema's `me { can }` allows."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.models.accounts import Role
from tests import builders
from tests.schema.order_helpers import login

MENU = {
    Role.APPLICANT: {"/enterprises", "/applications", "/my/orders", "/providers"},
    Role.HANDLER: {"/orders"},
    Role.AUDITOR: {"/orders", "/desk"},
    Role.SUPERVISOR: {"/orders", "/supervision/unassigned", "/dashboard", "/rectifications"},
    Role.ADMIN: {
        "/orders", "/supervision/unassigned", "/dashboard", "/rectifications", "/admin/users",
        "/admin/teams", "/admin/catalog", "/admin/calendar", "/admin/enterprises",
        "/admin/premises", "/admin/providers", "/admin/service-requests",
    },
}  # fmt: skip
EVERYONE = {"/", "/catalog", "/notifications", "/account", "/tokens"}


def _menu(html: str) -> set[str]:
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'<a href="([^"?#]+)"', nav))


@pytest.mark.parametrize("role", sorted(MENU))
async def test_the_menu_shows_exactly_the_pages_me_can_opens(new_api: Any, role: Role) -> None:
    api = await login(new_api, await builders.user(role))
    response = await api.client.get("/")
    assert response.status_code == 200
    assert _menu(response.text) == EVERYONE | MENU[role]


async def test_a_page_whose_route_did_not_ask_still_has_the_menu(new_api: Any) -> None:
    handler = await login(new_api, await builders.user(Role.HANDLER))
    # No route, so nobody asked `me { can }` before the 404 page: it asks as it is sent.
    missing = await handler.client.get("/no-such-page")
    assert missing.status_code == 404
    assert _menu(missing.text) == EVERYONE | MENU[Role.HANDLER]
    assert int(missing.headers["content-length"]) == len(missing.content)
    # The gate asked already: the 403 page reuses its answer.
    refused = await handler.client.get("/desk")
    assert refused.status_code == 403
    assert _menu(refused.text) == EVERYONE | MENU[Role.HANDLER]


async def test_visitors_get_the_sign_in_links_only(api: Any) -> None:
    response = await api.client.get("/catalog")
    assert _menu(response.text) == {"/", "/catalog", "/signup", "/login"}
