"""`enterprises`, `enterprise(id)` and `myEnterprises`: admins see all, members their own."""

from __future__ import annotations

import strawberry

from backend.models.enterprises import EnterpriseStatus as EnterpriseStatusModel
from backend.schema.context import context_of
from backend.schema.enterprises.types import (
    EnterpriseMembership,
    EnterpriseType,
    enterprises_as_types,
)
from backend.schema.relay import Connection, connection, decode_id_of, fetch_page
from backend.services.enterprises import enterprises
from backend.services.enterprises.policies import enterprises_visible_to


@strawberry.type
class EnterpriseQueries:
    @strawberry.field(
        description=(
            "Enterprises, newest first (or oldest first, as a review queue): all for admins, "
            "a member's own for others."
        )
    )
    async def enterprises(
        self,
        info: strawberry.Info,
        status: EnterpriseStatusModel | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
        oldest_first: bool = False,
    ) -> Connection[EnterpriseType]:
        actor = context_of(info).actor
        query = enterprises_visible_to(actor)
        if status is not None:
            query = query.filter(status=status)
        query = enterprises.search(query, search)
        order = ("id",) if oldest_first else ("-id",)
        page = await fetch_page(query, first=first, after=after, order=order)
        types = await enterprises_as_types(actor, page.rows)
        by_id = {e.id: t for e, t in zip(page.rows, types, strict=True)}
        return connection(page, lambda e: by_id[e.id], query)

    @strawberry.field(description="One enterprise; null when unknown or not visible.")
    async def enterprise(self, info: strawberry.Info, id: strawberry.ID) -> EnterpriseType | None:
        actor = context_of(info).actor
        pk = decode_id_of(id, "Enterprise")
        if pk is None:
            return None
        row = await enterprises_visible_to(actor).get_or_none(id=pk)
        return (await enterprises_as_types(actor, [row]))[0] if row else None

    @strawberry.field(description="The enterprises the viewer belongs to, with their role.")
    async def my_enterprises(self, info: strawberry.Info) -> list[EnterpriseMembership]:
        actor = context_of(info).actor
        memberships = await enterprises.memberships_of(actor)
        types = await enterprises_as_types(actor, [m.enterprise for m in memberships])
        return [
            EnterpriseMembership(role=m.role, joined_at=m.created_at, enterprise=t)
            for m, t in zip(memberships, types, strict=True)
        ]
