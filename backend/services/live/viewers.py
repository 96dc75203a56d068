"""One live connection's viewer: who it is, what it reaches, and its subscriptions.

A connection loads the viewer's roles and reach once (`connect`); every piece of news is then
checked against the same policies the queries use (`can_view_order`,
`can_view_application`), asked about a stub of the row built from the news: no query per
subscriber per event. When the news says the viewer lost something (a team, an enterprise, a
role) the connection forgets it at once, then reads roles and reach again; when their session
ends or their token is revoked, the connection ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from backend.models.accounts import ApiToken, Role, Session
from backend.models.applications import Application, ApplicationStatus
from backend.models.orders import OrderStatus
from backend.services.accounts.accounts import roles_of
from backend.services.applications.policies import can_view_application
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach, reach_of
from backend.services.evaluations.policies import is_supervisor
from backend.services.live.broker import Broker, Delivery, Subscriber
from backend.services.live.news import AccessNews, ChangeNews, live_key
from backend.services.orders.parties import reads_conversation
from backend.services.orders.policies import OrderRow, can_view_order

log = logging.getLogger("servicehall.live")
# News of the supervisors' work (reviews, rectifications): heard by those who may do it.
SUPERVISED = frozenset({"evaluation", "rectification"})


@dataclass(frozen=True)
class Ending:
    """Why a connection ends: a WebSocket close code and its reason."""

    code: int
    reason: str


# 4401 as graphql-transport-ws uses it: not (or no longer) authorised; clients do not retry.
SIGNED_OUT = Ending(4401, "Signed out")
TOKEN_REVOKED = Ending(4401, "The API token was revoked")
ACCESS_ENDED = Ending(4401, "The session or token is no longer valid")
EXPIRED = Ending(4401, "The session or token expired")
# A client that lets news pile up unread (live_queue_size): reconnect and resume with `after`.
TOO_SLOW = Ending(4008, "Too slow: news waited unread; reconnect to resume")


@dataclass(frozen=True)
class Standing:
    """What a live connection may hear as of now."""

    actor: Actor
    reach: Reach
    expires_at: datetime | None


async def standing_of(actor: Actor) -> Standing | None:
    """The actor's roles and reach, read again; None when their session or token is over."""
    if actor.user_id is None:
        return None
    now = datetime.now(UTC)
    if actor.token_id is not None:
        tokens = await ApiToken.filter(id=actor.token_id, user_id=actor.user_id).values_list(
            "revoked_at", "expires_at", "user__is_active", "user__provider_id"
        )
        if not tokens:
            return None
        revoked_at, expires_at, active, provider_id = tokens[0]
        if revoked_at is not None or not active:
            return None
    elif actor.session_id is not None:
        sessions = await Session.filter(id=actor.session_id, user_id=actor.user_id).values_list(
            "expires_at", "user__is_active", "user__provider_id"
        )
        if not sessions:
            return None
        expires_at, active, provider_id = sessions[0]
        if not active:
            return None
    else:
        return None
    if isinstance(expires_at, datetime) and expires_at <= now:
        return None
    # The provider too: an admin may link the account to another one.
    fresh = replace(actor, roles=await roles_of(actor.user_id), provider_id=provider_id)
    return Standing(
        fresh, await reach_of(fresh), expires_at if isinstance(expires_at, datetime) else None
    )


def order_facts(news: ChangeNews) -> OrderRow:
    """The order as its transaction left it, as far as the policies ask."""
    assert news.enterprise_id is not None and news.due_at is not None  # every order's
    return OrderRow(
        id=news.aggregate_id,
        status=OrderStatus(news.status),
        enterprise_id=news.enterprise_id,
        team_id=news.team_id,
        assignee_id=news.assignee_id,
        provider_id=news.provider_id,
        due_at=datetime.fromisoformat(news.due_at),
        waiting_since=datetime.fromisoformat(news.waiting_since) if news.waiting_since else None,
        due_soon_at=None,  # no policy reads it; news does not carry it
    )


def application_stub(news: ChangeNews) -> Application:
    return Application(
        id=news.aggregate_id,
        number=news.number,
        status=ApplicationStatus(news.status),
        enterprise_id=news.enterprise_id,
        # What `is_handed_in` asks: submitted at least once or filed by the desk.
        revision_count=1 if news.handed_in else 0,
        filed_by_id=None,
    )


