"""Carrying news from the process that committed a change to every process's subscribers.

Each server process runs one broker (`running`, from the app's lifespan). Publishing is
synchronous and never waits on the subscribers: it is called after a commit, and a change that
is committed must not become slow or fail because someone is listening.

- `MemoryBroker` (the default) hands news to this process's listeners at once: one process.
- `RedisBroker` publishes on one channel, `<prefix>:live`, through a bounded outbox that one
  task drains in order, and reads that channel on ONE subscriber connection per process, which
  fans each piece of news out in-process. Redis pub/sub keeps no history: a process that was
  cut off misses what was said meanwhile, and the streams that promise "nothing lost" read the
  events table again (`streams.order_events`).

Fan-out hands each listener (one per connection, `viewers.Viewer`) a `Delivery`: the news plus
what its subscribers share while handling it, so a row many subscribers show is read once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

from backend.services.live.news import News, decode, encode
from backend.settings import Settings

log = logging.getLogger("servicehall.live")

T = TypeVar("T")

# A Redis that is down must not grow the outbox without bound: past this, news is dropped (and
# logged); subscribers that promise completeness catch up from the events table.
OUTBOX_SIZE = 10_000
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class Delivery:
    """One piece of news on its way to this process's subscribers."""

    __slots__ = ("_shared", "news")

    def __init__(self, news: News) -> None:
        self.news = news
        self._shared: dict[Hashable, Any] = {}

    def shared(self, key: Hashable, make: Callable[[], T]) -> T:
        """What `make()` returns, made once for every subscriber of this delivery (a model
        stub built from the news, to ask a policy about)."""
        if key not in self._shared:
            self._shared[key] = make()
        value: T = self._shared[key]
        return value

    async def loaded(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        """What `load()` returns, read once for every subscriber of this delivery. Shielded: a
        subscriber that goes away while it loads does not cancel it for the others."""
        task: asyncio.Future[T] = self.shared(key, lambda: asyncio.ensure_future(load()))
        return await asyncio.shield(task)


class Subscriber:
    """One subscription's queue: what it accepts of the news, at most `size` waiting."""

    __slots__ = ("_ready", "accepts", "closed", "on_overflow", "queue", "size")

    def __init__(
        self,
        accepts: Callable[[Delivery], bool],
        size: int,
        on_overflow: Callable[[], None],
    ) -> None:
        self.accepts = accepts
        self.size = size
        self.on_overflow = on_overflow
        self.queue: deque[Delivery] = deque()
        self.closed = False
        self._ready = asyncio.Event()

    def offer(self, delivery: Delivery) -> None:
        if self.closed or not self.accepts(delivery):
            return
        if len(self.queue) >= self.size:
            # A reader this far behind would hold memory for ever and delay nobody but itself
            # if we waited; it is dropped, and its client reconnects (with `after`) when ready.
            self.close()
            self.on_overflow()
            return
        self.queue.append(delivery)
        self._ready.set()

    async def next(self) -> Delivery:
        """The next delivery; waits (holding nothing) until there is one."""
        while not self.queue:
            self._ready.clear()
            await self._ready.wait()
        return self.queue.popleft()

    def close(self) -> None:
        self.closed = True
        self.queue.clear()


class Listener(Protocol):
    def hear(self, delivery: Delivery) -> None: ...


class Broker(ABC):
    """This process's end of the broker: its listeners, and what publishing means."""

    def __init__(self) -> None:
        self._listeners: set[Listener] = set()

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def attach(self, listener: Listener) -> None:
        self._listeners.add(listener)

    def detach(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    @abstractmethod
    def publish(self, news: Iterable[News]) -> None:
        """Carries `news` to every process's listeners (this one's included)."""

    def deliver(self, news: News) -> None:
        """Hands `news` to every listener of this process, in the order it came."""
        delivery = Delivery(news)
        for listener in list(self._listeners):
            try:
                listener.hear(delivery)
            except Exception:
                log.exception("a live listener failed on %r", news)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class MemoryBroker(Broker):
    """One process: news goes straight to its listeners."""

    def publish(self, news: Iterable[News]) -> None:
        for piece in news:
            self.deliver(piece)


class RedisBroker(Broker):
    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        self.url = url
        self.channel = f"{prefix}:live"
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_SIZE)
        self._client: redis_asyncio.Redis | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()

    def publish(self, news: Iterable[News]) -> None:
        for piece in news:
            try:
                self._outbox.put_nowait(encode(piece))
            except asyncio.QueueFull:
                log.error("live outbox full (is Redis down?): dropped %r", piece)

    async def start(self) -> None:
        self._client = redis_asyncio.Redis.from_url(self.url)
        self._tasks = [
            asyncio.create_task(self._listen(), name="live-redis-listen"),
            asyncio.create_task(self._send(), name="live-redis-publish"),
        ]
        # Serve only once this process hears the channel, so nothing committed after start-up
        # goes unheard here; a Redis that is down delays start-up by this much, not for ever.
        try:
            await asyncio.wait_for(self._listening.wait(), timeout=5)
        except TimeoutError:
            log.error("live news: Redis at %s is not answering; retrying meanwhile", self.url)

    async def stop(self) -> None:
        # What this process committed last is still worth telling the others.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._outbox.join(), timeout=2)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def _send(self) -> None:
        assert self._client is not None
        failures = 0
        batch: list[str] = []
        while True:
            if not batch:
                batch.append(await self._outbox.get())
                while not self._outbox.empty() and len(batch) < 100:
                    batch.append(self._outbox.get_nowait())
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for data in batch:
                        pipe.publish(self.channel, data)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("live news: publishing to Redis failed (%s); again in %ss", exc, delay)
                await asyncio.sleep(delay)
                continue  # the same batch, in order
            failures = 0
            for _ in batch:
                self._outbox.task_done()
            batch = []

    async def _listen(self) -> None:
        assert self._client is not None
        failures = 0
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._listening.set()
                failures = 0
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is None or message.get("type") != "message":
                        continue
                    news = decode(message["data"])
                    if news is None:
                        log.warning("live news: skipped a message this release cannot read")
                        continue
                    self.deliver(news)
            except (RedisError, OSError) as exc:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("live news: lost the Redis channel (%s); again in %ss", exc, delay)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]


_current: Broker | None = None


def current() -> Broker | None:
    """This process's running broker, or None (a script, a service test: nobody listens)."""
    return _current


def publish(*news: News) -> None:
    if _current is not None and news:
        _current.publish(news)


def make(settings: Settings) -> Broker:
    if settings.live_broker == "redis":
        assert settings.redis_url is not None  # Settings.check
        return RedisBroker(settings.redis_url, settings.redis_prefix)
    return MemoryBroker()


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Broker]:
    """This process's broker from start-up to shutdown."""
    global _current
    broker = make(settings)
    await broker.start()
    previous, _current = _current, broker
    try:
        yield broker
    finally:
        _current = previous
        await broker.stop()
