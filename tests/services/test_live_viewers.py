"""A live viewer decides from the news with the queries' own rules, forgets what it loses at
once, and ends with its session or token; the streams replay, then follow, with no gap and no
repeat."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.models.accounts import ApiToken, Role, Session, TeamMember, User
from backend.models.applications import Application, ApplicationStatus
from backend.models.enterprises import Membership
from backend.models.events import Event
from backend.models.orders import Order, OrderStatus
from backend.services.applications.policies import applications_visible_to
from backend.services.core import events
from backend.services.core.actors import Actor
from backend.services.core.errors import NotFound
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.live import broker, publishing, streams, viewers
from backend.services.live.broker import Broker, Delivery
from backend.services.live.news import AccessNews, ChangeNews, live_key
from backend.services.live.viewers import Ending, Standing, Viewer
from backend.services.orders.policies import orders_visible_to
from backend.settings import Settings
from tests import builders
from tests.schema.order_helpers import Park, open_order, park

DAY = timedelta(days=1)


def _actor(user: User, *roles: Role, **extra: Any) -> Actor:
    return Actor(user_id=user.id, name=user.name, roles=frozenset(roles), **extra)


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[Broker]:
    async with broker.running(settings) as live:
        yield live


class Ends:
    def __init__(self) -> None:
        self.endings: list[Ending] = []

    def __call__(self, ending: Ending) -> None:
        self.endings.append(ending)


async def _viewer(actor: Actor, live: Broker | None = None, **kw: Any) -> tuple[Viewer, Ends]:
    """A viewer of `actor`, signed in with a session of its own unless it brings a token."""
    if actor.session_id is None and actor.token_id is None and actor.user_id is not None:
        session = await Session.create(
            id=uuid.uuid4().hex * 2, user_id=actor.user_id, expires_at=datetime.now(UTC) + DAY
        )
        actor = replace(actor, session_id=session.id)
    ends = Ends()
    viewer = Viewer(Standing(actor, await reach_of(actor), None), queue_size=50, on_end=ends, **kw)
    if live is not None:
        viewer.listen(live)
    return viewer, ends


async def _back_to_waiting(order: Order) -> None:
    await Order.filter(id=order.id).update(status=OrderStatus.PENDING_ASSIGNMENT, assignee_id=None)


async def _news_of(aggregate_type: str) -> list[ChangeNews]:
    found = await Event.filter(aggregate_type=aggregate_type).order_by("id")
    async with in_transaction() as conn:
        described = await publishing.describe(conn, found)
    return [n for n in described if isinstance(n, ChangeNews)]


async def _people(p: Park) -> list[Actor]:
    outsider = (await builders.team_with_handlers(1))[1][0]
    return [
        _actor(p.applicant, Role.APPLICANT),
        _actor(p.other_applicant, Role.APPLICANT),
        _actor(await builders.user(Role.APPLICANT), Role.APPLICANT),
        _actor(p.handlers[0], Role.HANDLER),
        _actor(p.handlers[1], Role.HANDLER),
        _actor(outsider, Role.HANDLER),
        _actor(await builders.user(Role.SUPERVISOR), Role.SUPERVISOR),
        _actor(p.auditor, Role.AUDITOR),
        _actor(await builders.user(Role.ADMIN), Role.ADMIN),
        _actor(await builders.user(Role.PROVIDER), Role.PROVIDER),
    ]


@pytest.mark.postgres
async def test_what_a_viewer_hears_of_orders_is_what_the_order_queries_show_them(db: str) -> None:
    p = await park(handlers=2)
    await open_order(p)
    await open_order(p, other=True)
    waiting = await open_order(p)
    await _back_to_waiting(waiting)
    news = await _news_of("order")
    assert len(news) >= 6
    for actor in await _people(p):
        viewer, _ = await _viewer(actor)
        visible = set(await orders_visible_to(actor).values_list("id", flat=True))
        heard = {n.aggregate_id for n in news if viewer.sees(Delivery(n))}
        assert heard == visible, actor


@pytest.mark.postgres
async def test_what_a_viewer_hears_of_applications_is_what_the_queries_show_them(
    db: str,
) -> None:
    p = await park(handlers=2)
    handled = await open_order(p)  # approved, its order held by a handler
    draft = await Application.create(
        number="SQ-DRAFT", item=p.item, enterprise=p.enterprise, applicant=p.applicant
    )
    filed = await Application.create(
        number="SQ-FILED", item=p.item, enterprise=p.other_enterprise, applicant=p.other_applicant,
        filed_by=p.auditor,
    )  # fmt: skip
    returned = await Application.create(
        number="SQ-BACK", item=p.item, enterprise=p.other_enterprise,
        applicant=p.other_applicant, status=ApplicationStatus.RETURNED, revision_count=1,
    )  # fmt: skip
    async with in_transaction() as conn:
        for row in (draft, filed, returned):
            await events.record(conn, Actor(), "application", row.id, "APPLICATION_SAVED")
        await events.record(
            conn, Actor(), "application", handled.application_id, "APPLICATION_APPROVED"
        )
    news = await _news_of("application")
    assert {n.aggregate_id for n in news} == {
        draft.id, filed.id, returned.id, handled.application_id
    }  # fmt: skip
    for actor in await _people(p):
        viewer, _ = await _viewer(actor)
        visible = set(await applications_visible_to(actor).values_list("id", flat=True))
        heard = {n.aggregate_id for n in news if viewer.sees(Delivery(n))}
        assert heard == visible, actor


async def test_a_lost_team_is_forgotten_before_the_next_news_and_the_reread_confirms_it(
    running: Broker,
) -> None:
    p = await park(handlers=1)
    waiting = await open_order(p)
    await _back_to_waiting(waiting)
    (news,) = [n for n in await _news_of("order") if n.kind == "ORDER_OPENED"]
    handler = p.handlers[0]
    viewer, ends = await _viewer(_actor(handler, Role.HANDLER), running)
    assert viewer.sees(Delivery(news))
    await TeamMember.filter(team=p.team, user=handler).delete()
    running.publish([AccessNews(user_id=handler.id, lost_team_id=p.team.id)])
    assert not viewer.sees(Delivery(news))  # at once, not after a query
    await asyncio.sleep(0.2)
    assert p.team.id not in viewer.reach.handles_for
    assert not viewer.sees(Delivery(news)) and ends.endings == []


async def test_a_read_that_started_before_a_loss_does_not_bring_it_back(
    running: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await park(handlers=1)
    handler = p.handlers[0]
    actor = _actor(handler, Role.HANDLER)
    viewer, _ = await _viewer(actor, running)
    before = await reach_of(actor)
    release = asyncio.Event()
    reads: list[int] = []

    async def slow_standing(who: Actor) -> Standing:
        reads.append(1)
        if len(reads) == 1:
            await release.wait()
            return Standing(who, before, None)  # read before the loss: still in the team
        return Standing(who, await reach_of(who), None)

    monkeypatch.setattr(viewers, "standing_of", slow_standing)
    running.publish([AccessNews(user_id=handler.id)])  # a first change: a read starts
    await asyncio.sleep(0.05)
    await TeamMember.filter(team=p.team, user=handler).delete()
    running.publish([AccessNews(user_id=handler.id, lost_team_id=p.team.id)])
    release.set()
    await asyncio.sleep(0.3)
    assert len(reads) == 2
    assert p.team.id not in viewer.reach.handles_for


async def test_roles_taken_away_count_at_once(running: Broker) -> None:
    p = await park(handlers=1)
    await open_order(p, other=True)
    news = (await _news_of("order"))[0]
    supervisor = await builders.user(Role.SUPERVISOR)
    viewer, _ = await _viewer(_actor(supervisor, Role.SUPERVISOR), running)
    assert viewer.sees(Delivery(news))
    running.publish([AccessNews(user_id=supervisor.id, roles=("APPLICANT",))])
    assert not viewer.sees(Delivery(news))


async def test_the_viewers_session_ending_ends_it_and_anothers_does_not(running: Broker) -> None:
    user = await builders.user(Role.APPLICANT)
    session = await Session.create(
        id="s" * 64, user=user, expires_at=datetime.now(UTC) + timedelta(days=1)
    )
    viewer, ends = await _viewer(_actor(user, Role.APPLICANT, session_id=session.id), running)
    subscriber = viewer.subscribe(lambda d: True)
    running.publish([AccessNews(session=live_key("t" * 64))])
    assert ends.endings == [] and running.listeners == 1
    running.publish([AccessNews(session=live_key(session.id))])
    assert ends.endings == [viewers.SIGNED_OUT]
    assert running.listeners == 0 and subscriber.closed and viewer.subscriptions == 0


async def test_a_revoked_token_ends_its_viewer(running: Broker) -> None:
    user = await builders.user(Role.APPLICANT)
    _, ends = await _viewer(_actor(user, Role.APPLICANT, token_id=77), running)
    running.publish([AccessNews(user_id=user.id, token_id=78)])
    await asyncio.sleep(0)
    assert ends.endings == []
    running.publish([AccessNews(user_id=user.id, token_id=77)])
    assert ends.endings == [viewers.TOKEN_REVOKED]


async def test_standing_is_over_with_the_session_or_the_token(db: str) -> None:
    user = await builders.user(Role.HANDLER)
    now = datetime.now(UTC)
    live = await Session.create(id="a" * 64, user=user, expires_at=now + timedelta(hours=1))
    await Session.create(id="b" * 64, user=user, expires_at=now - timedelta(seconds=1))
    standing = await viewers.standing_of(_actor(user, session_id=live.id))
    assert standing is not None and standing.actor.roles == frozenset({Role.HANDLER})
    assert standing.expires_at is not None
    assert await viewers.standing_of(_actor(user, session_id="b" * 64)) is None
    assert await viewers.standing_of(_actor(user, session_id="c" * 64)) is None
    assert await viewers.standing_of(_actor(user)) is None  # neither a session nor a token
    token = await ApiToken.create(
        user=user, name="t", prefix="abc", secret_hash="x", scopes=["orders:read"]
    )
    assert await viewers.standing_of(_actor(user, token_id=token.id)) is not None
    await ApiToken.filter(id=token.id).update(revoked_at=now)
    assert await viewers.standing_of(_actor(user, token_id=token.id)) is None
    await User.filter(id=user.id).update(is_active=False)
    assert await viewers.standing_of(_actor(user, session_id=live.id)) is None


async def test_a_viewer_ends_when_its_session_expires(running: Broker) -> None:
    user = await builders.user(Role.APPLICANT)
    session = await Session.create(
        id="e" * 64, user=user, expires_at=datetime.now(UTC) + timedelta(seconds=0.3)
    )
    ends = Ends()
    viewer = await viewers.connect(
        _actor(user, session_id=session.id), running, queue_size=5, on_end=ends
    )
    assert viewer is not None and ends.endings == []
    await asyncio.sleep(0.5)
    assert ends.endings == [viewers.EXPIRED]


# -- the order's event stream -------------------------------------------------------------------


async def _stream_of(viewer: Viewer, order: Order, after: int | None = None) -> Any:
    return await streams.order_events(viewer, order.id, after)


async def _next(stream: Any) -> Event:
    event: Event = await asyncio.wait_for(stream.__anext__(), 2)
    return event


async def _note(order: Order) -> Event:
    async with in_transaction() as conn:
        return await events.record(conn, Actor(), "order", order.id, "ORDER_PROGRESS_NOTED")


async def test_an_event_committed_between_subscribing_and_reading_arrives_once(
    running: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)  # events 1 and 2
    viewer, _ = await _viewer(_actor(p.applicant, Role.APPLICANT), running)
    original = streams._events_after
    calls: list[int] = []

    async def committing_first(order_id: int, after: int) -> list[Event]:
        if not calls:
            await _note(order)  # 3: in the table AND in the subscriber's queue
        calls.append(after)
        return await original(order_id, after)

    monkeypatch.setattr(streams, "_events_after", committing_first)
    stream = await _stream_of(viewer, order)
    seen = [(await _next(stream)).sequence for _ in range(3)]
    await _note(order)  # 4: live
    seen.append((await _next(stream)).sequence)
    assert seen == [1, 2, 3, 4]
    await stream.aclose()
    assert viewer.subscriptions == 0


async def test_news_the_broker_lost_is_read_from_the_table(running: Broker) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    viewer, _ = await _viewer(_actor(p.applicant, Role.APPLICANT), running)
    stream = await _stream_of(viewer, order, after=2)
    await _note(order)
    assert (await _next(stream)).sequence == 3  # live, the replay found nothing
    broker._current = None  # 4 commits while nobody publishes (a Redis outage)
    try:
        await _note(order)
    finally:
        broker._current = running
    await _note(order)  # 5: its news shows the gap
    assert [(await _next(stream)).sequence for _ in range(2)] == [4, 5]
    await stream.aclose()


async def test_a_stream_ends_when_the_viewer_loses_the_order(running: Broker) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    holder = next(h for h in p.handlers if h.id == order.assignee_id)
    other = next(h for h in p.handlers if h.id != order.assignee_id)
    viewer, _ = await _viewer(_actor(holder, Role.HANDLER), running)
    stream = await _stream_of(viewer, order, after=2)
    await _note(order)
    assert (await _next(stream)).sequence == 3
    async with in_transaction() as conn:
        await Order.filter(id=order.id).update(assignee_id=other.id)
        await events.record(conn, Actor(), "order", order.id, "ORDER_REASSIGNED")
    with pytest.raises(StopAsyncIteration):
        await _next(stream)
    assert viewer.subscriptions == 0


async def test_a_stream_of_an_order_the_viewer_may_not_see_does_not_start(
    running: Broker,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p, other=True)
    viewer, _ = await _viewer(_actor(p.applicant, Role.APPLICANT), running)
    with pytest.raises(NotFound):
        await _stream_of(viewer, order)
    with pytest.raises(NotFound):
        await streams.order_status_changes(viewer, order.id)
    assert viewer.subscriptions == 0


async def test_assignments_say_gained_and_lost_once_each(running: Broker) -> None:
    p = await park(handlers=2)
    order = await open_order(p)
    holder = next(h for h in p.handlers if h.id == order.assignee_id)
    other = next(h for h in p.handlers if h.id != order.assignee_id)
    mine, _ = await _viewer(_actor(holder, Role.HANDLER), running)
    theirs, _ = await _viewer(_actor(other, Role.HANDLER), running)
    lost = await streams.assignment_changes(mine)
    gained = await streams.assignment_changes(theirs)
    await _note(order)  # still the holder's: nothing to say
    async with in_transaction() as conn:
        await Order.filter(id=order.id).update(assignee_id=other.id)
        await events.record(conn, Actor(), "order", order.id, "ORDER_REASSIGNED")
    delivery, assigned = await asyncio.wait_for(lost.__anext__(), 2)
    assert (delivery.news.aggregate_id, assigned) == (order.id, False)
    delivery, assigned = await asyncio.wait_for(gained.__anext__(), 2)
    assert (delivery.news.aggregate_id, assigned) == (order.id, True)
    await _note(order)  # the new holder's already: nothing new
    async with in_transaction() as conn:
        await Order.filter(id=order.id).update(status=OrderStatus.COMPLETED)
        await events.record(conn, Actor(), "order", order.id, "ORDER_COMPLETED")
    for stream in (lost, gained):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(asyncio.ensure_future(stream.__anext__())), 0.2)


async def test_a_member_who_left_hears_nothing_more_of_the_enterprises_orders(
    running: Broker,
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    viewer, _ = await _viewer(_actor(p.applicant, Role.APPLICANT), running)
    changes = await streams.order_status_changes(viewer, None)
    await Membership.filter(user=p.applicant).delete()
    running.publish([AccessNews(user_id=p.applicant.id, lost_enterprise_id=p.enterprise.id)])
    async with in_transaction() as conn:
        await Order.filter(id=order.id).update(status=OrderStatus.IN_PROGRESS)
        await events.record(
            conn, Actor(), "order", order.id, "ORDER_ACCEPTED",
            {"from": "ASSIGNED", "to": "IN_PROGRESS"},
        )  # fmt: skip
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(changes.__anext__(), 0.3)
