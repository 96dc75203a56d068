"""Writing the record of a change: one `Event` row, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.events import Event
from backend.services.core.actors import Actor


async def record(
    actor: Actor,
    aggregate_type: str,
    aggregate_id: int,
    sequence: int,
    kind: str,
    data: dict[str, Any] | None = None,
    *,
    using_db: BaseDBAsyncClient | None = None,
) -> Event:
    return await Event.create(
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        sequence=sequence,
        kind=kind,
        data=data or {},
        actor_id=actor.user_id,
        acting_for_id=actor.acting_for_enterprise_id,
        api_token_id=actor.token_id,
        request_id=actor.request_id,
        using_db=using_db,
    )
