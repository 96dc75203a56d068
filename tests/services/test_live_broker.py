"""The brokers: Redis carries news between processes (never between prefixes); queues are
bounded; what many subscribers of one piece of news need is loaded once."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest
import redis.asyncio as redis_asyncio

from backend.services.live import broker
from backend.services.live.broker import Delivery, MemoryBroker, RedisBroker, Subscriber
from backend.services.live.news import News, NoticeNews, encode
from backend.settings import Settings, load_settings


class Recorder:
    def __init__(self) -> None:
        self.news: list[News] = []
        self.arrived = asyncio.Event()

    def hear(self, delivery: Delivery) -> None:
        self.news.append(delivery.news)
        self.arrived.set()

    async def until(self, count: int, within: float = 5) -> list[News]:
        async def wait() -> None:
            while len(self.news) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(wait(), within)
        return self.news


def notices(count: int, user_id: int = 1) -> list[News]:
    return [NoticeNews(user_id=user_id, notification_id=n) for n in range(1, count + 1)]


async def test_redis_carries_news_to_every_process_of_a_prefix_in_order_and_no_further(
    redis_url: str,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    a, b = RedisBroker(redis_url, prefix), RedisBroker(redis_url, prefix)
    stranger = RedisBroker(redis_url, f"test-{uuid.uuid4().hex}")
    heard_a, heard_b, heard_stranger = Recorder(), Recorder(), Recorder()
    for one, recorder in ((a, heard_a), (b, heard_b), (stranger, heard_stranger)):
        await one.start()
        one.attach(recorder)
    try:
        sent = notices(200)
        a.publish(sent[:100])
        a.publish(sent[100:])
        assert await heard_b.until(200) == sent  # the other process, in order, once each
        assert await heard_a.until(200) == sent  # and the publishing one, through Redis too
        await asyncio.sleep(0.2)
        assert len(heard_a.news) == len(heard_b.news) == 200
        assert heard_stranger.news == []  # another deployment sharing the Redis
    finally:
        for one in (a, b, stranger):
            await one.stop()


async def test_news_a_release_cannot_read_is_skipped_and_the_rest_arrives(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    listener = RedisBroker(redis_url, prefix)
    recorder = Recorder()
    await listener.start()
    listener.attach(recorder)
    client = redis_asyncio.Redis.from_url(redis_url)
    try:
        newer = encode(NoticeNews(user_id=1, notification_id=1)).replace('"v":1', '"v":2')
        await client.publish(f"{prefix}:live", newer)
        await client.publish(f"{prefix}:live", "garbage")
        await client.publish(f"{prefix}:live", encode(NoticeNews(user_id=1, notification_id=2)))
        assert await recorder.until(1) == [NoticeNews(user_id=1, notification_id=2)]
    finally:
        await client.aclose()
        await listener.stop()


async def test_news_committed_just_before_shutdown_still_reaches_the_others(
    redis_url: str,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    leaving, staying = RedisBroker(redis_url, prefix), RedisBroker(redis_url, prefix)
    recorder = Recorder()
    await staying.start()
    staying.attach(recorder)
    await leaving.start()
    try:
        leaving.publish(notices(50))
        await leaving.stop()  # drains its outbox first
        assert len(await recorder.until(50)) == 50
    finally:
        await staying.stop()


def test_the_broker_follows_the_settings() -> None:
    assert isinstance(broker.make(Settings()), MemoryBroker)
    chosen = broker.make(load_settings({"SERVICEHALL_REDIS_URL": "redis://127.0.0.1:6379/15"}))
    assert isinstance(chosen, RedisBroker)
    assert chosen.channel == "servicehall:live"
    named = load_settings(
        {
            "SERVICEHALL_REDIS_URL": "redis://127.0.0.1:6379/15",
            "SERVICEHALL_REDIS_PREFIX": "park-b",
        }
    )
    assert isinstance(made := broker.make(named), RedisBroker) and made.channel == "park-b:live"
    kept_local = load_settings(
        {"SERVICEHALL_REDIS_URL": "redis://127.0.0.1:6379/15", "SERVICEHALL_LIVE_BROKER": "memory"}
    )
    assert isinstance(broker.make(kept_local), MemoryBroker)


async def test_the_running_broker_is_this_processs_until_it_stops() -> None:
    assert broker.current() is None
    broker.publish(*notices(1))  # no broker: nobody to tell, and no error
    async with broker.running(replace(Settings(), live_broker="memory")) as running:
        assert broker.current() is running
        recorder = Recorder()
        running.attach(recorder)
        broker.publish(*notices(2))
        assert recorder.news == notices(2)
    assert broker.current() is None


# -- subscribers --------------------------------------------------------------------------------


async def test_a_subscriber_that_does_not_read_is_dropped_at_its_bound() -> None:
    dropped: list[bool] = []
    subscriber = Subscriber(lambda d: True, size=3, on_overflow=lambda: dropped.append(True))
    for piece in notices(3):
        subscriber.offer(Delivery(piece))
    assert len(subscriber.queue) == 3 and dropped == []
    subscriber.offer(Delivery(notices(4)[-1]))
    assert dropped == [True]
    assert subscriber.closed and len(subscriber.queue) == 0  # its memory is let go
    for piece in notices(100):
        subscriber.offer(Delivery(piece))
    assert dropped == [True] and len(subscriber.queue) == 0


async def test_a_subscriber_queues_only_what_it_accepts_and_waits_for_the_next() -> None:
    subscriber = Subscriber(
        lambda d: isinstance(d.news, NoticeNews) and d.news.user_id == 2, size=2,
        on_overflow=lambda: pytest.fail("dropped"),
    )  # fmt: skip
    for piece in notices(10, user_id=1):
        subscriber.offer(Delivery(piece))  # not its news: takes no room
    waiting = asyncio.ensure_future(subscriber.next())
    await asyncio.sleep(0)
    assert not waiting.done()
    subscriber.offer(Delivery(NoticeNews(user_id=2, notification_id=7)))
    assert (await asyncio.wait_for(waiting, 1)).news == NoticeNews(user_id=2, notification_id=7)


async def test_what_a_delivery_loads_is_loaded_once_and_survives_a_subscriber_leaving() -> None:
    loads: list[int] = []
    release = asyncio.Event()

    async def load() -> str:
        loads.append(1)
        await release.wait()
        return "the row"

    delivery = Delivery(NoticeNews(user_id=1))
    first = asyncio.ensure_future(delivery.loaded("row", load))
    second = asyncio.ensure_future(delivery.loaded("row", load))
    await asyncio.sleep(0)
    first.cancel()  # one subscriber goes away while the row loads
    release.set()
    assert await second == "the row"
    assert await delivery.loaded("row", load) == "the row"
    assert loads == [1]
