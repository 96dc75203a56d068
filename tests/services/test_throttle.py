"""Login throttling and the cost budget, on memory and on Redis storage."""

from __future__ import annotations

import uuid

import pytest

from backend.services.accounts.throttle import CostLimiter, LoginThrottle
from backend.services.core.errors import Throttled

REDIS = "async+redis://127.0.0.1:6379/15"


async def _exercise_login_throttle(storage: str) -> None:
    throttle = LoginThrottle(storage, "3/15 minutes", "5/15 minutes")
    try:
        await _login_throttle_rules(throttle)
    finally:
        await throttle.close()


async def _login_throttle_rules(throttle: LoginThrottle) -> None:
    account, other, address = (f"{name}-{uuid.uuid4().hex}" for name in "abc")
    for _ in range(3):
        await throttle.check(account, address)
        await throttle.failed(account, address)
    with pytest.raises(Throttled) as refused:
        await throttle.check(account, address)
    assert refused.value.problems[0].code == "THROTTLED"
    assert refused.value.problems[0].params == {"minutes": 15}
    # A success clears the account's count, but not the address's.
    await throttle.succeeded(account)
    await throttle.check(account, address)
    for _ in range(2):
        await throttle.failed(other, address)
    with pytest.raises(Throttled):
        await throttle.check(f"fresh-{uuid.uuid4().hex}", address)
    await throttle.check(f"fresh-{uuid.uuid4().hex}", f"elsewhere-{uuid.uuid4().hex}")


async def _exercise_cost_limiter(storage: str) -> None:
    limiter = CostLimiter(storage, 100)
    token = int(uuid.uuid4().int % 2**31)
    try:
        assert await limiter.spend(token, 60)
        assert await limiter.spend(token, 40)
        assert not await limiter.spend(token, 1)
        assert await limiter.spend(token + 1, 100)
    finally:
        await limiter.close()


async def test_memory_login_throttle_counts_per_account_and_address() -> None:
    await _exercise_login_throttle("async+memory://")


async def test_memory_cost_limiter_spends_a_budget_per_token() -> None:
    await _exercise_cost_limiter("async+memory://")


@pytest.fixture
def redis_storage() -> str:
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at 127.0.0.1:6379 ({exc})")
    finally:
        client.close()
    return REDIS


@pytest.mark.postgres
async def test_redis_login_throttle_counts_per_account_and_address(redis_storage: str) -> None:
    await _exercise_login_throttle(redis_storage)


@pytest.mark.postgres
async def test_redis_cost_limiter_spends_a_budget_per_token(redis_storage: str) -> None:
    await _exercise_cost_limiter(redis_storage)


@pytest.mark.postgres
async def test_two_processes_share_one_redis_count(redis_storage: str) -> None:
    first = LoginThrottle(redis_storage, "2/15 minutes", "50/15 minutes")
    second = LoginThrottle(redis_storage, "2/15 minutes", "50/15 minutes")
    account = f"shared-{uuid.uuid4().hex}"
    try:
        await first.failed(account, "203.0.113.1")
        await second.failed(account, "203.0.113.2")
        with pytest.raises(Throttled):
            await first.check(account, "203.0.113.3")
    finally:
        await first.close()
        await second.close()
