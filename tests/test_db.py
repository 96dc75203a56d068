"""How timestamps reach the database: one offset, so comparisons are comparisons of instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.models.accounts import Role, Session
from tests import builders

PARK = ZoneInfo("Asia/Shanghai")


@pytest.mark.postgres
async def test_a_bound_given_in_park_time_compares_as_the_instant_it_is(db) -> None:
    user = await builders.user(Role.APPLICANT)
    now = datetime.now(UTC)
    await Session.create(id="past", user=user, expires_at=now - timedelta(hours=1))
    await Session.create(id="ahead", user=user, expires_at=now + timedelta(hours=1))
    # The same instant in park time: its local digits are eight hours ahead of UTC's.
    bound = now.astimezone(PARK)

    assert await Session.filter(expires_at__lte=bound).values_list("id", flat=True) == ["past"]
    assert await Session.filter(expires_at__gt=bound).values_list("id", flat=True) == ["ahead"]


@pytest.mark.postgres
async def test_a_timestamp_updated_in_park_time_reads_back_as_the_same_instant(db) -> None:
    user = await builders.user(Role.APPLICANT)
    now = datetime.now(UTC).replace(microsecond=0)
    await Session.create(id="one", user=user, expires_at=now)
    await Session.filter(id="one").update(expires_at=(now - timedelta(hours=1)).astimezone(PARK))

    assert await Session.filter(expires_at__lt=now).count() == 1
    assert (await Session.get(id="one")).expires_at == now - timedelta(hours=1)
