"""Bad input on the live socket: each closed or answered cleanly, the server's memory bounded.

Close codes are graphql-transport-ws's: 4400 a malformed message, 4401 subscribing before
the ack, 4403 a refused `connection_init`, 4408 no `connection_init` in time, 4409 an id in
use, 4429 a second `connection_init`; ours: 4008 a client too slow to read its news.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import tracemalloc
from dataclasses import replace
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from backend.models.accounts import Role, User
from backend.models.orders import Order
from backend.schema.context import SESSION_COOKIE
from backend.services.live.news import ChangeNews
from backend.services.live.viewers import Viewer
from backend.settings import Settings
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.live_helpers import TRANSPORT_WS, GqlSocket, bearer, live_server, token_for
from tests.schema.order_helpers import open_order, park

STATUS = """subscription($id: ID) { orderStatusChanged(orderId: $id) { orderId toStatus } }"""
EVENTS = """subscription($id: ID!, $after: Int) { orderEvents(orderId: $id, after: $after) {
    sequence } }"""


def _refused(message: dict[str, Any]) -> str:
    """The code of an operation answered with errors and no data."""
    assert message["type"] == "next" and message["payload"]["data"] is None, message
    code: str = message["payload"]["errors"][0]["extensions"]["code"]
    return code


async def test_a_socket_without_anyone_signed_in_is_refused(settings: Settings) -> None:
    async with live_server(settings) as server:
        async with server.socket() as ws:
            await ws.send({"type": "connection_init"})
            assert await ws.closed() == (4403, "Forbidden")
        for payload in (
            {"authorization": "Bearer sh_nope_nope"},
            {"authorization": "Basic dXNlcjpwYXNz"},
            {"authorization": ["Bearer", "x"]},
        ):
            async with server.socket() as ws:
                await ws.send({"type": "connection_init", "payload": payload})
                assert await ws.closed() == (4403, "Forbidden")
        # A bad token in the handshake's header is refused before the socket opens.
        with pytest.raises(InvalidStatus) as refused:
            async with server.socket(headers={"Authorization": "Bearer sh_nope_nope"}):
                pass
        assert refused.value.response.status_code == 403
        assert server.broker.listeners == 0


async def test_orders_one_may_not_see_and_malformed_ids_are_answered_with_errors(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    theirs = await open_order(p, other=True)
    ours = await open_order(p)
    async with live_server(settings) as server:
        async with server.socket() as ws:
            await ws.init(bearer(await token_for(p.applicant, ["orders:read"])))
            cases = [
                (STATUS, {"id": global_id("Order", theirs.id)}, "NOT_FOUND"),
                (EVENTS, {"id": global_id("Order", theirs.id)}, "NOT_FOUND"),
                (EVENTS, {"id": global_id("Order", 999999)}, "NOT_FOUND"),
                (EVENTS, {"id": global_id("User", p.applicant.id)}, "NOT_FOUND"),
                (STATUS, {"id": "not an id!"}, "BAD_ID"),
                (EVENTS, {"id": "T3JkZXI6LTE"}, "BAD_ID"),  # Order:-1
                (EVENTS, {"id": global_id("Order", ours.id), "after": -1}, "INVALID"),
                (EVENTS, {"id": None}, "GRAPHQL_VALIDATION_FAILED"),
                ("subscription { orderStatusChanged { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
            ]
            for index, (query, variables, code) in enumerate(cases):
                await ws.subscribe(query, variables, str(index))
                answer = await ws.of(str(index))
                found = answer["payload"][0].get("extensions", {}).get("code")
                assert answer["type"] == "error" and found in (code, None), (code, answer)
                if code != "GRAPHQL_VALIDATION_FAILED":
                    assert found == code, answer
            refusal = await _subscribe_error(ws, STATUS, {"id": global_id("Order", theirs.id)})
            assert refusal["payload"][0]["extensions"]["field"] == ["orderId"]
            # The socket still serves what the viewer may see.
            await ws.subscribe(EVENTS, {"id": global_id("Order", ours.id)}, "ok")
            assert (await ws.next("ok"))["data"]["orderEvents"]["sequence"] == 1
        assert server.broker.listeners == 0


async def _subscribe_error(ws: GqlSocket, query: str, variables: dict[str, Any]) -> Any:
    await ws.subscribe(query, variables, "again")
    answer = await ws.of("again")
    assert answer["type"] == "error"
    return answer


@pytest.mark.parametrize(
    "frames, code",
    [
        (["not json"], 4400),
        ([{"type": "hello"}], 4400),
        ([{"payload": {}}], 4400),
        ([{"type": "connection_init", "payload": "x"}], 4400),
        ([{"id": "1", "type": "subscribe", "payload": {"query": "subscription { myAssignments "
                                                       "{ orderId } }"}}], 4401),
        (["INIT", {"type": "connection_init", "payload": {}}], 4429),
        (["INIT", {"id": "1", "type": "subscribe", "payload": {"query": "subscription {"}}], 4400),
        (["INIT", {"id": "1", "type": "subscribe", "payload": {"query": "subscription { "
                   "myAssignments { orderId } }"}},
          {"id": "1", "type": "subscribe", "payload": {"query": "subscription { "
                   "myAssignments { orderId } }"}}], 4409),
    ],
)  # fmt: skip
async def test_malformed_protocol_messages_close_the_socket_with_the_protocols_code(
    settings: Settings, frames: list[Any], code: int
) -> None:
    p = await park(handlers=1)
    async with live_server(settings) as server:
        secret = await token_for(p.handlers[0], ["orders:read"])
        async with server.socket() as ws:
            for frame in frames:
                if frame == "INIT":
                    assert (await ws.init(bearer(secret)))["type"] == "connection_ack"
                else:
                    await ws.send(frame)
            closed, _ = await ws.closed()
            assert closed == code
        await asyncio.sleep(0.05)
        assert server.broker.listeners == 0


async def test_queries_and_mutations_are_not_run_on_the_socket(settings: Settings) -> None:
    p = await park(handlers=1)
    async with live_server(settings) as server:
        async with server.socket() as ws:
            await ws.init(bearer(await token_for(p.applicant, ["orders:read", "accounts:write"])))
            await ws.subscribe("{ me { id } }", None, "q")
            assert _refused(await ws.of("q")) == "SUBSCRIPTIONS_ONLY"
            assert await ws.of("q") == {"id": "q", "type": "complete"}
            await ws.subscribe(
                'mutation { setLanguage(input: {language: "en"}) { user { id } } }', None, "m"
            )
            assert _refused(await ws.of("m")) == "SUBSCRIPTIONS_ONLY"
            assert await ws.of("m") == {"id": "m", "type": "complete"}
            await ws.nothing(0.2)
        assert (await User.get(id=p.applicant.id)).language == "zh-CN"


async def test_a_socket_that_never_initialises_is_closed(settings: Settings) -> None:
    async with (
        live_server(replace(settings, live_init_seconds=0.3)) as server,
        server.socket() as ws,
    ):
        assert await ws.closed() == (4408, "Connection initialisation timeout")


async def test_subscriptions_per_socket_are_limited(settings: Settings) -> None:
    p = await park(handlers=1)
    async with (
        live_server(replace(settings, live_max_subscriptions=2)) as server,
        server.socket() as ws,
    ):
        await ws.init(bearer(await token_for(p.applicant, ["orders:read"])))
        for id in ("1", "2", "3"):
            await ws.subscribe(STATUS, {"id": None}, id)
        answer = await ws.of("3")
        assert answer["type"] == "error"
        assert answer["payload"][0]["message"] == "Subscription limit reached"


async def test_a_cross_origin_socket_may_not_ride_on_the_session_cookie(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    allowed = replace(settings, allowed_origins=("https://desk.example.cn",))
    async with live_server(allowed) as server:
        signed_in = await server.signed_in(p.applicant)
        cookie = signed_in.client.cookies.get(SESSION_COOKIE)
        secret = await token_for(p.applicant, ["orders:read"])
        async with server.socket(cookie=cookie, origin="https://evil.example.com") as ws:
            await ws.send({"type": "connection_init", "payload": {}})
            assert await ws.closed() == (4403, "Forbidden")
        # The same page with a token of its own is an integrator: any origin.
        async with server.socket(cookie=cookie, origin="https://evil.example.com") as ws:
            assert (await ws.init(bearer(secret)))["type"] == "connection_ack"
        for origin in (server.url, "https://desk.example.cn", None):
            async with server.socket(cookie=cookie, origin=origin) as ws:
                assert (await ws.init())["type"] == "connection_ack", origin
        # A session that ended is no standing at all, whatever the origin.
        await signed_in.gql("mutation { logout { ok } }")
        async with server.socket(cookie=cookie, origin=server.url) as ws:
            await ws.send({"type": "connection_init", "payload": {}})
            assert await ws.closed() == (4403, "Forbidden")


def _slow_socket(port: int) -> socket.socket:
    """A connected TCP socket with a small receive buffer: what it does not read backs up."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_client_that_never_reads_is_dropped_and_the_others_keep_up(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    stored = await Order.get(id=order.id)
    supervisor = await builders.user(Role.SUPERVISOR)
    secret = await token_for(supervisor, ["orders:read"])
    bulky = "号" * 2000  # a few kilobytes a message: the buffers fill sooner
    query = "subscription { orderStatusChanged { number sequence } }"
    async with (
        live_server(replace(settings, live_queue_size=20)) as server,
        connect(
            server.ws_url,
            subprotocols=[TRANSPORT_WS],
            sock=_slow_socket(server.port),
            max_queue=1,  # the client library stops reading too
            compression=None,  # else the repeated text below would fit any buffer
            close_timeout=1,
        ) as raw_slow,
        server.socket() as reader,
    ):
        slow = GqlSocket(raw_slow)
        for ws in (slow, reader):
            assert (await ws.init(bearer(secret)))["type"] == "connection_ack"
            await ws.subscribe(query)
        await asyncio.sleep(0.1)
        assert server.broker.listeners == 2
        sent = 0
        received: list[int] = []
        while server.broker.listeners == 2:
            assert sent < 3_000, "the slow client was never dropped"
            sent += 1
            server.broker.publish([_news(stored, sent, bulky)])
            payload = await reader.next()  # the reader is never held up
            received.append(payload["data"]["orderStatusChanged"]["sequence"])
        dropped_after = sent
        # Dropped: nothing more is kept for it, however much more is said (500 messages of
        # about 12 kB would hold 6 MB had it stayed).
        tracemalloc.start()
        try:
            for _ in range(500):
                sent += 1
                server.broker.publish([_news(stored, sent, bulky)])
                received.append((await reader.next())["data"]["orderStatusChanged"]["sequence"])
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert held < 1_500_000, held
        assert received == list(range(1, sent + 1))
        assert server.broker.listeners == 1
        # When it reads at last, it finds what was sent before, then why it was closed.
        arrived = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(raw_slow.recv(), 5)
                arrived += 1
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            4008, "Too slow: news waited unread; reconnect to resume"
        )  # fmt: skip
        assert arrived < dropped_after


