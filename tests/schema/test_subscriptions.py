"""Subscriptions over a real WebSocket (graphql-transport-ws) against the app under uvicorn:
changes made through mutations reach whoever may see them, and nobody else."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order
from backend.schema.context import SESSION_COOKIE
from backend.settings import Settings
from tests import builders
from tests.schema import application_helpers as apps
from tests.schema.helpers import global_id
from tests.schema.live_helpers import LEGACY_WS, LiveServer, bearer, live_server, token_for
from tests.schema.order_helpers import ASSIGN, open_order, park

STATUS = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    orderId number sequence kind fromStatus toStatus at
    order { id status version assignee { id name } }
    event { sequence kind note actor { name } } } }"""
EVENTS = """subscription($id: ID!, $after: Int) { orderEvents(orderId: $id, after: $after) {
    sequence kind fromStatus toStatus note } }"""
ASSIGNMENTS = """subscription { myAssignments { orderId number assigned order { id status } } }"""
INBOX = """subscription { notificationReceived {
    unreadCount notification { kind message link } } }"""
APPLICATIONS = """subscription($id: ID) { applicationStatusChanged(applicationId: $id) {
    applicationId number kind fromStatus toStatus application { id status } } }"""


async def _rerun(boss: Any, order: Order, reason: str = "重新分配") -> dict[str, Any]:
    stored = await Order.get(id=order.id)
    variables = {
        "orderId": global_id("Order", order.id),
        "expectedVersion": stored.version,
        "reason": reason,
    }
    payload = (await boss.gql(ASSIGN, {"input": variables}))["assignOrder"]
    assert payload["userErrors"] == [], payload
    return payload


async def _give(boss: Any, order: Order, handler_id: int) -> dict[str, Any]:
    stored = await Order.get(id=order.id)
    variables = {
        "orderId": global_id("Order", order.id),
        "handlerId": global_id("User", handler_id),
        "expectedVersion": stored.version,
        "reason": "熟悉该企业",
    }
    payload = (await boss.gql(ASSIGN, {"input": variables}))["assignOrder"]
    assert payload["userErrors"] == [], payload
    return payload


async def _cookie(server: LiveServer, user: Any) -> tuple[Any, str]:
    client = await server.signed_in(user)
    cookie = client.client.cookies.get(SESSION_COOKIE)
    assert cookie
    return client, cookie


@pytest.mark.postgres
async def test_a_change_made_through_a_mutation_reaches_its_subscribers_and_no_one_else(
    settings: Settings,
) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR, "钱主管")
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        _, cookie = await _cookie(server, p.applicant)
        others = await token_for(p.other_applicant, ["orders:read"])
        async with (
            server.socket(cookie=cookie, origin=server.url) as ours,
            server.socket() as theirs,
            server.socket() as watching,
        ):
            assert (await ours.init())["type"] == "connection_ack"
            assert (await theirs.init(bearer(others)))["type"] == "connection_ack"
            boss_token = await token_for(supervisor, ["orders:read"])
            assert (await watching.init(bearer(boss_token)))["type"] == "connection_ack"
            await ours.subscribe(STATUS, {"id": global_id("Order", order.id)})
            await theirs.subscribe(STATUS, {"id": None})  # every order they may see
            await watching.subscribe(STATUS, {"id": None})
            await ours.nothing(0.2)

            result = await _rerun(boss, order)
            now = result["order"]
            released = (await ours.next())["data"]["orderStatusChanged"]
            assigned = (await ours.next())["data"]["orderStatusChanged"]
            assert (released["kind"], released["fromStatus"], released["toStatus"]) == (
                "ORDER_RELEASED", "ASSIGNED", "PENDING_ASSIGNMENT"
            )  # fmt: skip
            assert (assigned["kind"], assigned["fromStatus"], assigned["toStatus"]) == (
                "ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED"
            )  # fmt: skip
            assert [released["sequence"], assigned["sequence"]] == [3, 4]
            assert assigned["orderId"] == global_id("Order", order.id)
            assert assigned["order"] == {
                "id": now["id"], "status": "ASSIGNED", "version": now["version"],
                "assignee": now["assignee"],
            }  # fmt: skip
            # The supervisor's words are the park's: the applicant reads that it happened.
            assert assigned["event"]["note"] == ""
            seen_by_boss = [(await watching.next())["data"]["orderStatusChanged"] for _ in "12"]
            assert [e["event"]["note"] for e in seen_by_boss] == ["重新分配", "重新分配"]
            await ours.nothing()
            await theirs.nothing()  # another enterprise's order: not a word

            # ...while the other enterprise does hear of its own.
            own = await open_order(p, other=True)
            opened = (await theirs.next())["data"]["orderStatusChanged"]
            assert opened["orderId"] == global_id("Order", own.id)
            assert (opened["kind"], opened["fromStatus"]) == ("ORDER_OPENED", None)
            await ours.nothing()


