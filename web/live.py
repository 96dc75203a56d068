"""`/live`: a page's one server-sent-events stream, swapped by htmx's SSE extension.

Browsers open about six connections to a site, so a tab has one stream, for everything its
page shows live (`web.shell.live_query` names it; `_live.html` opens it):
- always, the inbox count in the header (`notificationReceived`);
- `order=<number>&after=<sequence>`: the order's page — its timeline grows, its status tag and
  conversation follow (`orderEvents`, replaying after `after`), and what its status decides
  (facts, pauses, the viewer's forms: `_order_state.html`) is rendered again for the viewer;
- `application=<number>`: the application's status, facts and buttons
  (`applicationStatusChanged`);
- `queue=<the queue's query>`: the order queue's results (`orderStatusChanged`, `myAssignments`);
- `unassigned=<after>`: the supervisor's orders waiting for a handler (`orderStatusChanged`);
- `dashboard=<the range's query>`: the cockpit's sections (`orderStatusChanged`,
  `supervisionChanged`), rendered once
  per burst of changes and shared by every stream of the process showing the same range;
- `rectifications=1`: the supervisors' bad reviews to put right and appeals to decide
  (`supervisionChanged`).

The stream runs those subscriptions in this process against the schema
(`backend/schema/live/inprocess.py`: the same viewer, rules and refusals as a WebSocket), and
sends each change as the page's own fragments (the same Jinja partials), wrapped in
`<hx-partial>`s that name their targets. Its `id` is the last order sequence sent, so a stream
that reconnects (`Last-Event-ID`) is replayed what it missed; lists and the count are rendered
whole when the stream opens (a change between the page's render and the stream's start is not
missed) and again on reconnect. Between events it holds no database connection: queries run only to
render a change. A reader too slow to keep up is dropped (its news waited unread, or a write
timed out), and the stream ends when the server stops (`backend/serving.py`), the session ends
(an `live-end` event, on which the page closes it) or the client goes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend import serving
from backend.schema.live.inprocess import Ending, LiveSession, open_session
from web.event_stream import END, EventStream, message
from web.pages.applications import application_shown, application_state
from web.pages.dashboard import SECTIONS, cockpit_values
from web.pages.evaluations import rectification_lists, rectifications_shown
from web.pages.orders import (
    order_state,
    queue_results,
    queue_shown,
    unassigned_results,
    unassigned_shown,
)
from web.shell import may_open, operation, run, signed_in, templates_for

log = logging.getLogger("servicehall.live")

# A write the client does not take within this long drops it (it reconnects when it can).
SEND_TIMEOUT = 10.0
# A comment line this often while nothing happens: proxies keep the stream, dead clients show.
IDLE_SECONDS = 15.0
# Messages rendered and waiting to be written; beyond, rendering waits, news piles up in the
# viewer's bounded queue, and a reader that far behind is dropped (`live_queue_size`).
OUTBOX_SIZE = 32
# Changes to a list, or to the order or application a page shows, within this long are
# rendered once.
COALESCE_SECONDS = 0.2
# The cockpit's figures are read by a dozen statements: changes within this long are drawn once.
COCKPIT_SECONDS = 1.0
# A shared cockpit render is kept this long for streams that heard the same news a little late.
SHARED_KEEP_SECONDS = 30.0
# How long the browser waits before it reconnects after the server ended the stream.
RETRY_MS = 2000
# Ended for good (signed out, the order out of sight): the page closes its stream.
LIVE_END = "live-end"


@dataclass(frozen=True)
class Follows:
    order: str | None = None
    after: int | None = None
    application: str | None = None
    queue: str | None = None
    unassigned: str | None = None
    dashboard: str | None = None
    rectifications: bool = False
    # What the page showed of the list or object it follows (`web.shell.shown`).
    seen: str | None = None


def _follows(request: Request) -> Follows:
    params = request.query_params
    after: int | None = None
    if "order" in params:
        try:
            after = int(params.get("after", ""))
        except ValueError:
            raise HTTPException(400) from None
        if after < 0:
            raise HTTPException(400)
    return Follows(
        order=params.get("order") or None,
        after=after,
        application=params.get("application") or None,
        queue=params.get("queue") if "queue" in params else None,
        unassigned=params.get("unassigned") if "unassigned" in params else None,
        dashboard=params.get("dashboard") if "dashboard" in params else None,
        rectifications="rectifications" in params,
        seen=params.get("seen") or None,
    )


def _resumed_after(request: Request, after: int | None) -> int | None:
    """The sequence to replay after: the last the stream sent before it was cut off."""
    last = request.headers.get("last-event-id", "")
    return int(last) if last.isdigit() else after


def partial(target: str, html: str, swap: str = "innerHTML") -> str:
    return f'<hx-partial hx-target="#{target}" hx-swap="{swap}">{html}</hx-partial>'


class Burst:
    """Changes heard and not rendered yet, and when the last of them was heard."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.heard = 0.0

    def hear(self) -> None:
        self.heard = asyncio.get_running_loop().time()
        self.changed.set()


