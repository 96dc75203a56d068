"""A query cancelled while it holds the connection lock (backend/db_cancellation.py)."""

from __future__ import annotations

import asyncio

from backend.models.accounts import User
from tests.conftest import Api


async def test_a_malformed_cursor_as_the_first_request_leaves_the_server_serving(
    api: Api,
) -> None:
    # The cursor's field fails while its siblings open the connection; GraphQL cancels them.
    assert (await api.client.get("/catalog?after=zzz")).status_code == 404
    response = await asyncio.wait_for(api.client.get("/catalog"), 10)
    assert response.status_code == 200


async def test_a_query_cancelled_while_the_connection_opens_leaves_a_usable_connection(
    db: str,
) -> None:
    first = asyncio.ensure_future(User.all().count())
    await asyncio.sleep(0)  # it takes the lock and starts opening the connection
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert await asyncio.wait_for(User.all().count(), 10) == 0
    async with asyncio.timeout(10):
        from tortoise.transactions import in_transaction

        async with in_transaction():
            assert await User.all().count() == 0
