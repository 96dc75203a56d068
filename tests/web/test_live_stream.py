"""A page's live stream (`/live`, server-sent events) against the app under uvicorn: changes
made through mutations arrive as the page's own fragments, a reconnect is replayed what it
missed, another enterprise's order is refused, and the stream ends when the server stops."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from tortoise import connections
from tortoise.context import TortoiseContext

from backend.db import tortoise_config
from backend.models.accounts import Role, TeamMember
from backend.models.orders import Order
from backend.settings import Settings
from tests import builders
from tests.schema.conversation_helpers import send
from tests.schema.helpers import global_id
from tests.schema.live_helpers import WAIT, LiveServer, live_server
from tests.schema.order_helpers import open_order, park
from tests.schema.steps_helpers import act
from web.event_stream import END, EventStream, message


class Events:
    """The messages of one open stream, parsed as a browser's EventSource would."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines
        self.last_id: str | None = None

    async def next(self, within: float = WAIT) -> dict[str, Any]:
        async with asyncio.timeout(within):
            found: dict[str, Any] = {"data": []}
            async for line in self.lines:
                if line == "":
                    if found["data"] or "id" in found or "event" in found:
                        found["data"] = "\n".join(found["data"])
                        return found
                    continue
                if line.startswith(":"):
                    continue  # a comment: the stream is idle
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    found["data"].append(value)
                else:
                    found[name] = value
                    if name == "id":
                        self.last_id = value
        raise EOFError("the stream ended")

    async def ended(self, within: float = WAIT) -> list[dict[str, Any]]:
        """What arrives until the server ends the stream."""
        seen = []
        async with asyncio.timeout(within):
            while True:
                try:
                    seen.append(await self.next(within))
                except EOFError:
                    return seen


@asynccontextmanager
async def stream(
    client: Any, query: str, headers: dict[str, str] | None = None
) -> AsyncIterator[Events]:
    async with client.client.stream("GET", f"/live?{query}", headers=headers) as response:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response.aiter_lines())


async def _signed_in(server: LiveServer, user: Any) -> Any:
    return await server.signed_in(user)


def _status_text(data: str) -> str | None:
    found = re.search(
        r'hx-target="#order-status"[^>]*><span class="tag order-status ([^"]+)"', data
    )
    return found.group(1) if found else None


async def _next_beside_the_inbox(events: Events) -> dict[str, Any]:
    """The next message about the order itself: the applicant's inbox count rides on the same
    stream, and the handler's steps now send the applicant notices too."""
    while True:
        message = await events.next()
        if 'hx-target="#unread-slot"' not in message["data"]:
            return message


async def _next_event(events: Events) -> dict[str, Any]:
    """The next of the order's events (a message with an id): beside the inbox count and the
    order's state, rendered again after its events."""
    while True:
        message = await events.next()
        if "id" in message:
            return message


def _forms(data: str) -> list[str]:
    """The order's step forms in a fragment, by their action."""
    return re.findall(r'<form method="post" action="/orders/[^/"]+/(\w+)', data)


@pytest.mark.postgres
async def test_the_order_page_stream_sends_each_change_as_the_pages_fragments(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)  # opened (1) and assigned (2)
    async with live_server(settings) as server:
        applicant = await _signed_in(server, p.applicant)
        handler = await _signed_in(server, p.handlers[0])
        async with stream(applicant, f"order={order.number}&after=2") as events:
            first = await events.next()
            assert (first["id"], first["retry"]) == ("2", "2000")

            accepted = await act(handler, "ACCEPT", order)
            assert accepted["userErrors"] == []
            change = await _next_beside_the_inbox(events)
            assert change["id"] == "3"
            assert 'hx-target="#order-timeline" hx-swap="beforeend"' in change["data"]
            assert "经办人已接单" in change["data"]  # the event's words, in the reader's language
            assert _status_text(change["data"]) == "status-in-progress"
            # What the status decides follows, for the applicant: "cancel" is no longer theirs.
            state = await _next_beside_the_inbox(events)
            assert 'hx-target="#order-state" hx-swap="outerMorph"' in state["data"]
            assert '<div id="order-state">' in state["data"]
            assert "cancel" not in _forms(state["data"])

            sent = await send(handler, global_id("Order", order.id), body="请补充营业执照副本")
            assert sent["userErrors"] == []
            # Not in the timeline: the conversation is sent again whole.
            conversation = await _next_beside_the_inbox(events)
            assert "id" not in conversation
            assert 'hx-target="#order-messages" hx-swap="outerHTML"' in conversation["data"]
            assert "请补充营业执照副本" in conversation["data"]
            assert 'id="order-messages"' in conversation["data"]