@pytest.mark.postgres
async def test_reconnecting_with_after_loses_nothing_and_repeats_nothing(
    settings: Settings,
) -> None:
    p = await park(handlers=3)
    order = await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        secret = await token_for(p.applicant, ["orders:read"])
        order_id = global_id("Order", order.id)
        seen: list[int] = []
        async with server.socket() as ws:
            await ws.init(bearer(secret))
            await ws.subscribe(EVENTS, {"id": order_id})
            seen += [(await ws.next())["data"]["orderEvents"]["sequence"] for _ in "12"]
            await _rerun(boss, order)
            seen += [(await ws.next())["data"]["orderEvents"]["sequence"] for _ in "34"]
        assert seen == [1, 2, 3, 4]
        # Gone for a while: the order moves on meanwhile.
        await _rerun(boss, order)
        await _rerun(boss, order)
        async with server.socket() as ws:
            await ws.init(bearer(secret))
            await ws.subscribe(EVENTS, {"id": order_id, "after": seen[-1]})
            missed = [(await ws.next())["data"]["orderEvents"] for _ in range(4)]
            assert [e["sequence"] for e in missed] == [5, 6, 7, 8]
            await _rerun(boss, order)
            live = [(await ws.next())["data"]["orderEvents"] for _ in range(2)]
            assert [e["sequence"] for e in live] == [9, 10]
            assert all(e["note"] == "" for e in missed + live)  # the park's words
            await ws.nothing()


async def test_a_handler_who_loses_an_order_stops_hearing_of_it(settings: Settings) -> None:
    p = await park(handlers=3)
    order = await open_order(p)
    holder, second, third = sorted(p.handlers, key=lambda h: h.id != order.assignee_id)
    supervisor = await builders.user(Role.SUPERVISOR)
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        async with server.socket() as mine, server.socket() as theirs:
            await mine.init(bearer(await token_for(holder, ["orders:read"])))
            await theirs.init(bearer(await token_for(second, ["orders:read"])))
            await mine.subscribe(EVENTS, {"id": global_id("Order", order.id), "after": 2}, "ev")
            await mine.subscribe(ASSIGNMENTS, None, "mine")
            await mine.subscribe(STATUS, {"id": None}, "status")
            await theirs.subscribe(ASSIGNMENTS, None, "mine")

            await _give(boss, order, second.id)
            lost = (await mine.next("mine"))["data"]["myAssignments"]
            assert (lost["orderId"], lost["assigned"], lost["order"]) == (
                global_id("Order", order.id), False, None
            )  # fmt: skip
            gained = (await theirs.next("mine"))["data"]["myAssignments"]
            assert (gained["assigned"], gained["order"]["status"]) == (True, "ASSIGNED")
            # The order's timeline stream ends for the handler who lost it.
            assert await mine.of("ev") == {"id": "ev", "type": "complete"}

            await _rerun(boss, order)  # released, then chosen: the third handler (never chosen)
            given_away = (await theirs.next("mine"))["data"]["myAssignments"]
            assert given_away["assigned"] is False
            assert (await Order.get(id=order.id)).assignee_id == third.id
            await mine.nothing()  # no status change of an order no longer theirs


