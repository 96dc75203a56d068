"""Writing the record of a change: one `Event` row, in the caller's transaction.

Each aggregate's events are numbered 1, 2, 3, ... by their own counter (a `counters` row keyed
`event:<type>:<id>`), advanced by one UPDATE: the row lock (PostgreSQL) or the single writer
(SQLite) gives concurrent writers distinct numbers without touching the aggregate's `version`.
So a change of state or data bumps the version AND takes a sequence, while a message, a note or
a read mark only takes a sequence (`record` without a version check).

The event is handed to the after-commit hooks once the transaction commits
(`backend.services.core.transactions`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.events import Event
from backend.services.core.actors import Actor
from backend.services.core.numbering import next_value
from backend.services.core.transactions import pending_events


def counter_key(aggregate_type: str, aggregate_id: int) -> str:
    return f"event:{aggregate_type}:{aggregate_id}"


async def next_sequence(conn: BaseDBAsyncClient, aggregate_type: str, aggregate_id: int) -> int:
    return await next_value(conn, counter_key(aggregate_type, aggregate_id))


async def record(
    conn: BaseDBAsyncClient,
    actor: Actor,
    aggregate_type: str,
    aggregate_id: int,
    kind: StrEnum | str,
    data: dict[str, Any] | None = None,
) -> Event:
    """Records `kind` on the aggregate with its next sequence; no version is checked or bumped.

    Call inside `core.transactions.in_transaction()`, with its connection.
    """
    pending = pending_events()
    event = await Event.create(
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        sequence=await next_sequence(conn, aggregate_type, aggregate_id),
        kind=str(kind),
        data=data or {},
        actor_id=actor.user_id,
        acting_for_id=actor.acting_for_enterprise_id,
        api_token_id=actor.token_id,
        request_id=actor.request_id,
        using_db=conn,
    )
    pending.append(event)
    return event
