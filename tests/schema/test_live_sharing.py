"""A subscription whose selection reads nothing but the news is executed once per piece of
news, its result shared by every subscriber asking the same thing; anything that may depend
on the viewer is still executed for each (backend/schema/live/execution.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order
from backend.schema import schema
from backend.schema.context import Context
from backend.schema.live.context import LiveContext
from backend.schema.live.execution import OperationScoped
from backend.schema.live.fanout import SharedFrames
from backend.schema.live.types import OrderStatusChange
from backend.services.accounts import sessions
from backend.services.accounts.throttle import CostLimiter, LoginThrottle
from backend.services.core.actors import Actor
from backend.services.live import broker
from backend.services.live.news import ChangeNews
from backend.services.live.viewers import connect
from backend.settings import Settings
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.live_helpers import bearer, live_server, token_for
from tests.schema.order_helpers import ASSIGN, open_order, park

NEWS_ONLY = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    __typename orderId number sequence kind fromStatus toStatus at } }"""
WITH_ORDER = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    sequence order { id status } } }"""
ALIASED = """subscription($id: ID) { orderStatusChanged(orderId: $id) { n: number } }"""


async def _fan_out(settings: Settings, users: list[Any], document: str) -> list[Any]:
    """Subscribes each user (one connection each) with `document`, delivers one change of
    the park's order, and returns what each subscription yields."""
    order = await Order.all().order_by("id").first()
    assert order is not None
    throttle = LoginThrottle(
        "async+memory://", per_account_and_address="5/minute", per_address="5/minute",
        per_account="5/minute", sign_ups_per_address="5/minute",
    )  # fmt: skip
    async with broker.running(settings) as running:
        subscriptions = []
        for user in users:
            secret = await sessions.start(user, days=1, user_agent="t", address="t")
            actor = Actor(user_id=user.id, session_id=sessions.session_key(secret))
            viewer = await connect(actor, running, queue_size=10, on_end=lambda _: None)
            assert viewer is not None
            base = Context(actor=viewer.actor, settings=settings, throttle=throttle,
                           cost_limiter=CostLimiter("async+memory://", 100_000))  # fmt: skip
            context = LiveContext(**{f: getattr(base, f) for f in (
                "actor", "settings", "throttle", "cost_limiter")}, viewer=viewer)  # fmt: skip
            variables = {"id": global_id("Order", order.id)}
            subscriptions.append(
                await OperationScoped(schema).subscribe(document, variables, context_value=context)
            )
        waiting = [asyncio.ensure_future(s.__anext__()) for s in subscriptions]
        await asyncio.sleep(0.2)
        running.deliver(
            ChangeNews(
                aggregate_type="order",
                aggregate_id=order.id,
                sequence=7,
                event_id=1,
                kind="ORDER_ACCEPTED",
                at="2026-11-30T01:02:03+00:00",
                number=order.number,
                status="IN_PROGRESS",
                from_status="ASSIGNED",
                to_status="IN_PROGRESS",
                enterprise_id=order.enterprise_id,  # type: ignore[attr-defined]
                team_id=order.team_id,  # type: ignore[attr-defined]
                assignee_id=order.assignee_id,
                due_at=order.due_at.isoformat(),
            )
        )
        results = await asyncio.wait_for(asyncio.gather(*waiting), 5)
        for subscription in subscriptions:
            await subscription.aclose()
        return results


@pytest.mark.postgres
async def test_a_selection_of_news_is_executed_once_and_shared(settings: Settings) -> None:
    p = await park(handlers=1)
    await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    results = await _fan_out(settings, [p.applicant, p.applicant, supervisor], NEWS_ONLY)
    first = results[0]
    assert first.errors is None
    assert first.data["orderStatusChanged"]["sequence"] == 7
    assert first.data["orderStatusChanged"]["__typename"] == "OrderStatusChange"
    # One execution for all three: the very same data, whoever asked.
    assert all(r.data is first.data for r in results)


@pytest.mark.postgres
async def test_what_may_depend_on_the_viewer_is_executed_for_each(settings: Settings) -> None:
    p = await park(handlers=1)
    await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR)
    results = await _fan_out(settings, [p.applicant, supervisor], WITH_ORDER)
    assert results[0].data is not results[1].data
    assert [r.data["orderStatusChanged"]["sequence"] for r in results] == [7, 7]
    # Another selection is another result: never shared across documents.
    other = await _fan_out(settings, [p.applicant], ALIASED)
    assert other[0].data == {"orderStatusChanged": {"n": p.orders[0].number}}


CHANGE_ONLY = """subscription($id: ID) { orderStatusChanged(orderId: $id) {
    orderId sequence fromStatus toStatus } }"""


