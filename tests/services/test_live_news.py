"""Live news: what a committed change tells the broker, only once it is committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict

import pytest

from backend.models.accounts import MemberKind, Role
from backend.models.events import Event
from backend.models.orders import Order
from backend.services.accounts import accounts, sessions, tokens
from backend.services.core import events
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.live import broker, news, publishing
from backend.services.live.broker import Delivery
from backend.services.live.news import AccessNews, ChangeNews, NoticeNews, decode, encode
from backend.services.notifications import notifications
from backend.services.teams import teams
from backend.settings import Settings
from tests import builders
from tests.schema.order_helpers import open_order, park


class Recorder:
    def __init__(self) -> None:
        self.news: list[news.News] = []

    def hear(self, delivery: Delivery) -> None:
        self.news.append(delivery.news)


@pytest.fixture
async def heard(settings: Settings) -> AsyncIterator[list[news.News]]:
    async with broker.running(settings) as running:
        recorder = Recorder()
        running.attach(recorder)
        yield recorder.news


class Abandon(Exception):
    pass


def changes(heard: list[news.News]) -> list[ChangeNews]:
    return [n for n in heard if isinstance(n, ChangeNews)]


# -- the wire ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "piece",
    [
        ChangeNews("order", 7, 3, 41, "ORDER_ASSIGNED", "2026-11-30T01:02:03+00:00", "SH-1",
                   "ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", enterprise_id=5, team_id=2,
                   assignee_id=9, due_at="2026-12-07T15:59:59+00:00"),
        ChangeNews("application", 8, 2, 42, "APPLICATION_SUBMITTED", "2026-11-30T01:02:03+00:00",
                   "SQ-1", "UNDER_REVIEW", "DRAFT", "UNDER_REVIEW", enterprise_id=5,
                   handed_in=True),
        NoticeNews(user_id=4, notification_id=12),
        NoticeNews(user_id=4),
        AccessNews(user_id=3, roles=("HANDLER", "AUDITOR"), lost_team_id=2),
        AccessNews(session="ab" * 16),
    ],
)  # fmt: skip
def test_news_goes_over_the_wire_and_back_unchanged(piece: news.News) -> None:
    assert decode(encode(piece)) == piece
    assert decode(encode(piece).encode()) == piece


def test_what_this_release_cannot_read_is_skipped_not_misread() -> None:
    good = encode(NoticeNews(user_id=4, notification_id=12))
    assert decode(good.replace('"v":1', '"v":2')) is None  # another version
    assert decode(good.replace('"notice"', '"gossip"')) is None  # an unknown type
    assert decode(good.replace('"user_id":4', '"user_id":"4"')) is None  # the wrong type
    assert decode(good.replace('"user_id":4,', "")) is None  # a field it needs is missing
    assert decode('{"v":1,"type":"notice","user_id":true}') is None  # a bool is not an id
    assert decode("not json") is None
    assert decode("[1, 2]") is None


# -- publishing after the commit --------------------------------------------------------------


@pytest.mark.postgres
async def test_an_order_change_is_published_after_its_commit_with_the_rows_facts(
    heard: list[news.News],
) -> None:
    p = await park(handlers=1)
    async with in_transaction():
        order = await open_order(p)  # opens and assigns itself, in a transaction of its own
        assert changes(heard) == []  # the outer transaction has not committed yet
    opened, assigned = changes(heard)
    stored = await Order.get(id=order.id)
    for piece in (opened, assigned):
        assert (piece.aggregate_type, piece.aggregate_id) == ("order", order.id)
        # The facts are the row as the transaction left it.
        assert piece.status == "ASSIGNED"
        assert piece.enterprise_id == p.enterprise.id
        assert piece.team_id == p.team.id
        assert piece.assignee_id == stored.assignee_id == p.handlers[0].id
        assert piece.number == stored.number
    assert (opened.kind, opened.from_status, opened.to_status) == (
        "ORDER_OPENED", None, "PENDING_ASSIGNMENT"
    )  # fmt: skip
    assert (assigned.kind, assigned.from_status, assigned.to_status) == (
        "ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED"
    )  # fmt: skip
    recorded = await Event.filter(aggregate_type="order", aggregate_id=order.id).order_by(
        "sequence"
    )
    assert [(n.event_id, n.sequence) for n in (opened, assigned)] == [
        (e.id, e.sequence) for e in recorded
    ]
    notices = [n for n in heard if isinstance(n, NoticeNews)]
    assert notices and notices[0].user_id == p.handlers[0].id


@pytest.mark.postgres
async def test_a_rolled_back_change_publishes_nothing(heard: list[news.News]) -> None:
    p = await park(handlers=1)
    with pytest.raises(Abandon):
        async with in_transaction():
            await open_order(p)
            raise Abandon
    assert heard == []
    assert await Order.all().count() == 0


@pytest.mark.postgres
async def test_a_rolled_back_savepoint_publishes_only_what_the_outer_transaction_kept(
    heard: list[news.News],
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    heard.clear()
    async with in_transaction() as conn:
        kept = await events.record(conn, Actor(), "order", order.id, "ORDER_PROGRESS_NOTED")
        with pytest.raises(Abandon):
            async with in_transaction() as inner:
                await events.record(inner, Actor(), "order", order.id, "ORDER_PROGRESS_NOTED")
                await notifications.notify(p.applicant.id, "WELCOME", {"name": "x"}, using_db=inner)
                raise Abandon
    assert [(type(n), getattr(n, "event_id", None)) for n in heard] == [(ChangeNews, kept.id)]


async def test_nothing_is_read_or_published_when_no_broker_runs(
    sql_counter: object, db: str
) -> None:
    assert broker.current() is None
    p = await park(handlers=1)
    order = await open_order(p)
    async with in_transaction() as conn:
        counter = sql_counter
        counter.reset()  # type: ignore[attr-defined]
        await events.record(conn, Actor(), "order", order.id, "ORDER_PROGRESS_NOTED")
    statements = counter.statements  # type: ignore[attr-defined]
    # The counter's UPDATE and the event's INSERT: no read of the order's facts.
    assert not any('FROM "orders"' in s for s in statements), statements


async def test_a_notice_is_published_once_committed_and_reading_publishes_the_count(
    heard: list[news.News],
) -> None:
    user = await builders.user(Role.APPLICANT)
    with pytest.raises(Abandon):
        async with in_transaction() as conn:
            await notifications.notify(user.id, "WELCOME", {"name": "x"}, using_db=conn)
            raise Abandon
    assert heard == []
    notice = await notifications.notify(user.id, "WELCOME", {"name": "x"})
    assert heard == [NoticeNews(user_id=user.id, notification_id=notice.id)]
    await notifications.mark_read(Actor(user_id=user.id), None)
    assert heard[-1] == NoticeNews(user_id=user.id, notification_id=None)
    heard.clear()
    await notifications.mark_read(Actor(user_id=user.id), None)  # nothing left unread
    assert heard == []


async def test_access_changes_are_published(heard: list[news.News]) -> None:
    admin = await builders.user(Role.ADMIN)
    admin_actor = Actor(user_id=admin.id, roles=frozenset({Role.ADMIN}))
    team, (handler,) = await builders.team_with_handlers(1)
    team = await teams.remove_member(admin_actor, team.id, handler.id, MemberKind.HANDLER, 1)
    assert AccessNews(user_id=handler.id, lost_team_id=team.id) in heard
    await accounts.set_roles(admin_actor, handler.id, [Role.AUDITOR], handler.version)
    assert AccessNews(user_id=handler.id, roles=("AUDITOR",)) in heard

    issued = await tokens.create(Actor(user_id=handler.id), "t", ["orders:read"], None)
    await tokens.revoke(Actor(user_id=handler.id), issued.token.id)
    assert AccessNews(user_id=handler.id, token_id=issued.token.id) in heard

    secret = await sessions.start(handler, days=1, user_agent="", address="")
    session_id = sessions.session_key(secret)
    await sessions.end(session_id)
    assert heard[-1] == AccessNews(session=news.live_key(session_id))
    assert news.live_key(session_id) != session_id  # the table's key never leaves the process


async def test_each_piece_of_news_reaches_listeners_in_commit_order(
    heard: list[news.News],
) -> None:
    p = await park(handlers=1)
    order = await open_order(p)
    heard.clear()
    for _ in range(5):
        async with in_transaction() as conn:
            await events.record(conn, Actor(), "order", order.id, "ORDER_PROGRESS_NOTED")
    assert [n.sequence for n in changes(heard)] == [3, 4, 5, 6, 7]
    assert all(asdict(n)["kind"] == "ORDER_PROGRESS_NOTED" for n in changes(heard))
    publishing.after_commit()  # nothing to say is no news
    assert len(heard) == 5
