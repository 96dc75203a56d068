"""Numbers from counter rows: sequential per day, unique under concurrency, never max + 1."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from backend.services.core.numbering import next_number
from backend.services.core.transactions import in_transaction

TZ = "Asia/Shanghai"


async def _take(prefix: str, moment: datetime) -> str:
    async with in_transaction() as conn:
        return await next_number(conn, prefix, moment, TZ)


@pytest.mark.postgres
async def test_numbers_count_up_per_park_day(db: str) -> None:
    morning = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    late = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 00:30 on the 26th in Shanghai
    assert await _take("SH", morning) == "SH-20261125-0001"
    assert await _take("SH", morning) == "SH-20261125-0002"
    assert await _take("SH", late) == "SH-20261126-0001"
    assert await _take("SQ", morning) == "SQ-20261125-0001"


@pytest.mark.postgres
async def test_a_rolled_back_transaction_gives_its_number_back(db: str) -> None:
    moment = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        async with in_transaction() as conn:
            assert await next_number(conn, "SH", moment, TZ) == "SH-20261125-0001"
            raise Abandon
    assert await _take("SH", moment) == "SH-20261125-0001"


@pytest.mark.postgres
async def test_concurrent_takers_never_share_a_number(db: str) -> None:
    moment = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    numbers = await asyncio.gather(*(_take("SH", moment) for _ in range(40)))
    assert len(set(numbers)) == 40
    assert sorted(numbers)[-1] == "SH-20261125-0040"
