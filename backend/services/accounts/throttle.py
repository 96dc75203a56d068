"""Login throttling with the `limits` library: in memory on one process, in Redis across many.

Failures count per account and per client address in a moving window; a success clears the
account's count (not the address's, so one good password does not reopen a guessing spree).
"""

from __future__ import annotations

from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter, RateLimiter
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool

from backend.services.core.errors import Throttled


def _storage(url: str) -> tuple[Storage, ConnectionPool | None]:
    """`limits` storage for a URL, and the Redis pool behind it (ours to close), if any.

    Redis goes through redis-py, the client the project installs (limits defaults to coredis).
    """
    pool = None
    options: dict[str, Any] = {}
    if url.startswith("async+redis"):
        pool = ConnectionPool.from_url(url.removeprefix("async+"))
        options = {"implementation": "redispy", "connection_pool": pool}
    storage = storage_from_string(url, **options)
    if not isinstance(storage, Storage):
        raise ValueError(f"{url} is not an async+ rate-limit storage")
    return storage, pool


class _Limiter:
    def __init__(self, storage_url: str) -> None:
        self._storage, self._pool = _storage(storage_url)
        self._limiter: RateLimiter = MovingWindowRateLimiter(self._storage)

    async def close(self) -> None:
        """Closes the Redis connections (a no-op in memory)."""
        if self._pool is not None:
            await self._pool.aclose()


class LoginThrottle(_Limiter):
    def __init__(self, storage_url: str, per_account: str, per_address: str) -> None:
        super().__init__(storage_url)
        self._per_account: RateLimitItem = parse(per_account)
        self._per_address: RateLimitItem = parse(per_address)

    def _minutes(self, item: RateLimitItem) -> int:
        return max(1, item.get_expiry() // 60)

    async def check(self, account: str, address: str) -> None:
        if not await self._limiter.test(self._per_account, "login-account", account):
            raise Throttled(minutes=self._minutes(self._per_account))
        if not await self._limiter.test(self._per_address, "login-address", address):
            raise Throttled(minutes=self._minutes(self._per_address))

    async def failed(self, account: str, address: str) -> None:
        await self._limiter.hit(self._per_account, "login-account", account)
        await self._limiter.hit(self._per_address, "login-address", address)

    async def succeeded(self, account: str) -> None:
        await self._limiter.clear(self._per_account, "login-account", account)


class CostLimiter(_Limiter):
    """Query cost per token per minute, on the same storage as the login throttle."""

    def __init__(self, storage_url: str, per_minute: int) -> None:
        super().__init__(storage_url)
        self._item = parse(f"{per_minute}/minute")
        self.per_minute = per_minute

    async def spend(self, token_id: int, cost: int) -> bool:
        return await self._limiter.hit(self._item, "cost", str(token_id), cost=max(cost, 1))
