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

from backend.models.orders import Order
from backend.settings import Settings
from tests.schema.conversation_helpers import send
from tests.schema.helpers import global_id
from tests.schema.live_helpers import WAIT, LiveServer, live_server
from tests.schema.order_helpers import open_order, park
from tests.schema.steps_helpers import act


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
            change = await events.next()
            assert change["id"] == "3"
            assert 'hx-target="#order-timeline" hx-swap="beforeend"' in change["data"]
            assert "经办人已接单" in change["data"]  # the event's words, in the reader's language
            assert _status_text(change["data"]) == "status-in-progress"

            sent = await send(handler, global_id("Order", order.id), body="请补充营业执照副本")
            assert sent["userErrors"] == []
            # Not in the timeline: the conversation is sent again whole.
            conversation = await events.next()
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
            replayed = [await events.next() for _ in range(2)]
            assert [m["id"] for m in replayed] == ["3", "4"]
            assert _status_text(replayed[1]["data"]) == "status-waiting-on-applicant"
            # ...and nothing twice: the next is the next change.
            answered = await act(applicant, "ANSWER", order)
            assert answered["userErrors"] == [], answered
            assert (await events.next())["id"] == "5"
        # The id wins over the page's `after`: what the stream had sent, not what it showed.
        again = {"Last-Event-ID": "4"}
        async with stream(applicant, f"order={order.number}&after=0", again) as events:
            assert (await events.next())["id"] == "4"
            await events.next()  # the count
            assert (await events.next())["id"] == "5"


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
