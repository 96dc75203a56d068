"""Password hashing with argon2id, off the event loop.

Production runs argon2-cffi's default parameters (time cost 3, 64 MiB, parallelism 4) or
stronger, and refuses weaker ones (`Settings.check`); tests lower the cost through the env.

Hashing and verifying take tens of milliseconds of CPU and 64 MiB each: they run in a small
thread pool of their own (argon2 releases the GIL), so a flood of sign-ins queues for those
threads instead of stalling every other request, and never holds more than `threads` hashes'
memory at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")

DEFAULT_THREADS = 2

_hasher = PasswordHasher()
_threads = DEFAULT_THREADS
_pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="argon2")


def configure(
    *,
    time_cost: int,
    memory_cost: int,
    parallelism: int = DEFAULT_PARALLELISM,
    threads: int = DEFAULT_THREADS,
) -> None:
    global _hasher, _pool, _threads
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    if threads != _threads:
        previous = _pool
        _threads = threads
        _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        previous.shutdown(wait=False)


async def _off_the_loop(work: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool, work)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    hasher = _hasher
    return await _off_the_loop(lambda: hasher.hash(password))


async def verify_password(password_hash: str, password: str) -> bool:
    return await _off_the_loop(lambda: _verify(password_hash, password))


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash is weaker (or just other) than the configured parameters."""
    return _hasher.check_needs_rehash(password_hash)


# Verified when the account does not exist, so a wrong account costs as long as a wrong password
# and response times do not reveal which accounts exist. Made with the current parameters.
_DUMMY_HASH: tuple[PasswordHasher, str] | None = None


async def burn_time(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None or _DUMMY_HASH[0] is not _hasher:
        _DUMMY_HASH = (_hasher, await hash_password("not-a-real-password"))
    await verify_password(_DUMMY_HASH[1], password)


__all__ = [
    "DEFAULT_MEMORY_COST",
    "DEFAULT_PARALLELISM",
    "DEFAULT_TIME_COST",
    "burn_time",
    "configure",
    "hash_password",
    "needs_rehash",
    "verify_password",
]
