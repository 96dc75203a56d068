"""Sign-in and sign-up throttling with the `limits` library: in memory on one process, in Redis
across many.

Sign-in failures count in moving windows, after the OWASP authentication cheat sheet, so that no
one can lock someone else out from their own address:

- per account *and* address: guessing one account from one place stops there, and the owner
  signing in from anywhere else is not affected; a success clears this count;
- per address, over all accounts: one place spraying many accounts stops (a success does not
  clear it, so one good password does not reopen a guessing spree);
- per account over all addresses, a high ceiling against guessing spread over many addresses.
  Tripping it pauses sign-in to the account for its window, except from browsers that have
  signed in to it before (`devices`), and `failed` says so once per window so the owner can be
  told.

Sign-up attempts count per address, so sign-up cannot be used to test which phones and e-mail
addresses are registered at speed.
"""

from __future__ import annotations

from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter, RateLimiter
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool

from backend.services.core.errors import Problem, Throttled


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


def _minutes(item: RateLimitItem) -> int:
    return max(1, item.get_expiry() // 60)


class LoginThrottle(_Limiter):
    def __init__(
        self,
        storage_url: str,
        *,
        per_account_and_address: str,
        per_address: str,
        per_account: str,
        sign_ups_per_address: str,
    ) -> None:
        super().__init__(storage_url)
        self._per_pair: RateLimitItem = parse(per_account_and_address)
        self._per_address: RateLimitItem = parse(per_address)
        self._per_account: RateLimitItem = parse(per_account)
        # One notice per account per ceiling window, however many failures follow the trip.
        self._ceiling_notice: RateLimitItem = parse(f"1/{self._per_account.get_expiry()} seconds")
        self._sign_ups: RateLimitItem = parse(sign_ups_per_address)

    @property
    def ceiling_minutes(self) -> int:
        """How long sign-in to an account stays paused once its ceiling trips."""
        return _minutes(self._per_account)

    async def check(self, account: str, address: str, *, known_device: bool = False) -> None:
        """Raises `Throttled` when this account may not be tried from this address now; a
        browser that has signed in to the account before (`known_device`) passes its ceiling."""
        checks = [
            (self._per_pair, "login-pair", (account, address)),
            (self._per_address, "login-address", (address,)),
        ]
        if not known_device:
            checks.append((self._per_account, "login-account", (account,)))
        for item, namespace, keys in checks:
            if not await self._limiter.test(item, namespace, *keys):
                raise Throttled(minutes=_minutes(item))

    async def failed(self, account: str, address: str) -> bool:
        """Counts a failure; True the first time in a window that the account's ceiling trips."""
        await self._limiter.hit(self._per_pair, "login-pair", account, address)
        await self._limiter.hit(self._per_address, "login-address", address)
        await self._limiter.hit(self._per_account, "login-account", account)
        if await self._limiter.test(self._per_account, "login-account", account):
            return False
        return await self._limiter.hit(self._ceiling_notice, "login-ceiling-notice", account)

    async def succeeded(self, account: str, address: str) -> None:
        await self._limiter.clear(self._per_pair, "login-pair", account, address)

    async def signing_up(self, address: str) -> None:
        """Counts a sign-up attempt from an address; raises `Throttled` past the limit."""
        if not await self._limiter.hit(self._sign_ups, "sign-up-address", address):
            raise Throttled(
                [Problem("TOO_MANY_SIGN_UPS", (), {"minutes": _minutes(self._sign_ups)})]
            )


class CostLimiter(_Limiter):
    """Query cost per token per minute, on the same storage as the login throttle."""

    def __init__(self, storage_url: str, per_minute: int) -> None:
        super().__init__(storage_url)
        self._item = parse(f"{per_minute}/minute")
        self.per_minute = per_minute

    async def spend(self, token_id: int, cost: int) -> bool:
        return await self._limiter.hit(self._item, "cost", str(token_id), cost=max(cost, 1))