def _news(order: Order, sequence: int, number: str) -> ChangeNews:
    return ChangeNews(
        aggregate_type="order", aggregate_id=order.id, sequence=sequence, event_id=sequence,
        kind="ORDER_ACCEPTED", at="2026-11-30T00:00:00+00:00", number=number,
        status="IN_PROGRESS", from_status="ASSIGNED", to_status="IN_PROGRESS",
        enterprise_id=order.enterprise_id, team_id=order.team_id, assignee_id=order.assignee_id,
        due_at=order.due_at.isoformat(),
    )  # fmt: skip


async def test_a_subscription_over_http_is_pointed_to_the_socket(settings: Settings) -> None:
    async with live_server(settings) as server:
        api = server.api()
        response = await api.post("subscription { myAssignments { orderId } }")
        assert response.status_code == 400
        assert "WebSocket" in response.json()["errors"][0]["message"]


async def test_an_unknown_subprotocol_is_refused(settings: Settings) -> None:
    async with live_server(settings) as server:
        async with connect(server.ws_url, subprotocols=[Subprotocol("chat")], open_timeout=5) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406


async def test_closed_sockets_leave_nothing_behind(settings: Settings) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    secret = await token_for(p.applicant, ["orders:read"])

    def viewers_alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, Viewer))

    async with live_server(settings) as server:
        before = viewers_alive()
        for _ in range(3):
            sockets = [server.socket() for _ in range(20)]
            opened = [await s.__aenter__() for s in sockets]
            for ws in opened:
                await ws.init(bearer(secret))
                await ws.subscribe(STATUS, {"id": None})
                await ws.subscribe(EVENTS, {"id": global_id("Order", order.id)}, "2")
                assert (await ws.next("2"))["data"]["orderEvents"]["sequence"] == 1
            assert server.broker.listeners == 20
            for s in sockets:
                await s.__aexit__(None, None, None)
            await asyncio.sleep(0.2)
            assert server.broker.listeners == 0
        assert viewers_alive() == before