@pytest.mark.postgres
async def test_a_reconnecting_stream_is_replayed_what_it_missed_and_lists_come_whole(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    async with live_server(settings) as server:
        applicant = await _signed_in(server, p.applicant)
        handler = await _signed_in(server, p.handlers[0])
        async with stream(applicant, f"order={order.number}&after=2") as events:
            assert (await events.next())["id"] == "2"
        # Cut off: meanwhile the handler accepts and asks a question.
        await act(handler, "ACCEPT", order)
        await act(handler, "REQUEST_INFORMATION", order, fileTypes=[])
        headers = {"Last-Event-ID": "2"}
        async with stream(applicant, f"order={order.number}&after=2", headers) as events:
            opening = await events.next()
            assert opening["id"] == "2"
            badge = await events.next()  # a reconnect: the count again, whole
            assert 'hx-target="#unread-slot"' in badge["data"]
            # ...and the order's state, whole (the cut may have come between an event and it).
            state = await events.next()
            assert 'hx-target="#order-state"' in state["data"]
            assert "answer" in _forms(state["data"])  # asked: the applicant answers now
            replayed = [await events.next() for _ in range(2)]
            assert [m["id"] for m in replayed] == ["3", "4"]
            assert _status_text(replayed[1]["data"]) == "status-waiting-on-applicant"
            # ...and nothing twice: the next is the next change.
            answered = await act(applicant, "ANSWER", order)
            assert answered["userErrors"] == [], answered
            assert (await _next_event(events))["id"] == "5"
        # The id wins over the page's `after`: what the stream had sent, not what it showed.
        again = {"Last-Event-ID": "4"}
        async with stream(applicant, f"order={order.number}&after=0", again) as events:
            assert (await events.next())["id"] == "4"
            assert (await _next_event(events))["id"] == "5"


@pytest.mark.postgres
async def test_a_stream_for_an_order_the_viewer_may_not_see_is_refused(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    theirs = await open_order(p, other=True)
    async with live_server(settings) as server:
        applicant = await _signed_in(server, p.applicant)
        refused = await applicant.client.get(f"/live?order={theirs.number}&after=0")
        assert refused.status_code == 404
        assert (await applicant.client.get("/live?order=NO-SUCH&after=0")).status_code == 404
        malformed = await applicant.client.get(f"/live?order={order.number}&after=x")
        assert malformed.status_code == 400
        # The supervisor's lists are not the applicant's.
        assert (await applicant.client.get("/live?unassigned=")).status_code == 403
        visitor = server.api()
        assert (await visitor.client.get("/live")).status_code == 401
        assert server.broker.listeners == 0  # nothing left listening


@pytest.mark.postgres
async def test_the_inbox_count_rides_on_every_pages_stream(settings: Settings) -> None:
    p = await park(handlers=1)
    async with live_server(settings) as server:
        handler = await _signed_in(server, p.handlers[0])
        async with stream(handler, "") as events:
            assert (await events.next())["id"] == "0"
            await open_order(p)  # given to the handler, who is told
            badge = await events.next()
            assert 'hx-target="#unread-slot" hx-swap="innerHTML"' in badge["data"]
            found = re.search(r'id="unread-badge"[^>]*>.*?</span>(\d+)</span>', badge["data"])
            assert found is not None and found.group(1) == "1", badge["data"]


@pytest.mark.postgres
async def test_the_queue_stream_renders_the_results_again_when_an_order_changes(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    async with live_server(settings) as server:
        handler = await _signed_in(server, p.handlers[0])
        async with stream(handler, "queue=status%3DASSIGNED") as events:
            await events.next()
            opened = await events.next()  # the list, whole, as the stream starts
            assert 'hx-target="#order-results"' in opened["data"]
            assert order.number in opened["data"]
            await act(handler, "ACCEPT", order)
            results = await events.next()
            assert 'hx-target="#order-results" hx-swap="outerMorph"' in results["data"]
            # Filtered as the page was: the accepted order left the ASSIGNED list.
            assert order.number not in results["data"]
            assert 'id="order-results"' in results["data"]


@pytest.mark.postgres
async def test_streams_end_when_the_server_stops(settings: Settings) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    async with live_server(settings) as server:
        applicant = await _signed_in(server, p.applicant)
        async with stream(applicant, f"order={order.number}&after=2") as events:
            await events.next()
            stopping = asyncio.ensure_future(server.stop())
            assert await events.ended() == []  # the body ends; the browser reconnects later
            await stopping
        assert await Order.filter(id=order.id).exists()


def _page_follows(page: str) -> str:
    """The query of the stream a page opens (`/live?...`), as the browser would send it."""
    found = re.search(r'hx-sse:connect="/live\?([^"]+)"', page)
    assert found is not None
    return found.group(1).replace("&amp;", "&")


async def _next_list(events: Events) -> str:
    """The next message that re-renders the queue's results."""
    while True:
        found = await events.next()
        if 'hx-target="#order-results"' in found["data"]:
            return str(found["data"])


async def test_an_opening_stream_sends_a_list_again_only_when_it_changed_since_the_page(
    settings: Settings,
) -> None:
    """A page rendered with a form's problems keeps them: the stream, opening, sends the list
    whole only when what it reads differs from what the page showed (`seen`)."""
    p = await park(handlers=1)
    order = await open_order(p)
    async with live_server(settings) as server:
        handler = await _signed_in(server, p.handlers[0])
        unchanged = _page_follows((await handler.client.get("/orders")).text)
        async with stream(handler, unchanged) as events:
            await events.next()  # the opening: id and retry
            await act(handler, "ACCEPT", order)
            # The first list it sends is the change's, not a copy of what the page showed.
            assert "status-in-progress" in await _next_list(events)
        # Shown, then changed before the stream opens: the opening sends it whole.
        page = (await handler.client.get("/orders")).text
        await act(handler, "REQUEST_INFORMATION", order, fileTypes=[])
        async with stream(handler, _page_follows(page)) as events:
            await events.next()
            assert "status-waiting-on-applicant" in await _next_list(events)


@pytest.mark.postgres
@pytest.mark.postgres_only
async def test_open_streams_hold_no_database_connection(db: str, settings: Settings) -> None:
    """With a pool of ONE connection and two streams open, pages are still served and the
    streams still render changes: a stream takes a connection only while it renders."""
    p = await park(handlers=1)
    order = await open_order(p)
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(f"{db}?minsize=1&maxsize=1"))
        pool: Any = connections.get("default")._pool  # type: ignore[attr-defined]
        assert pool is None or pool.get_max_size() == 1
        async with live_server(settings) as server:
            applicant = await _signed_in(server, p.applicant)
            handler = await _signed_in(server, p.handlers[0])
            query = f"order={order.number}&after=2"
            async with stream(applicant, query) as ours, stream(handler, "queue=") as theirs:
                await ours.next()
                await theirs.next()
                assert 'id="order-results"' in (await theirs.next())["data"]  # whole, at first
                assert connections.get("default")._pool.get_max_size() == 1  # type: ignore[attr-defined]
                shown = await asyncio.wait_for(applicant.client.get(f"/orders/{order.number}"), 5)
                assert shown.status_code == 200
                assert f"/live?order={order.number}&amp;after=2" in shown.text
                await act(handler, "ACCEPT", order)
                assert (await _next_event(ours))["id"] == "3"
                assert 'id="order-results"' in (await theirs.next())["data"]


async def test_a_reader_that_does_not_take_what_is_written_is_dropped() -> None:
    """A write the client does not take within the send timeout ends the response (and its
    stream), instead of holding its news and memory for ever."""
    outbox: asyncio.Queue[bytes] = asyncio.Queue()
    closed: list[bool] = []
    response = EventStream(outbox, on_close=lambda: closed.append(True), send_timeout=0.2,
                           idle_seconds=5)  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def stuck_send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            await asyncio.Event().wait()  # the client's buffers are full: never taken

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    outbox.put_nowait(b"data: one\n\n")
    await asyncio.wait_for(response({"type": "http"}, receive, stuck_send), 2)  # type: ignore[arg-type]
    assert closed == [True]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert (b"content-type", b"text/event-stream; charset=utf-8") in sent[0]["headers"]
    assert not [h for h in sent[0]["headers"] if h[0] == b"content-length"]


async def test_a_stream_ends_its_body_when_its_outbox_ends_and_when_the_client_goes() -> None:
    outbox: asyncio.Queue[bytes] = asyncio.Queue()
    closed: list[bool] = []
    response = EventStream(outbox, on_close=lambda: closed.append(True), send_timeout=1,
                           idle_seconds=0.05)  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    outbox.put_nowait(message("<p>x</p>\n<p>y</p>", id="7"))
    running = asyncio.ensure_future(response({"type": "http"}, receive, send))  # type: ignore[arg-type]
    await asyncio.sleep(0.12)  # idle: comment lines keep the connection
    outbox.put_nowait(END)
    await asyncio.wait_for(running, 1)
    bodies = [m["body"] for m in sent[1:]]
    assert bodies[0] == b"id: 7\ndata: <p>x</p>\ndata: <p>y</p>\n\n"
    assert b": idle\n\n" in bodies
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert closed == [True]

    # The client goes: the response ends without writing more.
    closed.clear()
    gone = asyncio.Event()

    async def leaving() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    response = EventStream(asyncio.Queue(), on_close=lambda: closed.append(True),
                           send_timeout=1, idle_seconds=5)  # fmt: skip
    running = asyncio.ensure_future(response({"type": "http"}, leaving, send))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    gone.set()
    await asyncio.wait_for(running, 1)
    assert closed == [True]


@pytest.mark.postgres
async def test_the_application_page_stream_follows_its_status(settings: Settings) -> None:
    from tests.schema import application_helpers as apps

    async with live_server(settings) as server:
        w = await apps.world(lambda *_, **__: server.api())
        filled = apps.submission(w, attachments=await apps.materials(w.owner))
        app = (await apps.submitted(w.applicant, filled))["application"]
        number = app["number"]
        async with stream(w.applicant, f"application={number}") as events:
            assert (await events.next())["id"] == "0"
            opened = await events.next()  # its facts and buttons, whole, as the stream starts
            assert 'hx-target="#application-status"' not in opened["data"]
            assert 'hx-target="#application-state" hx-swap="outerMorph"' in opened["data"]
            assert f'href="/applications/{number}/withdraw"' in opened["data"]
            decided = await apps.decide(w.auditor, app, "APPROVE")
            assert decided["userErrors"] == []
            change = await _next_beside_the_inbox(events)
            assert 'hx-target="#application-status" hx-swap="innerHTML"' in change["data"]
            assert '<span class="tag status-approved">' in change["data"]
            # Then what the status decides: approved, it may no longer be withdrawn, and its
            # order is named.
            state = await _next_beside_the_inbox(events)
            assert 'hx-target="#application-state"' in state["data"]
            assert "/withdraw" not in state["data"]
            assert 'href="/orders/' in state["data"]
        # Another's application is not theirs to follow.
        stranger = await server.signed_in(await builders.user(Role.APPLICANT, "路人"))
        refused = await stranger.client.get(f"/live?application={number}")
        assert refused.status_code == 404


@pytest.mark.postgres
async def test_the_supervisors_unassigned_list_is_rendered_again_when_orders_change(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR, "钱主管")
    await TeamMember.filter(user_id=p.handlers[0].id).update(on_leave=True)
    async with live_server(settings) as server:
        boss = await _signed_in(server, supervisor)
        async with stream(boss, "unassigned=") as events:
            await events.next()
            assert 'hx-target="#unassigned-results"' in (await events.next())["data"]
            waiting = await open_order(p)  # nobody to take it: it waits
            results = await events.next()
            assert 'hx-target="#unassigned-results" hx-swap="outerMorph"' in results["data"]
            assert waiting.number in results["data"]
            assert 'name="csrf_token" value="' in results["data"]  # its forms still post


@pytest.mark.postgres
async def test_a_change_between_the_pages_render_and_its_streams_start_is_not_missed(
    settings: Settings,
) -> None:
    """The queue's page is rendered, the order changes, then the page's stream opens: the list
    comes whole as the stream starts, so the page does not keep what it showed."""
    p = await park(handlers=1)
    order = await open_order(p)
    async with live_server(settings) as server:
        handler = await _signed_in(server, p.handlers[0])
        shown = (await handler.client.get("/orders?status=ASSIGNED")).text
        assert order.number in shown
        follows = re.search(r'hx-sse:connect="/live\?([^"]+)"', shown)
        assert follows is not None
        accepted = await act(handler, "ACCEPT", order)  # before the stream starts
        assert accepted["userErrors"] == []
        query = follows.group(1).replace("&amp;", "&")
        async with stream(handler, query) as events:
            await events.next()
            opened = await events.next()
            assert 'hx-target="#order-results" hx-swap="outerMorph"' in opened["data"]
            assert order.number not in opened["data"]  # no longer ASSIGNED


def _sections(data: str) -> dict[str, str]:
    """The cockpit's sections in a message, by name."""
    found = re.findall(
        r'<hx-partial hx-target="#cockpit-(\w+)" hx-swap="outerMorph">(.*?)</hx-partial>',
        data,
        re.S,
    )
    return dict(found)


@pytest.mark.postgres
async def test_the_cockpit_follows_order_changes_drawn_once_per_burst_for_every_supervisor(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.live
    from web.pages.dashboard import SECTIONS, cockpit_values

    drawn: list[str] = []

    async def counted(request: Any, params: Any) -> dict[str, Any]:
        drawn.append(str(params))
        return await cockpit_values(request, params)

    monkeypatch.setattr(web.live, "cockpit_values", counted)
    p = await park(handlers=1)
    await open_order(p)
    async with live_server(settings) as server:
        boss = await _signed_in(server, await builders.user(Role.SUPERVISOR, "钱主管"))
        admin = await _signed_in(server, await builders.user(Role.ADMIN, "孙管理"))
        page = (await boss.client.get("/dashboard")).text
        assert 'hx-sse:connect="/live?dashboard="' in page
        async with stream(boss, "dashboard=") as ours, stream(admin, "dashboard=") as theirs:
            await ours.next()
            await theirs.next()
            # Whole as they start: every section, by the ids the page gives them.
            before = _sections((await ours.next())["data"])
            assert list(before) == list(SECTIONS)
            assert '<section class="cockpit-card" id="cockpit-attention"' in before["attention"]
            assert list(_sections((await theirs.next())["data"])) == list(SECTIONS)
            opened = len(drawn)
            assert opened in (1, 2)  # shared when one was drawn after both listened

            # A burst: an order opens and is assigned, another opens (two statuses each).
            await open_order(p)
            await open_order(p)
            after = _sections((await ours.next(within=10))["data"])
            assert list(_sections((await theirs.next(within=10))["data"])) == list(SECTIONS)
            assert after["statuses"] != before["statuses"]  # the new orders are counted
            # Four pieces of news heard by two streams: drawn once.
            assert len(drawn) == opened + 1, drawn


@pytest.mark.postgres
async def test_only_supervisors_and_admins_follow_the_cockpit(settings: Settings) -> None:
    p = await park(handlers=1)
    async with live_server(settings) as server:
        for person in (p.applicant, p.handlers[0]):
            client = await _signed_in(server, person)
            assert (await client.client.get("/live?dashboard=")).status_code == 403
        assert (await server.api().client.get("/live?dashboard=")).status_code == 401
        assert server.broker.listeners == 0


SUPERVISION = "subscription { supervisionChanged { kind subjectId orderNumber at } }"


@pytest.mark.postgres
async def test_the_rectifications_page_follows_bad_reviews_for_supervisors_only(
    settings: Settings,
) -> None:
    from backend.models.orders import OrderStatus
    from tests.schema.live_helpers import bearer, token_for
    from tests.schema.steps_helpers import order_in, people
    from tests.schema.test_evaluations import rate

    async with live_server(settings) as server:
        world = await people(lambda *_, **__: server.api())
        boss = world.clients["supervisor"]
        order = await order_in(world.park, OrderStatus.IN_PROGRESS)
        assert (await act(world.assignee_of(order), "COMPLETE", order))["userErrors"] == []
        async with (
            stream(boss, "rectifications=1") as events,
            server.socket() as handler_socket,
            server.socket() as admin_socket,
        ):
            # The same news over the API: the handler hears nothing of it, an admin does.
            handler = world.users["assignee"]
            admin = world.users["admin"]
            assert handler is not None and admin is not None
            await handler_socket.init(bearer(await token_for(handler, ["evaluations:read"])))
            await handler_socket.subscribe(SUPERVISION)
            await admin_socket.init(bearer(await token_for(admin, ["evaluations:read"])))
            await admin_socket.subscribe(SUPERVISION)
            await events.next()
            opened = await events.next()  # whole as the stream starts: nothing to put right
            assert 'hx-target="#rectification-lists" hx-swap="outerMorph"' in opened["data"]
            assert order.number not in opened["data"]
            assert 'id="open-heading"' in opened["data"]
            assert 'id="appeals-heading"' in opened["data"]

            bad = await rate(world.clients["applicant"], order, "DISSATISFIED", reasons=["SLOW"])
            assert bad["userErrors"] == [], bad
            lists = await _next_beside_the_inbox(events)
            assert 'id="rectification-lists"' in lists["data"]
            assert order.number in lists["data"]
            assert 'action="/rectifications/call-back"' in lists["data"]  # theirs to take
            assert 'name="csrf_token" value="' in lists["data"]
            heard = [(await admin_socket.next())["data"]["supervisionChanged"] for _ in range(2)]
            assert [h["kind"] for h in heard] == ["EVALUATION_RECORDED", "RECTIFICATION_OPENED"]
            assert {h["orderNumber"] for h in heard} == {order.number}
            await handler_socket.nothing()
        for person in ("assignee", "applicant"):
            refused = await world.clients[person].client.get("/live?rectifications=1")
            assert refused.status_code == 403


def _order_state(page: str) -> str:
    """The `#order-state` element of a page, to its matching end tag."""
    start = page.index('<div id="order-state">')
    depth = 0
    for tag in re.finditer(r"<(/?)div\b", page[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page[start : start + tag.end()]
    raise AssertionError("#order-state is not closed")


def _versions(data: str) -> dict[str, str]:
    """Each form's expectedVersion in a fragment, by the form's action."""
    found = {}
    for form in re.findall(r"<form .*?</form>", data, flags=re.S):
        action = re.search(r'action="/orders/[^/"]+/(\w+)', form)
        version = re.search(r'name="expectedVersion" value="(\d+)"', form)
        if action and version:
            found[action.group(1)] = version.group(1)
    return found


@pytest.mark.postgres
async def test_every_form_carrying_the_orders_version_is_rendered_again_by_the_stream(
    settings: Settings,
) -> None:
    """The reassign form takes the order's version: it is part of `#order-state`, so after a
    change the supervisor's form carries the new version. Messages and notes take none."""
    p = await park(handlers=2)
    order = await open_order(p)  # opened (1) and assigned (2): version 2
    supervisor_user = await builders.user(Role.SUPERVISOR, "周主管")
    async with live_server(settings) as server:
        supervisor = await _signed_in(server, supervisor_user)
        assignee = (await Order.get(id=order.id)).assignee_id
        handler = await _signed_in(server, next(h for h in p.handlers if h.id == assignee))
        page = (await supervisor.client.get(f"/orders/{order.number}")).text
        state = _order_state(page)
        before = (await Order.get(id=order.id)).version
        assert _versions(state)["assign"] == str(before)
        # Outside the state, no form carries a version that could go stale.
        outside = page.replace(state, "")
        assert 'name="expectedVersion"' not in outside
        # The handler's conversation and notes forms: outside the state, and versionless.
        theirs = (await handler.client.get(f"/orders/{order.number}")).text
        mine = _order_state(theirs)
        assert {"message", "note"} <= set(_forms(theirs.replace(mine, "")))
        assert 'name="expectedVersion"' not in theirs.replace(mine, "")
        async with stream(supervisor, f"order={order.number}&after=2") as events:
            await events.next()
            assert (await act(handler, "ACCEPT", order))["userErrors"] == []
            await _next_event(events)
            while 'hx-target="#order-state"' not in (fresh := await events.next())["data"]:
                pass
            after = (await Order.get(id=order.id)).version
            assert after != before
            assert _versions(fresh["data"])["assign"] == str(after)
            assert 'id="reassign-heading"' in fresh["data"]
