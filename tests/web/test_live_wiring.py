"""How pages open their live stream, and that they work without it (no JavaScript): every
page is whole as served, the stream only keeps it current."""

from __future__ import annotations

import html as entities
import re
from typing import Any

from backend.models.accounts import Role
from tests import builders
from tests.schema.order_helpers import login, open_order, park

HTMX = {"HX-Request": "true"}
LIVE = re.compile(r'<div id="live" hx-sse:connect="([^"]+)" hx-sse:close="live-end" hidden')


def _live(html: str) -> str | None:
    found = LIVE.search(html)
    return entities.unescape(found.group(1)) if found else None


def _follows(html: str) -> str | None:
    """What the page's stream follows, without the digest of what it shows (`seen`), which
    every list and the application carry (a 16-digit hex)."""
    live = _live(html)
    if live is None:
        return None
    followed, seen = re.subn(r"&seen=[0-9a-f]{16}$", "", live)
    assert seen == 1, live
    return followed


async def test_the_order_page_is_whole_as_served_and_follows_from_its_last_event(
    new_api: Any,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    applicant = await login(new_api, p.applicant)
    page = (await applicant.client.get(f"/orders/{order.number}")).text
    # The stream goes on after the last event the page shows (opened 1, assigned 2).
    assert _live(page) == f"/live?order={order.number}&after=2"
    # What it updates is on the page already, in the same fragments.
    status = r'<span id="order-status"><span class="tag order-status status-assigned">'
    assert re.search(status, page)
    assert page.count('<ol class="timeline" id="order-timeline">') == 1
    assert len(re.findall(r"<li>\s*<p><strong>", page.split('id="order-timeline"')[1])) == 2
    assert '<ol class="messages" id="order-messages">' in page
    # The extension is this site's own script (the CSP allows no other).
    assert '<script src="/static/vendor/hx-sse.js" defer></script>' in page


async def test_every_signed_in_page_follows_the_inbox_and_visitors_open_no_stream(
    new_api: Any,
) -> None:
    p = await park(handlers=1)
    applicant = await login(new_api, p.applicant)
    assert _live((await applicant.client.get("/notifications")).text) == "/live"
    visitor = new_api()
    assert _live((await visitor.client.get("/catalog")).text) is None


async def test_lists_follow_what_they_show_and_a_new_filter_reopens_the_stream(
    new_api: Any,
) -> None:
    p = await park(handlers=1)
    await open_order(p)
    handler = await login(new_api, p.handlers[0])
    full = (await handler.client.get("/orders?status=ASSIGNED")).text
    assert _follows(full) == "/live?queue=status%3DASSIGNED%26sort%3DCREATED_AT_DESC"
    # htmx swaps the results of a new filter, and with them a stream following it.
    results = (await handler.client.get("/orders?status=COMPLETED", headers=HTMX)).text
    assert 'hx-swap-oob="true"' in results
    assert _follows(results) == "/live?queue=status%3DCOMPLETED%26sort%3DCREATED_AT_DESC"
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "钱主管"))
    unassigned = (await supervisor.client.get("/supervision/unassigned")).text
    assert _follows(unassigned) == "/live?unassigned="
    assert '<section id="unassigned-results" aria-live="polite"' in unassigned


async def test_what_a_stream_renders_again_is_one_fragment_of_the_page_as_served(
    new_api: Any,
) -> None:
    """The order's state, the application's facts and the cockpit's sections are on their
    pages in the elements the stream swaps (web/live.py), from the same partials."""
    p = await park(handlers=1)
    order = await open_order(p)
    applicant = await login(new_api, p.applicant)
    page = (await applicant.client.get(f"/orders/{order.number}")).text
    state = page.split('<div id="order-state">', 1)[1].split('<section id="conversation"')[0]
    assert 'id="form-cancel"' in state  # the applicant's step, inside what is rendered again
    assert '<dl class="facts">' in state
    await order.fetch_related("application")
    number = order.application.number
    application = (await applicant.client.get(f"/applications/{number}")).text
    assert _follows(application) == f"/live?application={number}"
    assert application.count('<div id="application-state">') == 1
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "钱主管"))
    assert _live((await supervisor.client.get("/dashboard")).text) == "/live?dashboard="
    ranged = (await supervisor.client.get("/dashboard?from=2026-11-01&to=2026-11-30")).text
    assert _live(ranged) == "/live?dashboard=from%3D2026-11-01%26to%3D2026-11-30"
    assert '<section class="cockpit-card" id="cockpit-statuses"' in ranged
    rectifications = (await supervisor.client.get("/rectifications")).text
    assert _follows(rectifications) == "/live?rectifications=1"
    assert rectifications.count('<div id="rectification-lists">') == 1
    assert 'id="appeals-heading"' in rectifications
