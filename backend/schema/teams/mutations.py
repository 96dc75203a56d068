"""Team mutations, for admins: create, rename, add and remove members, mark leave, set a
handler's maximum of open orders."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from backend.models.accounts import MemberKind as MemberKindModel
from backend.models.accounts import Team as TeamModel
from backend.schema.context import context_of
from backend.schema.errors import TeamError, run_mutation
from backend.schema.idempotency import idempotency_key
from backend.schema.relay import input_pk
from backend.schema.teams.types import TeamType, teams_as_types
from backend.services.teams import teams


@strawberry.type
class TeamPayload:
    team: TeamType | None
    user_errors: list[TeamError]


@strawberry.input
class CreateTeamInput:
    name: str
    description: str = ""
    idempotency_key: str | None = idempotency_key()


@strawberry.input
class UpdateTeamInput:
    team_id: strawberry.ID
    name: str
    description: str = ""
    expected_version: int


@strawberry.input
class TeamMemberInput:
    team_id: strawberry.ID
    user_id: strawberry.ID
    kind: MemberKindModel
    expected_version: int


@strawberry.input
class SetHandlerLeaveInput:
    team_id: strawberry.ID
    user_id: strawberry.ID
    on_leave: bool
    expected_version: int


@strawberry.input
class SetHandlerCapacityInput:
    team_id: strawberry.ID
    user_id: strawberry.ID
    max_open_orders: int | None = strawberry.field(
        description="The most open orders the automatic choice gives the handler; null: no limit."
    )
    expected_version: int


async def _run(info: strawberry.Info, change: Awaitable[TeamModel]) -> TeamPayload:
    async def done() -> TeamPayload:
        team = await change
        return TeamPayload(team=(await teams_as_types([team]))[0], user_errors=[])

    return await run_mutation(
        info, TeamError, done, lambda errors: TeamPayload(team=None, user_errors=errors)
    )


async def _member_change(info: strawberry.Info, input: TeamMemberInput, add: bool) -> TeamModel:
    actor = context_of(info).actor
    team_id = input_pk(input.team_id, "Team", "teamId")
    user_id = input_pk(input.user_id, "User", "userId")
    kind = input.kind
    if add:
        return await teams.add_member(actor, team_id, user_id, kind, input.expected_version)
    return await teams.remove_member(actor, team_id, user_id, kind, input.expected_version)


async def _update(info: strawberry.Info, input: UpdateTeamInput) -> TeamModel:
    team_id = input_pk(input.team_id, "Team", "teamId")
    return await teams.update_team(
        context_of(info).actor, team_id, input.name, input.description, input.expected_version
    )


async def _leave(info: strawberry.Info, input: SetHandlerLeaveInput) -> TeamModel:
    team_id = input_pk(input.team_id, "Team", "teamId")
    user_id = input_pk(input.user_id, "User", "userId")
    return await teams.set_on_leave(
        context_of(info).actor, team_id, user_id, input.on_leave, input.expected_version
    )


async def _capacity(info: strawberry.Info, input: SetHandlerCapacityInput) -> TeamModel:
    team_id = input_pk(input.team_id, "Team", "teamId")
    user_id = input_pk(input.user_id, "User", "userId")
    return await teams.set_capacity(
        context_of(info).actor, team_id, user_id, input.max_open_orders, input.expected_version
    )


@strawberry.type
class TeamMutations:
    @strawberry.mutation(description="Creates a staff team.")
    async def create_team(self, info: strawberry.Info, input: CreateTeamInput) -> TeamPayload:
        actor = context_of(info).actor
        return await _run(
            info, teams.create_team(actor, input.name, input.description, input.idempotency_key)
        )

    @strawberry.mutation(description="Renames a team or changes its description.")
    async def update_team(self, info: strawberry.Info, input: UpdateTeamInput) -> TeamPayload:
        return await _run(info, _update(info, input))

    @strawberry.mutation(description="Adds a handler or an auditor to a team.")
    async def add_team_member(self, info: strawberry.Info, input: TeamMemberInput) -> TeamPayload:
        return await _run(info, _member_change(info, input, add=True))

    @strawberry.mutation(description="Removes a member from a team.")
    async def remove_team_member(
        self, info: strawberry.Info, input: TeamMemberInput
    ) -> TeamPayload:
        return await _run(info, _member_change(info, input, add=False))

    @strawberry.mutation(description="Marks a handler on leave, or back at work.")
    async def set_handler_leave(
        self, info: strawberry.Info, input: SetHandlerLeaveInput
    ) -> TeamPayload:
        return await _run(info, _leave(info, input))

    @strawberry.mutation(
        description="Sets a handler's maximum of open orders; the automatic choice passes over "
        "a handler who holds that many."
    )
    async def set_handler_capacity(
        self, info: strawberry.Info, input: SetHandlerCapacityInput
    ) -> TeamPayload:
        return await _run(info, _capacity(info, input))