class SharedRenders:
    """Renders that do not depend on who reads them (the cockpit's sections: park-wide, the
    same for every supervisor and admin, and carrying no form token), shared by the streams of
    this process: a burst of order changes heard by N open cockpits costs one read of the
    figures, not N.

    A render that started after a stream heard its news includes that news (news is published
    once its transaction committed), so a stream asking for a render at least as new as
    `since` is given one already running or done since then, and starts one otherwise."""

    def __init__(self) -> None:
        self._renders: dict[tuple[str, ...], tuple[float, asyncio.Future[str]]] = {}

    async def get(
        self, key: tuple[str, ...], since: float, make: Callable[[], Awaitable[str]]
    ) -> str:
        now = asyncio.get_running_loop().time()
        for old, (at, render) in list(self._renders.items()):
            if render.done() and now - at > SHARED_KEEP_SECONDS:
                del self._renders[old]
        found = self._renders.get(key)
        if found is None or found[0] < since:
            # Run apart from the asking stream: another may be waiting for it when it goes.
            found = (now, asyncio.ensure_future(make()))
            found[1].add_done_callback(_retrieved)
            self._renders[key] = found
        return await asyncio.shield(found[1])

    @property
    def held(self) -> int:
        return len(self._renders)


def _retrieved(future: asyncio.Future[str]) -> None:
    # A failed shared render is reported to whoever waits for it; nobody may be left.
    if not future.cancelled():
        future.exception()


def shared_renders(request: Request) -> SharedRenders:
    """The app's shared renders (one per app: one per process, its event loop's)."""
    state = request.app.state
    if not hasattr(state, "live_shared_renders"):
        state.live_shared_renders = SharedRenders()
    shared: SharedRenders = state.live_shared_renders
    return shared


