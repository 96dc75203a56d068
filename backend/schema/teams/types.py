"""Team types. Lists load members and their users up front; fields then read what was loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from backend.models.accounts import MemberKind as MemberKindModel
from backend.models.accounts import Team as TeamModel
from backend.models.accounts import TeamMember as TeamMemberModel
from backend.schema.accounts.types import UserType, roles_by_user
from backend.schema.context import context_of
from backend.schema.nodes import Node, global_id, register
from backend.services.core.actors import Actor
from backend.services.orders.parties import teams_with_own_supervisor
from backend.services.teams.policies import can_view_teams

strawberry.enum(MemberKindModel, name="MemberKind", description="What a team member does.")


@strawberry.type
class TeamMember:
    user: UserType
    kind: MemberKindModel
    on_leave: bool
    last_assigned_at: datetime | None
    max_open_orders: int | None = strawberry.field(
        description="The most open orders the automatic choice gives this handler; null: no limit."
    )
    handles_orders: bool = strawberry.field(
        description="Takes the team's orders (a handler of the team), on leave or not."
    )


@strawberry.type(name="Team")
class TeamType(Node):
    name: str
    description: str
    version: int
    created_at: datetime
    members: list[TeamMember]
    _pk: strawberry.Private[int]
    # The teams loaded together: `everySupervisorTold` asks about all of them at once.
    _batch: strawberry.Private[tuple[int, ...]]

    @strawberry.field(
        description="The team has no supervisor of its own, so every supervisor is told when "
        "its orders fall due soon or overdue."
    )
    async def every_supervisor_told(self, info: strawberry.Info) -> bool:
        # Asked only when selected, once for every team loaded with this one (one query).
        loaders = context_of(info).loaders
        key = f"teams_with_own_supervisor:{self._batch}"
        if (task := loaders.get(key)) is None:
            task = loaders[key] = asyncio.ensure_future(teams_with_own_supervisor(self._batch))
        return self._pk not in await task


async def teams_as_types(teams: Sequence[TeamModel]) -> list[TeamType]:
    """Teams with their members, in two queries whatever the number of teams."""
    members = (
        await TeamMemberModel.filter(team_id__in=[t.id for t in teams])
        .select_related("user")
        .order_by("kind", "user__name", "id")
    )
    roles = await roles_by_user(sorted({m.user.id for m in members}))
    batch = tuple(t.id for t in teams)
    by_team: dict[int, list[TeamMember]] = {t.id: [] for t in teams}
    for member in members:
        by_team[member.team_id].append(
            TeamMember(
                user=UserType.of(member.user, roles[member.user.id]),
                kind=member.kind,
                on_leave=member.on_leave,
                last_assigned_at=member.last_assigned_at,
                max_open_orders=member.max_open_orders,
                handles_orders=member.kind is MemberKindModel.HANDLER,
            )
        )
    return [
        TeamType(
            id=global_id("Team", t.id),
            name=t.name,
            description=t.description,
            version=t.version,
            created_at=t.created_at,
            members=by_team[t.id],
            _pk=t.id,
            _batch=batch,
        )
        for t in teams
    ]


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    if not can_view_teams(actor):
        return {}
    teams = await TeamModel.filter(id__in=list(pks))
    return {t.id: tt for t, tt in zip(teams, await teams_as_types(teams), strict=True)}


register("Team", _load, "teams:read")
