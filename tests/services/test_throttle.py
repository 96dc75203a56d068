"""Login throttling and the cost budget, on memory and on Redis storage."""

from __future__ import annotations

import uuid

import pytest

from backend.services.accounts.throttle import CostLimiter, LoginThrottle
from backend.services.core.errors import Throttled


def _throttle(storage: str, pair: str = "3/15 minutes", ceiling: str = "6/hour") -> LoginThrottle:
    return LoginThrottle(
        storage,
        per_account_and_address=pair,
        per_address="5/15 minutes",
        per_account=ceiling,
        sign_ups_per_address="2/hour",
    )


async def _exercise_login_throttle(storage: str) -> None:
    throttle = _throttle(storage)
    try:
        await _login_throttle_rules(throttle)
        await _ceiling_rules(throttle)
        await _sign_up_rules(throttle)
    finally:
        await throttle.close()


def _fresh(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex}"


async def _login_throttle_rules(throttle: LoginThrottle) -> None:
    account, other, address, elsewhere = (_fresh(name) for name in "abcd")
    for _ in range(3):
        await throttle.check(account, address)
        assert await throttle.failed(account, address) is False
    with pytest.raises(Throttled) as refused:
        await throttle.check(account, address)
    assert refused.value.problems[0].code == "THROTTLED"
    assert refused.value.problems[0].params == {"minutes": 15}
    # The owner elsewhere is not locked out by failures from this address.
    await throttle.check(account, elsewhere)
    # A success clears the pair's count, but not the address's.
    await throttle.succeeded(account, address)
    await throttle.check(account, address)
    for _ in range(2):
        await throttle.failed(other, address)
    with pytest.raises(Throttled):
        await throttle.check(_fresh("fresh"), address)
    await throttle.check(_fresh("fresh"), elsewhere)


async def _ceiling_rules(throttle: LoginThrottle) -> None:
    """Guessing one account from many addresses: the ceiling trips once, and says so once."""
    account = _fresh("spread")
    tripped = [await throttle.failed(account, _fresh("bot")) for _ in range(8)]
    assert tripped == [False] * 5 + [True, False, False]
    with pytest.raises(Throttled) as refused:
        await throttle.check(account, _fresh("owner"))
    assert refused.value.problems[0].params == {"minutes": 60}
    assert throttle.ceiling_minutes == 60
    # A browser that has signed in to the account before passes the ceiling.
    await throttle.check(account, _fresh("owner"), known_device=True)


async def _sign_up_rules(throttle: LoginThrottle) -> None:
    address = _fresh("signup")
    await throttle.signing_up(address)
    await throttle.signing_up(address)
    with pytest.raises(Throttled) as refused:
        await throttle.signing_up(address)
    assert refused.value.problems[0].code == "TOO_MANY_SIGN_UPS"
    assert refused.value.problems[0].params == {"minutes": 60}
    await throttle.signing_up(_fresh("signup"))


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


async def test_memory_login_throttle_counts_per_pair_address_and_account() -> None:
    await _exercise_login_throttle("async+memory://")


async def test_memory_cost_limiter_spends_a_budget_per_token() -> None:
    await _exercise_cost_limiter("async+memory://")


@pytest.fixture
def redis_storage(redis_url: str) -> str:
    return "async+" + redis_url


@pytest.mark.postgres
async def test_redis_login_throttle_counts_per_pair_address_and_account(redis_storage: str) -> None:
    await _exercise_login_throttle(redis_storage)


@pytest.mark.postgres
async def test_redis_cost_limiter_spends_a_budget_per_token(redis_storage: str) -> None:
    await _exercise_cost_limiter(redis_storage)


@pytest.mark.postgres
async def test_two_processes_share_one_redis_count(redis_storage: str) -> None:
    first = _throttle(redis_storage, pair="2/15 minutes")
    second = _throttle(redis_storage, pair="2/15 minutes")
    account, address = _fresh("shared"), _fresh("address")
    try:
        await first.failed(account, address)
        await second.failed(account, address)
        with pytest.raises(Throttled):
            await first.check(account, address)
    finally:
        await first.close()
        await second.close()