async def test_the_inbox_hears_each_notice_and_each_reading(settings: Settings) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    other = next(h for h in p.handlers if h.id != order.assignee_id)
    supervisor = await builders.user(Role.SUPERVISOR)
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        handler, cookie = await _cookie(server, other)
        async with server.socket(cookie=cookie) as ws:
            await ws.init()
            await ws.subscribe(INBOX)
            await _give(boss, order, other.id)
            change = (await ws.next())["data"]["notificationReceived"]
            assert change["notification"]["kind"] == "ORDER_ASSIGNED"
            assert change["notification"]["link"].startswith("/")
            unread = change["unreadCount"]
            assert unread >= 1
            await handler.gql("mutation { markNotificationsRead(input: {}) { marked } }")
            read = (await ws.next())["data"]["notificationReceived"]
            assert read == {"unreadCount": 0, "notification": None}
            await ws.nothing()


async def test_an_applicant_hears_their_application_decided(settings: Settings) -> None:
    async with live_server(settings) as server:
        w = await apps.world(lambda *_, **__: server.api())
        secret = await token_for(w.owner, ["applications:read"])
        async with server.socket() as ws:
            await ws.init(bearer(secret))
            await ws.subscribe(APPLICATIONS, {"id": None})
            filled = apps.submission(w, attachments=await apps.materials(w.owner))
            app = (await apps.submitted(w.applicant, filled))["application"]
            submitted = (await ws.next())["data"]["applicationStatusChanged"]
            assert (submitted["applicationId"], submitted["toStatus"]) == (
                app["id"], "UNDER_REVIEW"
            )  # fmt: skip
            decided = await apps.decide(w.auditor, app, "APPROVE")
            assert decided["userErrors"] == []
            approved = (await ws.next())["data"]["applicationStatusChanged"]
            assert (approved["fromStatus"], approved["toStatus"]) == ("UNDER_REVIEW", "APPROVED")
            assert approved["application"] == {"id": app["id"], "status": "APPROVED"}