@pytest.mark.postgres
async def test_a_shared_delivery_is_encoded_once_and_reaches_each_socket_under_its_own_id(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its first result, a news-only subscription's socket reads its own queue and sends
    one encoding per piece of news, spliced with its own operation id (fanout.py); what the
    viewer may not see still never reaches it."""
    rendered: list[int] = []
    render = SharedFrames._render

    def counted(self: SharedFrames, delivery: Any) -> Any:
        rendered.append(delivery.news.sequence)
        return render(self, delivery)

    monkeypatch.setattr(SharedFrames, "_render", counted)
    p = await park(handlers=1)
    order = await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR, "钱主管")
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        mine = await token_for(p.applicant, ["orders:read"])
        watching = await token_for(supervisor, ["orders:read"])
        theirs = await token_for(p.other_applicant, ["orders:read"])
        async with server.socket() as a, server.socket() as b, server.socket() as c:
            for ws, secret in ((a, mine), (b, watching), (c, theirs)):
                assert (await ws.init(bearer(secret)))["type"] == "connection_ack"
            # The same document and variables everywhere: one share key for all three.
            await a.subscribe(CHANGE_ONLY, {"id": None}, id="a-1")
            await b.subscribe(CHANGE_ONLY, {"id": None}, id="b-7")
            await c.subscribe(CHANGE_ONLY, {"id": None}, id="c-3")
            await a.nothing(0.2)
            for _ in range(2):  # released then assigned, twice: four changes in one order
                await _rerun(boss, order)
            frames = {}
            for ws, id in ((a, "a-1"), (b, "b-7")):
                frames[id] = [json.loads(await asyncio.wait_for(ws.ws.recv(), 5)) for _ in "1234"]
            await c.nothing()  # another enterprise's order: not a word of it

    expected_order = global_id("Order", order.id)
    for id, received in frames.items():
        assert [m["id"] for m in received] == [id] * 4
        assert {m["type"] for m in received} == {"next"}
        changes = [m["payload"]["data"]["orderStatusChanged"] for m in received]
        assert [c["sequence"] for c in changes] == [3, 4, 5, 6]  # in order, none twice
        assert {c["orderId"] for c in changes} == {expected_order}
        assert [c["toStatus"] for c in changes] == ["PENDING_ASSIGNMENT", "ASSIGNED"] * 2
        # The extensions Strawberry adds (the cost) ride on the spliced frames too.
        assert all(m["payload"]["extensions"] == received[0]["payload"]["extensions"]
                   for m in received)  # fmt: skip
    # The first change went the ordinary way for each; the three after it were executed and
    # encoded once for both sockets.
    assert sorted(rendered) == [4, 5, 6]


async def _rerun(boss: Any, order: Order) -> None:
    stored = await Order.get(id=order.id)
    variables = {
        "orderId": global_id("Order", order.id),
        "expectedVersion": stored.version,
        "reason": "重新分配",
    }
    payload = (await boss.gql(ASSIGN, {"input": variables}))["assignOrder"]
    assert payload["userErrors"] == [], payload


@pytest.mark.postgres
async def test_a_shared_delivery_that_fails_is_answered_with_a_masked_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A piece of news whose shared execution fails reaches each socket as Strawberry answers
    a failing event (the bug masked, with a request id), and the next one goes out as usual."""
    shown = OrderStatusChange.of.__func__  # type: ignore[attr-defined]

    def failing(cls: type[OrderStatusChange], delivery: Any) -> OrderStatusChange:
        if delivery.news.sequence == 4:
            raise RuntimeError("a bug")
        result: OrderStatusChange = shown(cls, delivery)
        return result

    monkeypatch.setattr(OrderStatusChange, "of", classmethod(failing))
    p = await park(handlers=1)
    order = await open_order(p)
    supervisor = await builders.user(Role.SUPERVISOR, "钱主管")
    async with live_server(settings) as server:
        boss = await server.signed_in(supervisor)
        mine = await token_for(p.applicant, ["orders:read"])
        async with server.socket() as a:
            assert (await a.init(bearer(mine)))["type"] == "connection_ack"
            await a.subscribe(CHANGE_ONLY, {"id": None}, id="a-1")
            await a.nothing(0.2)
            for _ in range(2):
                await _rerun(boss, order)
            first = await a.next("a-1")
            failed = await a.next("a-1")
            after = [await a.next("a-1") for _ in "12"]
    assert first["data"]["orderStatusChanged"]["sequence"] == 3
    assert failed["data"] is None
    assert failed["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert "a bug" not in json.dumps(failed)
    assert [m["data"]["orderStatusChanged"]["sequence"] for m in after] == [5, 6]
