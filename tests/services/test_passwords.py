"""Password hashing runs off the event loop, a bounded number at a time."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator

import pytest

from backend.services.accounts import passwords


@pytest.fixture
def restore_hasher() -> Iterator[None]:
    yield
    passwords.configure(time_cost=1, memory_cost=1024, threads=passwords.DEFAULT_THREADS)


async def test_hashes_verify_and_wrong_passwords_do_not(restore_hasher: None) -> None:
    passwords.configure(time_cost=1, memory_cost=1024)
    stored = await passwords.hash_password("correct horse battery")
    assert await passwords.verify_password(stored, "correct horse battery")
    assert not await passwords.verify_password(stored, "wrong horse battery")
    assert not await passwords.verify_password("not a hash", "correct horse battery")


async def test_a_hash_with_weaker_parameters_is_upgraded(restore_hasher: None) -> None:
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    weak = await passwords.hash_password("correct horse battery")
    passwords.configure(time_cost=2, memory_cost=2048, parallelism=2)
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(await passwords.hash_password("correct horse battery"))


async def test_hashing_does_not_stall_the_event_loop(restore_hasher: None) -> None:
    """With the production cost one hash takes tens of milliseconds of CPU or more; while four
    run, the loop keeps ticking (on the loop, each hash would stop it for its whole duration)."""
    passwords.configure(time_cost=3, memory_cost=65536, threads=2)
    started = time.perf_counter()
    await passwords.hash_password("warm up the pool")
    one_hash = time.perf_counter() - started
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.gather(*(passwords.hash_password(f"password {i}") for i in range(4)))
    done.set()
    await ticker
    # On the loop the four hashes run back to back and the ticker wakes once or twice; off it,
    # it keeps waking every few milliseconds (the median, as a busy machine adds stray pauses).
    assert len(gaps) >= 10, (len(gaps), one_hash)
    assert statistics.median(gaps) < one_hash / 4, (statistics.median(gaps), one_hash)


async def test_no_more_hashes_run_at_once_than_the_threads_allow(
    restore_hasher: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    passwords.configure(time_cost=1, memory_cost=1024, threads=2)
    running = 0
    most = 0
    lock = threading.Lock()

    class SlowHasher:
        def hash(self, password: str) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.02)
            with lock:
                running -= 1
            return "hashed"

    monkeypatch.setattr(passwords, "_hasher", SlowHasher())
    results = await asyncio.gather(*(passwords.hash_password("x") for _ in range(8)))
    assert results == ["hashed"] * 8
    assert most == 2
