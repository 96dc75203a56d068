"""`teams` and `team(id)`: staff only."""

from __future__ import annotations

import strawberry

from backend.models.accounts import Team as TeamModel
from backend.schema.context import context_of
from backend.schema.relay import Connection, connection, decode_id_of, fetch_page
from backend.schema.teams.types import TeamType, teams_as_types
from backend.services.teams.policies import can_view_teams


@strawberry.type
class TeamQueries:
    @strawberry.field(description="Staff teams by name; staff only.")
    async def teams(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[TeamType]:
        actor = context_of(info).actor
        query = TeamModel.all() if can_view_teams(actor) else TeamModel.filter(id=-1)
        page = await fetch_page(query, first=first, after=after, order=("name", "id"))
        types = {t.id: tt for t, tt in zip(page.rows, await teams_as_types(page.rows), strict=True)}
        return connection(page, lambda t: types[t.id], query)

    @strawberry.field(description="One team; null when unknown or not visible.")
    async def team(self, info: strawberry.Info, id: strawberry.ID) -> TeamType | None:
        actor = context_of(info).actor
        pk = decode_id_of(id, "Team")
        if pk is None or not can_view_teams(actor):
            return None
        team = await TeamModel.get_or_none(id=pk)
        return (await teams_as_types([team]))[0] if team else None
