"""Tortoise's connection locks made safe to cancel.

Tortoise serialises a SQLite connection with an asyncio lock taken in `__aenter__`, then awaits
more while holding it (opening the connection on first use; BEGIN). A task cancelled there never
reaches `__aexit__`: the lock stays taken and every later query of the process waits forever.
GraphQL cancels the other fields of a query when a non-null one fails (graphql-core's
`gather_with_cancel`), so one request with a malformed cursor, as the first after a start, hung
the whole server. Here the lock is given back whatever happens once it is held, and opening the
connection is shielded so a cancelled first query still leaves a complete connection (its
pragmas applied) for the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from tortoise.backends.base.client import ConnectionWrapper
from tortoise.backends.sqlite.client import SqliteTransactionContext
from tortoise.connection import get_connections


async def _connect_holding(lock: asyncio.Lock, connecting: Awaitable[None]) -> None:
    """Awaits `connecting` with `lock` held; on cancellation the lock is freed once it is done."""
    task = asyncio.ensure_future(connecting)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:

        def release(finished: asyncio.Future[None]) -> None:
            if not finished.cancelled():
                finished.exception()  # retrieved: the next query reports a failed connect
            lock.release()

        task.add_done_callback(release)
        raise
    except BaseException:
        lock.release()
        raise


async def _enter_connection(self: ConnectionWrapper[Any]) -> Any:
    await self._lock.acquire()
    await _connect_holding(self._lock, self.ensure_connection())
    return self.connection


async def _enter_transaction(self: SqliteTransactionContext) -> Any:
    await self._trxlock.acquire()
    await _connect_holding(self._trxlock, self.ensure_connection())
    self.token = get_connections().set(self.connection_name, self.connection)
    try:
        await self.connection.begin()
    except BaseException:
        get_connections().reset(self.token)
        self._trxlock.release()
        raise
    return self.connection


def install() -> None:
    ConnectionWrapper.__aenter__ = _enter_connection  # type: ignore[method-assign]
    SqliteTransactionContext.__aenter__ = _enter_transaction  # type: ignore[method-assign]