class Viewer:
    """A connection's listener. `on_end(code, reason)` is how the face closes its connection."""

    def __init__(
        self,
        standing: Standing,
        *,
        queue_size: int,
        on_end: Callable[[Ending], None],
    ) -> None:
        self.actor = standing.actor
        self.reach = standing.reach
        self.session_key = live_key(self.actor.session_id) if self.actor.session_id else None
        self.queue_size = queue_size
        self.on_end = on_end
        self.ended = False
        self._expires_at = standing.expires_at
        self._subscribers: set[Subscriber] = set()
        self._broker: Broker | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._heard_again = False

    @property
    def user_id(self) -> int:
        assert self.actor.user_id is not None  # `connect` admits signed-in viewers only
        return self.actor.user_id

    @property
    def subscriptions(self) -> int:
        return len(self._subscribers)

    # -- the connection's life --------------------------------------------------------------

    def listen(self, broker: Broker) -> None:
        self._broker = broker
        broker.attach(self)
        self._watch_expiry()

    def _watch_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if self._expires_at is not None:
            delay = max(0.0, (self._expires_at - datetime.now(UTC)).total_seconds())
            self._expiry = asyncio.get_running_loop().call_later(delay, self.end, EXPIRED)

    def close(self) -> None:
        """Stops hearing anything (the connection is over)."""
        self.ended = True
        if self._broker is not None:
            self._broker.detach(self)
        if self._expiry is not None:
            self._expiry.cancel()
        if self._refresh is not None:
            self._refresh.cancel()
        for subscriber in self._subscribers:
            subscriber.close()
        self._subscribers.clear()

    def end(self, ending: Ending) -> None:
        """Ends the connection for `ending`: its subscriptions stop, then the face closes it."""
        if self.ended:
            return
        log.info("live connection of user %s ended: %s", self.actor.user_id, ending.reason)
        self.close()
        self.on_end(ending)

    # -- subscriptions ------------------------------------------------------------------------

    def subscribe(self, accepts: Callable[[Delivery], bool]) -> Subscriber:
        """A queue of the news `accepts` takes, from now on."""
        subscriber = Subscriber(accepts, self.queue_size, lambda: self.end(TOO_SLOW))
        if self.ended:
            subscriber.close()
        else:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.close()
        self._subscribers.discard(subscriber)

    def hear(self, delivery: Delivery) -> None:
        news = delivery.news
        if isinstance(news, AccessNews):
            self._heard_access(news)
        if self.ended:
            return
        for subscriber in list(self._subscribers):
            subscriber.offer(delivery)

    # -- what the viewer may hear -------------------------------------------------------------

    def sees(self, delivery: Delivery) -> bool:
        """Whether the viewer may see the row a change is about, as its transaction left it."""
        news = delivery.news
        if not isinstance(news, ChangeNews):
            return False
        if news.aggregate_type == "order":
            order = delivery.shared("order", lambda: order_facts(news))
            return can_view_order(self.actor, order, self.reach)
        if news.aggregate_type == "application":
            application = delivery.shared("application", lambda: application_stub(news))
            return can_view_application(
                self.actor, application, self.reach, handled_by=news.assignee_id
            )
        if news.aggregate_type in SUPERVISED:
            return is_supervisor(self.actor)
        return False

    def reads_conversation(self, delivery: Delivery) -> bool:
        """Whether the viewer reads the conversation of the order a change is about (a party
        to it, or a supervisor), as its transaction left the order."""
        news = delivery.news
        if not isinstance(news, ChangeNews) or news.aggregate_type != "order":
            return False
        order = delivery.shared("order", lambda: order_facts(news))
        return can_view_order(self.actor, order, self.reach) and reads_conversation(
            self.actor, order, self.reach
        )

    def _heard_access(self, news: AccessNews) -> None:
        if news.session is not None and news.session == self.session_key:
            self.end(SIGNED_OUT)
            return
        if news.token_id is not None and news.token_id == self.actor.token_id:
            self.end(TOKEN_REVOKED)
            return
        if news.user_id is None or news.user_id != self.actor.user_id:
            return
        # Losses count at once, before the next news is checked; gains wait for the re-read.
        if news.roles is not None:
            roles = frozenset(Role(r) for r in news.roles if r in Role.__members__)
            self.actor = replace(self.actor, roles=roles)
        if news.lost_provider:
            self.actor = replace(self.actor, provider_id=None)
        lost_enterprises = {news.lost_enterprise_id} - {None}
        lost_teams = {news.lost_team_id} - {None}
        if lost_enterprises or lost_teams:
            self.reach = Reach(
                member_of=self.reach.member_of - lost_enterprises,
                handles_for=self.reach.handles_for - lost_teams,
                owner_of=self.reach.owner_of - lost_enterprises,
            )
        self._read_again()

    def _read_again(self) -> None:
        self._heard_again = True
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._reread(), name="live-viewer-reread")

    async def _reread(self) -> None:
        # A read that started before the last access news may predate it: only a read during
        # which nothing more was heard replaces what the viewer knows.
        while self._heard_again and not self.ended:
            self._heard_again = False
            try:
                standing = await standing_of(self.actor)
            except Exception:
                log.exception("live: could not read the standing of user %s", self.actor.user_id)
                await asyncio.sleep(1)
                self._heard_again = True
                continue
            if standing is None:
                self.end(ACCESS_ENDED)
                return
            if not self._heard_again:
                self.actor, self.reach = standing.actor, standing.reach
                self._expires_at = standing.expires_at
                self._watch_expiry()


async def connect(
    actor: Actor, broker: Broker, *, queue_size: int, on_end: Callable[[Ending], None]
) -> Viewer | None:
    """A viewer for a signed-in actor, listening to `broker`; None when not signed in."""
    standing = await standing_of(actor)
    if standing is None:
        return None
    viewer = Viewer(standing, queue_size=queue_size, on_end=on_end)
    viewer.listen(broker)
    return viewer
