"""Idempotency keys: a create repeated with the same key returns the first result, making nothing.

A service claims the key before it checks its input (a replay must not fail on the first call's
own row, "name taken"), then writes through the claim:

    claim = await idempotency.claim(actor, key, "createTeam", Team)
    if claim.first is not None:
        return claim.first
    try:
        ...check the input...
    except ServiceError as exc:
        return await claim.after(exc)
    team, _ = await claim.run(write, conflict=lambda: Invalid.at("name", "NAME_TAKEN"))

A twin that commits between the lookup and the checks makes them fail on its row; `after`
then returns that row.

`run` records the key in the same transaction as the row `write(conn)` creates. Keys are unique
per user, so when two calls with one key race, the second's insert fails once the first
commits, and it returns the first's row instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from backend.i18n import N_
from backend.models.applications import IdempotencyKey
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, ServiceError, register_messages
from backend.services.core.transactions import in_transaction

register_messages(
    {
        "IDEMPOTENCY_KEY_REUSED": N_("This idempotency key was already used for another action."),
    }
)

FIELD = "idempotencyKey"
MAX_LENGTH = 100

M = TypeVar("M", bound=Model)


def checked_key(key: str | None) -> str | None:
    """The key without surrounding spaces; None when blank; a problem when too long."""
    cleaned = (key or "").strip()
    if len(cleaned) > MAX_LENGTH:
        raise Invalid.at(FIELD, "TOO_LONG", max=MAX_LENGTH)
    return cleaned or None


@dataclass
class Claim(Generic[M]):
    """One call's key (or none) for `operation`, and the row a first call made, if any."""

    model: type[M]
    operation: str
    user_id: int | None = None
    key: str | None = None
    first: M | None = None

    async def replay(self) -> M | None:
        """The row the first call with this key made; None when the key is new or absent."""
        if self.key is None or self.user_id is None:
            return None
        found = await IdempotencyKey.get_or_none(user_id=self.user_id, key=self.key)
        if found is None:
            return None
        if found.operation != self.operation or found.result_id is None:
            raise Invalid.at(FIELD, "IDEMPOTENCY_KEY_REUSED")
        row = await self.model.get_or_none(id=found.result_id)
        if row is None:
            # The first result has since been deleted; the key cannot make another.
            raise Invalid.at(FIELD, "IDEMPOTENCY_KEY_REUSED")
        return row

    async def after(self, exc: ServiceError) -> M:
        """The first result if a racing twin committed after the lookup (its row is then what
        made the checks fail, "name taken"); otherwise `exc` again."""
        if (first := await self.replay()) is not None:
            return first
        raise exc

    async def run(
        self,
        write: Callable[[BaseDBAsyncClient], Awaitable[M]],
        *,
        conflict: Callable[[], ServiceError] | None = None,
    ) -> tuple[M, bool]:
        """`write(conn)` and the key in one transaction; (row, True) when a racing twin won.

        Any other unique-index failure becomes `conflict()` when given.
        """
        try:
            async with in_transaction() as conn:
                record = None
                if self.key is not None:
                    record = await IdempotencyKey.create(
                        user_id=self.user_id, key=self.key, operation=self.operation,
                        result_type=self.model.__name__.lower(), using_db=conn,
                    )  # fmt: skip
                row = await write(conn)
                if record is not None:
                    await (
                        IdempotencyKey.filter(id=record.id).using_db(conn).update(result_id=row.pk)
                    )
        except IntegrityError as exc:
            if (first := await self.replay()) is not None:
                return first, True
            if conflict is not None:
                raise conflict() from exc
            raise
        return row, False


async def claim(actor: Actor, key: str | None, operation: str, model: type[M]) -> Claim[M]:
    """Checks the key and looks it up for the actor's user (`first` is set on a replay)."""
    cleaned = checked_key(key)
    if cleaned is None:
        return Claim(model, operation)
    result = Claim(model, operation, require_user(actor), cleaned)
    result.first = await result.replay()
    return result


def unkeyed(model: type[M], operation: str) -> Claim[M]:
    """A claim without a key: `run` is a plain transaction (for creates that take none)."""
    return Claim(model, operation)