async def test_signing_out_ends_the_subscriptions_of_that_session_only(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    async with live_server(settings) as server:
        leaving, leaving_cookie = await _cookie(server, p.applicant)
        _, staying_cookie = await _cookie(server, p.applicant)
        async with (
            server.socket(cookie=leaving_cookie) as gone,
            server.socket(cookie=staying_cookie) as kept,
        ):
            for ws in (gone, kept):
                assert (await ws.init())["type"] == "connection_ack"
                await ws.subscribe(STATUS, {"id": None})
            assert (await leaving.gql("mutation { logout { ok } }"))["logout"]["ok"]
            assert await gone.closed() == (4401, "Signed out")
            await open_order(p)
            assert (await kept.next())["data"]["orderStatusChanged"]["kind"] == "ORDER_OPENED"
        assert server.broker.listeners == 0


async def test_a_revoked_token_and_a_changed_password_end_their_sockets(
    settings: Settings,
) -> None:
    p = await park(handlers=1)
    async with live_server(settings) as server:
        owner, _ = await _cookie(server, p.applicant)
        _, elsewhere = await _cookie(server, p.applicant)
        created = await owner.gql(
            """mutation { createApiToken(input: {name: "feed", scopes: ["orders:read"]}) {
                 apiToken { id } secret } }"""
        )
        token = created["createApiToken"]
        async with server.socket() as by_token, server.socket(cookie=elsewhere) as by_cookie:
            await by_token.init(bearer(token["secret"]))
            await by_cookie.init()
            for ws in (by_token, by_cookie):
                await ws.subscribe(STATUS, {"id": None})
            await owner.gql(
                "mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { userErrors "
                "{ code } } }",
                {"id": token["apiToken"]["id"]},
            )
            assert await by_token.closed() == (4401, "The API token was revoked")
            changed = await owner.gql(
                """mutation { changePassword(input: {currentPassword: "correct horse battery",
                     newPassword: "another long passphrase"}) { userErrors { code } } }"""
            )
            assert changed["changePassword"]["userErrors"] == []
            # The other session was ended with the change: its socket follows.
            assert await by_cookie.closed() == (4401, "The session or token is no longer valid")


async def test_token_scopes_hold_for_subscriptions(settings: Settings) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    async with live_server(settings) as server:
        inbox_only = await token_for(p.applicant, ["notifications:read"])
        orders_only = await token_for(p.applicant, ["orders:read"])
        async with server.socket() as ws:
            await ws.init(bearer(inbox_only))
            await ws.subscribe(STATUS, {"id": global_id("Order", order.id)})
            refused = await ws.receive()
            assert refused["type"] == "error"
            assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"
            await ws.subscribe(INBOX, None, "2")  # what the token may read still runs
            await ws.nothing(0.2)
        async with server.socket() as ws:
            await ws.init(bearer(orders_only))
            await ws.subscribe(APPLICATIONS, {"id": None})
            refused = await ws.receive()
            assert refused["type"] == "error"
            assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"
            assert "applications:read" in refused["payload"][0]["message"]
            # An order's own views need no other scope; a nested user would.
            await ws.subscribe(
                """subscription { orderStatusChanged { order { applicant { id } } } }""",
                None,
                "2",
            )
            await ws.nothing(0.2)
            assert server.broker.listeners == 1


async def test_the_legacy_graphql_ws_protocol_is_served_too(settings: Settings) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        async with server.socket(protocol=LEGACY_WS) as ws:
            await ws.send({"type": "connection_init", "payload": bearer(await token_for(
                p.applicant, ["orders:read"]))})  # fmt: skip
            assert (await ws.receive())["type"] == "connection_ack"
            await ws.send(
                {"id": "1", "type": "start",
                 "payload": {"query": STATUS, "variables": {"id": global_id("Order", order.id)}}}
            )  # fmt: skip
            await _rerun(boss, order)
            data = await ws.receive()
            assert data["type"] == "data" and data["id"] == "1"
            assert data["payload"]["data"]["orderStatusChanged"]["kind"] == "ORDER_RELEASED"


async def test_each_viewer_sees_the_order_as_the_queries_show_it_to_them(
    settings: Settings,
) -> None:
    """Subscribers of one change share the order's row, never what only some may read."""
    p = await park(handlers=2)
    order = await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    detailed = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
        order { status assignmentReason { rule } timeline(first: 20) { totalCount } } } }"""
    plain = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
        order { status assignmentReason { rule } } } }"""
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        variables = {"id": global_id("Order", order.id)}
        async with server.socket() as staff, server.socket() as applicant:
            await staff.init(bearer(await token_for(supervisor, ["orders:read"])))
            await applicant.init(bearer(await token_for(p.applicant, ["orders:read"])))
            await staff.subscribe(detailed, variables, "detailed")
            await staff.subscribe(plain, variables, "plain")
            await applicant.subscribe(detailed, variables, "detailed")
            await applicant.subscribe(plain, variables, "plain")
            await _rerun(boss, order)

            def order_of(payload: dict[str, Any]) -> dict[str, Any]:
                found: dict[str, Any] = payload["data"]["orderStatusChanged"]["order"]
                return found

            seen_by_staff = order_of(await staff.next("detailed"))
            without_timeline = order_of(await staff.next("plain"))
            seen_by_applicant = order_of(await applicant.next("detailed"))
            plain_for_applicant = order_of(await applicant.next("plain"))
    assert seen_by_staff["assignmentReason"]["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert without_timeline["assignmentReason"] == seen_by_staff["assignmentReason"]
    assert seen_by_applicant["assignmentReason"] is None  # the park's reasoning
    assert plain_for_applicant == {"status": "ASSIGNED", "assignmentReason": None}
    assert seen_by_staff["timeline"]["totalCount"] == 4
    assert seen_by_applicant["timeline"]["totalCount"] == 4


async def test_each_event_is_shown_with_the_viewers_roles_as_they_are_now(
    settings: Settings,
) -> None:
    """The socket's context is built once; every event gets a fresh one, with what the
    connection has since heard of the viewer (here: a supervisor made an auditor)."""
    p = await park(handlers=2)
    order = await open_order(p)
    boss_user = await builders.user(Role.SUPERVISOR)
    watcher = await builders.user(Role.SUPERVISOR)
    admin_user = await builders.user(Role.ADMIN)
    watching = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
        order { viewerCan { reassign } assignmentReason { rule } } } }"""
    async with live_server(settings) as server:
        boss = await server.signed_in(boss_user)
        admin = await server.signed_in(admin_user)
        async with server.socket() as ws:
            await ws.init(bearer(await token_for(watcher, ["orders:read"])))
            await ws.subscribe(watching, {"id": global_id("Order", order.id)})
            await _rerun(boss, order)
            before = [(await ws.next())["data"]["orderStatusChanged"]["order"] for _ in "12"]
            assert before[-1] == {"viewerCan": {"reassign": True}, "assignmentReason": {"rule": (
                "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT")}}  # fmt: skip
            changed = await admin.gql(
                """mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) {
                     userErrors { code } } }""",
                {"input": {"userId": global_id("User", watcher.id), "roles": ["AUDITOR"],
                           "expectedVersion": watcher.version}},
            )  # fmt: skip
            assert changed["setUserRoles"]["userErrors"] == []
            await _rerun(boss, order)
            after = [(await ws.next())["data"]["orderStatusChanged"]["order"] for _ in "12"]
            # Auditors see every order, but neither reassign nor read the park's reasoning.
            assert after[-1] == {"viewerCan": {"reassign": False}, "assignmentReason": None}


CONVERSATION = """subscription($id: ID!) { orderConversationChanged(orderId: $id) {
    orderId number sequence kind at } }"""


@pytest.mark.postgres
async def test_the_conversation_is_heard_by_its_readers_only(settings: Settings) -> None:
    """Messages are not timeline events: their readers (the two sides, supervisors) hear of
    each one sent or read; anyone else who sees the order is refused, as `messages` is null."""
    from tests.schema.conversation_helpers import mark_read, send

    p = await park(handlers=1)
    order = await open_order(p)
    order_id = global_id("Order", order.id)
    async with live_server(settings) as server:
        handler = await server.signed_in(p.handlers[0])
        applicant = await server.signed_in(p.applicant)
        ours = await token_for(p.applicant, ["orders:read"])
        auditors = await token_for(p.auditor, ["orders:read"])
        async with server.socket() as ws, server.socket() as desk:
            await ws.init(bearer(ours))
            await desk.init(bearer(auditors))
            await desk.subscribe(CONVERSATION, {"id": order_id})
            refused = await desk.of("1")
            assert refused["type"] == "error", refused
            assert refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"
            await ws.subscribe(CONVERSATION, {"id": order_id})
            await ws.nothing(0.2)
            sent = await send(handler, order_id, body="请补充材料")
            assert sent["userErrors"] == []
            heard = (await ws.next())["data"]["orderConversationChanged"]
            assert (heard["orderId"], heard["number"], heard["kind"]) == (
                order_id, order.number, "ORDER_MESSAGE_SENT"
            )  # fmt: skip
            read = await mark_read(applicant, order_id, upToSequence=sent["message"]["sequence"])
            assert read["userErrors"] == []
            again = (await ws.next())["data"]["orderConversationChanged"]
            assert again["kind"] == "ORDER_MESSAGES_READ"
            assert again["sequence"] > heard["sequence"]
            await ws.nothing()