class Stream:
    """One tab's stream: its subscriptions' tasks, rendering into the outbox."""

    def __init__(self, request: Request, follows: Follows, ids: dict[str, str]) -> None:
        self.request = request
        self.follows = follows
        self.ids = ids
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self.tasks: list[asyncio.Task[None]] = []
        self.session: LiveSession | None = None
        self.lists_changed = Burst()
        self.order_changed = Burst()
        self.application_changed = Burst()
        self.cockpit_changed = Burst()
        # How many subscriptions should be listening; the events wait until the first message.
        self.expected = 0
        self.ready = asyncio.Event()
        self.ended = False
        self._undo_stop: Callable[[], None] | None = None

    # -- rendering -------------------------------------------------------------------------

    def render(self, template: str, values: dict[str, Any]) -> str:
        assert self.session is not None
        env = templates_for(self.session.language).env
        state = self.request.state
        shell = {
            "request": self.request,
            "signed_in": True,
            "timezone": self.request.app.state.settings.timezone,
            "csrf_token": getattr(state, "csrf_token", ""),
            "viewer": getattr(state, "viewer", None),
        }
        return env.get_template(template).render({**shell, **values})

    def part(self, name: str, **values: Any) -> str:
        return self.render("_live_parts.html", {"part": name, **values})

    async def send(self, html: str, *, id: str | None = None) -> None:
        await self.ready.wait()
        await self.outbox.put(message(html, id=id))

    def _badge(self, unread: int) -> str:
        html = self.render("_badge.html", {"viewer": {"unreadNotificationCount": unread}})
        return partial("unread-slot", html)

    async def _lists(self, unless_seen: str | None = None) -> list[str]:
        """The lists the page follows, rendered whole; none that still shows what the page
        showed (`unless_seen`), so a page rendered with a form's problems keeps them."""
        follows = self.follows
        found = []
        if follows.queue is not None:
            values = await queue_results(self.request, QueryParams(follows.queue))
            if queue_shown(values) != unless_seen:
                html = self.render("_orders_results.html", values)
                found.append(partial("order-results", html, "outerMorph"))
        if follows.unassigned is not None:
            values = await unassigned_results(self.request, follows.unassigned or None)
            if unassigned_shown(values) != unless_seen:
                html = self.render("_unassigned_results.html", values)
                found.append(partial("unassigned-results", html, "outerMorph"))
        if follows.rectifications:
            values = await rectification_lists(self.request)
            if rectifications_shown(values) != unless_seen:
                html = self.render("_rectification_lists.html", values)
                found.append(partial("rectification-lists", html, "outerMorph"))
        return found

    async def _order_state(self) -> str | None:
        """What the order's status decides, for this viewer (their own viewerCan)."""
        assert self.follows.order is not None
        values = await order_state(self.request, self.follows.order)
        if values is None:  # out of sight: the order's subscription ends the stream
            return None
        return partial("order-state", self.render("_order_state.html", values), "outerMorph")

    async def _application_state(self, unless_seen: str | None = None) -> str | None:
        assert self.follows.application is not None
        values = await application_state(self.request, self.follows.application)
        if values is None or application_shown(values["app"]) == unless_seen:
            return None
        html = self.render("_application_state.html", values)
        return partial("application-state", html, "outerMorph")

    async def _cockpit(self, since: float) -> str:
        """Every section of the cockpit, whole, from a render at least as new as `since`."""
        assert self.session is not None and self.follows.dashboard is not None
        query = self.follows.dashboard
        language = self.session.language

        async def draw() -> str:
            values = await cockpit_values(self.request, QueryParams(query))
            return "".join(
                partial(
                    f"cockpit-{name}",
                    self.render("_cockpit_section.html", {**values, "section": name}),
                    "outerMorph",
                )
                for name in SECTIONS
            )

        return await shared_renders(self.request).get(("cockpit", query, language), since, draw)

    async def messages(self) -> None:
        data = (await run(self.request, "live_order_messages", {"number": self.follows.order})).data
        order = data["order"]
        if order is None or order["messages"] is None:
            return
        messages = [edge["node"] for edge in order["messages"]["edges"]]
        html = self.render("_order_messages.html", {"messages": messages})
        await self.send(partial("order-messages", html, "outerHTML"))

    # -- what each subscription does with its events ----------------------------------------

    async def on_notice(self, data: dict[str, Any]) -> None:
        await self.send(self._badge(data["notificationReceived"]["unreadCount"]))

    async def on_order_event(self, data: dict[str, Any]) -> None:
        event = data["orderEvents"]
        parts = [partial("order-timeline", self.part("timeline-item", event=event), "beforeend")]
        if event["toStatus"]:
            status = self.part("order-status", status=event["toStatus"])
            parts.append(partial("order-status", status))
        await self.send("".join(parts), id=str(event["sequence"]))
        # Its facts, pauses and forms may have changed with it (a new handler, a question
        # asked, a step no longer open to this viewer): rendered again, once per burst.
        self.order_changed.hear()

    async def on_conversation(self, data: dict[str, Any]) -> None:
        await self.messages()

    async def on_application_change(self, data: dict[str, Any]) -> None:
        status = data["applicationStatusChanged"]["toStatus"]
        html = self.part("application-status", status=status)
        await self.send(partial("application-status", html))
        self.application_changed.hear()

    async def on_list_change(self, data: dict[str, Any]) -> None:
        self.lists_changed.hear()

    async def on_cockpit_change(self, data: dict[str, Any]) -> None:
        self.cockpit_changed.hear()

    async def _coalesced(
        self, burst: Burst, render: Callable[[float], Awaitable[list[str]]], wait: float
    ) -> None:
        """Renders again once per burst: `wait` after the first change, one render covers
        what was heard meanwhile (any render started after the last of it, `since`)."""
        while True:
            await burst.changed.wait()
            await asyncio.sleep(wait)
            burst.changed.clear()
            for html in await render(burst.heard):
                await self.send(html)

    async def _lists_since(self, since: float) -> list[str]:
        return await self._lists()

    async def _order_state_since(self, since: float) -> list[str]:
        return [html] if (html := await self._order_state()) else []

    async def _application_state_since(self, since: float) -> list[str]:
        return [html] if (html := await self._application_state()) else []

    async def _cockpit_since(self, since: float) -> list[str]:
        return [await self._cockpit(since)]

    # -- running -----------------------------------------------------------------------------

    def _start(self, work: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(f"live-{name}")
        task.add_done_callback(self._done)
        self.tasks.append(task)

    def _done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self.ended:
            return
        error = task.exception()
        if error is not None:
            log.error("a live stream's task failed", exc_info=error)
            self.finish()

    def subscribe(
        self,
        name: str,
        handle: Callable[[dict[str, Any]], Awaitable[None]],
        variables: dict[str, Any] | None = None,
        *,
        needed: bool = True,
    ) -> None:
        """Runs the subscription `web/operations/<name>.graphql`, handing `handle` each event.
        When one `needed` is refused or ends (the order went out of sight), so does the
        stream; another (a conversation the viewer does not read) just stops."""
        assert self.session is not None
        session = self.session
        self.expected += 1

        async def follow() -> None:
            results = await session.subscribe(operation(name), variables)
            try:
                async for result in results:
                    if result.errors or result.data is None:
                        self.expected -= 1
                        if needed:
                            self.finish(message(event=LIVE_END, data="refused"))
                        return
                    await handle(result.data)
            finally:
                await results.aclose()
            if needed:
                self.finish(message(event=LIVE_END, data="ended"))

        self._start(follow(), name)

    async def _subscribed(self, within: float = 5.0) -> None:
        """Until every subscription listens (each listens before it reads anything, so news
        committed afterwards reaches it) or was refused."""
        assert self.session is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.session.subscriptions < self.expected and not self.ended:
            if loop.time() > deadline:
                log.warning("a live stream's subscriptions did not all start")
                return
            await asyncio.sleep(0.005)

    async def open(self, after: int | None, reconnected: bool) -> bool:
        """Opens the viewer and its subscriptions; False when the session is over."""
        self.session = await open_session(self.request, on_end=self._ended)
        if self.session is None:
            return False
        self._undo_stop = serving.on_stop(self.finish)
        follows = self.follows
        self.subscribe("live_notices", self.on_notice)
        if "order" in self.ids:
            variables = {"id": self.ids["order"], "after": after}
            self.subscribe("live_order_events", self.on_order_event, variables)
            self.subscribe(
                "live_order_conversation",
                self.on_conversation,
                {"id": self.ids["order"]},
                needed=False,
            )
            self._start(
                self._coalesced(self.order_changed, self._order_state_since, COALESCE_SECONDS),
                "order-state",
            )
        if "application" in self.ids:
            variables = {"id": self.ids["application"]}
            self.subscribe("live_application_changes", self.on_application_change, variables)
            self._start(
                self._coalesced(
                    self.application_changed, self._application_state_since, COALESCE_SECONDS
                ),
                "application-state",
            )
        if follows.queue is not None or follows.unassigned is not None:
            self.subscribe("live_order_changes", self.on_list_change)
            if follows.queue is not None:
                self.subscribe("live_assignments", self.on_list_change)
        if follows.rectifications:
            self.subscribe("live_supervision", self.on_list_change)
        if follows.queue is not None or follows.unassigned is not None or follows.rectifications:
            self._start(
                self._coalesced(self.lists_changed, self._lists_since, COALESCE_SECONDS), "lists"
            )
        if follows.dashboard is not None:
            self.subscribe("live_order_changes", self.on_cockpit_change)
            # Ratings and rectifications change without an order's news.
            self.subscribe("live_supervision", self.on_cockpit_change)
            self._start(
                self._coalesced(self.cockpit_changed, self._cockpit_since, COCKPIT_SECONDS),
                "cockpit",
            )
        await self._subscribed()
        listening = asyncio.get_running_loop().time()
        # The first message: the stream's id (so a reconnect says where it was), how soon to
        # come back; then what may have changed since the page was rendered (or, after a
        # reconnect, since the stream was cut): what follows no sequence is rendered whole,
        # now that the subscriptions listen (a change from here on is heard).
        # (An empty `data:` line: htmx applies `retry:` only to a message with data, and never
        # swaps empty data.)
        await self.outbox.put(f"id: {after or 0}\nretry: {RETRY_MS}\ndata: \n\n".encode())
        for html in await self._whole(reconnected, listening):
            await self.outbox.put(message(html))
        self.ready.set()
        return True

    async def _whole(self, reconnected: bool, listening: float) -> list[str]:
        """What the stream renders whole as it opens. Lists, the application and the cockpit
        follow no sequence: always (the page's render may be older than the subscriptions).
        The order's page is replayed its events after the page's last, which render its state
        again; after a reconnect its state and the inbox count come whole too (the stream may
        have been cut between an event and the state it changed)."""
        found: list[str] = []
        if reconnected:
            inbox = (await run(self.request, "live_inbox")).data["me"]
            unread = inbox["unreadNotificationCount"] if inbox else 0
            found.append(self._badge(unread))
            if self.follows.order is not None and (state := await self._order_state()):
                found.append(state)
        # Opening (not a reconnect): only what differs from what the page showed.
        seen = None if reconnected else self.follows.seen
        if self.follows.application is not None and (app := await self._application_state(seen)):
            found.append(app)
        found += await self._lists(seen)
        if self.follows.dashboard is not None:
            found.append(await self._cockpit(listening))
        return found

    def _ended(self, ending: Ending) -> None:
        if ending.code == 4401:  # signed out, or access ended: the page stops asking
            self.finish(message(event=LIVE_END, data=ending.reason))
        else:  # too slow: drop it; the page reconnects and is replayed what it missed
            self.finish()

    def finish(self, last: bytes | None = None) -> None:
        """Ends the stream: what is still waiting is dropped (a reconnect gets it back), then
        `last` and the end are written."""
        if self.ended:
            return
        self.ended = True
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        while not self.outbox.empty():
            self.outbox.get_nowait()
        if last is not None:
            self.outbox.put_nowait(last)
        self.outbox.put_nowait(END)

    def close(self) -> None:
        """The response is over: nothing of the stream outlives it."""
        self.ended = True
        for task in self.tasks:
            task.cancel()
        if self._undo_stop is not None:
            self._undo_stop()
        if self.session is not None:
            self.session.close()


async def _check(request: Request, follows: Follows) -> dict[str, str]:
    """What the stream would follow must be the viewer's to see, as its page is (404, 403):
    the ids of the order and application it follows."""
    ids: dict[str, str] = {}
    if follows.order is not None:
        data = (await run(request, "order_ref", {"number": follows.order})).data
        if data["orderByNumber"] is None:
            raise HTTPException(404)
        ids["order"] = data["orderByNumber"]["id"]
    if follows.application is not None:
        data = (await run(request, "live_application", {"number": follows.application})).data
        if data["applicationByNumber"] is None:
            raise HTTPException(404)
        ids["application"] = data["applicationByNumber"]["id"]
    if follows.queue is not None and not await may_open(request, "orderQueue"):
        raise HTTPException(403)
    if follows.unassigned is not None and not await may_open(request, "unassignedOrders"):
        raise HTTPException(403)
    if follows.dashboard is not None and not await may_open(request, "dashboard"):
        raise HTTPException(403)
    if follows.rectifications and not await may_open(request, "rectifications"):
        raise HTTPException(403)
    return ids


async def live(request: Request) -> Response:
    # The session cookie only: integrators follow changes over the WebSocket.
    if not signed_in(request) or request.state.actor.session_id is None:
        return Response(status_code=401)
    follows = _follows(request)
    ids = await _check(request, follows)
    stream = Stream(request, follows, ids)
    reconnected = "last-event-id" in request.headers
    try:
        opened = await stream.open(_resumed_after(request, follows.after), reconnected)
    except BaseException:
        stream.close()
        raise
    if not opened:
        stream.close()
        return Response(status_code=401)
    return EventStream(
        stream.outbox,
        on_close=stream.close,
        send_timeout=SEND_TIMEOUT,
        idle_seconds=IDLE_SECONDS,
    )


routes = [Route("/live", live, methods=["GET"])]
