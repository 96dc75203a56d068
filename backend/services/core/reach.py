"""What the policies need to know about the actor beyond their roles, loaded once per request.

Policy functions are pure (actor, object, reach) so a list can ask them about every row without
a query per row: the enterprises the actor belongs to and the teams they handle for are loaded
here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.accounts import MemberKind, Role, TeamMember
from backend.models.enterprises import Membership, MembershipRole
from backend.services.core.actors import Actor


@dataclass(frozen=True)
class Reach:
    member_of: frozenset[int] = frozenset()
    handles_for: frozenset[int] = frozenset()
    owner_of: frozenset[int] = frozenset()


NO_REACH = Reach()


async def reach_of(actor: Actor, conn: BaseDBAsyncClient | None = None) -> Reach:
    """The actor's enterprises and (for handlers) handling teams: two queries at most.

    Inside a transaction pass its connection (SQLite has one, held by the transaction).
    """
    if actor.user_id is None:
        return NO_REACH
    memberships = (
        await Membership.filter(user_id=actor.user_id)
        .using_db(conn)
        .values_list("enterprise_id", "role")
    )
    handles_for: list[object] = []
    if actor.has(Role.HANDLER):
        handles_for = list(
            await TeamMember.filter(user_id=actor.user_id, kind=MemberKind.HANDLER)
            .using_db(conn)
            .values_list("team_id", flat=True)
        )
    return Reach(
        member_of=frozenset(int(str(e)) for e, _ in memberships),
        handles_for=frozenset(int(str(t)) for t in handles_for),
        owner_of=frozenset(int(str(e)) for e, role in memberships if role == MembershipRole.OWNER),
    )
