"""The database connection: timestamps compare as instants, connections go back to the pool
clean without a reset per checkout, and `StatementLog` counts what the driver sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from backend.db import StatementLog
from backend.models.accounts import Role, Session, User
from backend.services.core.transactions import in_transaction
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


def _pool() -> Any:
    return connections.get("default")._pool  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_the_statement_log_counts_every_statement_the_driver_sends(db) -> None:
    user = await builders.user(Role.APPLICANT)
    log = StatementLog()
    await log.start()
    try:
        await User.filter(id=user.id).first()
        assert log.count == 1, log.statements
        assert log.statements[0].lstrip().upper().startswith("SELECT")
        log.reset()
        async with in_transaction() as conn:
            await User.filter(id=user.id).using_db(conn).update(name="改名")
        # Tortoise's log shows one UPDATE; the server receives the transaction around it.
        words = [s.split()[0].rstrip(";").upper() for s in log.statements]
        assert words == ["BEGIN", "UPDATE", "COMMIT"], log.statements
    finally:
        await log.stop()
    log.reset()
    await User.filter(id=user.id).first()
    assert log.count == 0  # stopped: nothing more is counted


@pytest.mark.postgres
@pytest.mark.postgres_only
async def test_no_reset_statement_runs_when_a_connection_goes_back_to_the_pool(db) -> None:
    user = await builders.user(Role.APPLICANT)
    log = StatementLog()
    await log.start()
    try:
        for _ in range(3):
            await User.filter(id=user.id).first()
    finally:
        await log.stop()
    # Three checkouts, three statements: asyncpg's default reset would add a fourth line
    # (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`) per check-in.
    assert log.count == 3, log.statements
    assert not [s for s in log.statements if "RESET ALL" in s or "UNLISTEN" in s]
    connection = await _pool().acquire()
    try:
        assert connection.get_reset_query() == ""  # the app's pool runs `PooledConnection`s
    finally:
        await _pool().release(connection)


@pytest.mark.postgres
@pytest.mark.postgres_only
@pytest.mark.parametrize("fails", [True, False], ids=["failed", "open"])
async def test_a_transaction_left_behind_is_rolled_back_before_the_connection_is_reused(
    db, fails: bool
) -> None:
    user = await builders.user(Role.APPLICANT, name="原名")
    pool = _pool()
    connection = await pool.acquire()
    pid = connection.get_server_pid()
    await connection.execute("BEGIN")
    await connection.execute("UPDATE users SET name = '未提交' WHERE id = $1", user.id)
    if fails:
        with pytest.raises(Exception, match="division by zero"):
            await connection.execute("SELECT 1 / 0")
    await pool.release(connection)

    # The pool hands the last connection back first (LIFO): the same server process.
    again = await pool.acquire()
    try:
        assert again.get_server_pid() == pid
        assert not again.is_in_transaction()
        assert await again.fetchval("SELECT name FROM users WHERE id = $1", user.id) == "原名"
    finally:
        await pool.release(again)
    assert (await User.get(id=user.id)).name == "原名"
