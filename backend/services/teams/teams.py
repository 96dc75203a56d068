"""Staff teams: handlers (and an auditor pool) that categories hand their work to."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.i18n import N_
from backend.models.accounts import MemberKind, Role, Team, TeamMember, User, UserRole
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor
from backend.services.core.errors import (
    Invalid,
    NotFound,
    PermissionDenied,
    Problems,
    ServiceError,
    register_messages,
)
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.notifications import notifications
from backend.services.teams.policies import can_manage_teams

KIND_ROLE = {
    MemberKind.HANDLER: Role.HANDLER,
    MemberKind.AUDITOR: Role.AUDITOR,
    MemberKind.SUPERVISOR: Role.SUPERVISOR,
}
MAX_CAPACITY = 1000

register_messages(
    {
        "CAPACITY_OUT_OF_RANGE": N_(
            "Enter a whole number from 1 to {max}, or nothing for no limit."
        ),
    }
)


def _require_admin(actor: Actor) -> None:
    if not can_manage_teams(actor):
        raise PermissionDenied()


def _check_team_fields(name: str, description: str) -> tuple[str, str]:
    problems = Problems()
    cleaned = " ".join(name.split())
    if not cleaned:
        problems.add("name", "REQUIRED")
    elif len(cleaned) > 100:
        problems.add("name", "TOO_LONG", max=100)
    if len(description) > 2000:
        problems.add("description", "TOO_LONG", max=2000)
    problems.raise_if_any()
    return cleaned, description.strip()


async def create_team(
    actor: Actor, name: str, description: str, idempotency_key: str | None = None
) -> Team:
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createTeam", Team)
    if claim.first is not None:
        return claim.first
    try:
        cleaned, text = _check_team_fields(name, description)
        if await Team.filter(name=cleaned).exists():
            raise Invalid.at("name", "NAME_TAKEN")
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Team:
        team = await Team.create(name=cleaned, description=text, using_db=conn)
        await events.record(conn, actor, "team", team.id, "TEAM_CREATED")
        return team

    team, _ = await claim.run(write, conflict=lambda: Invalid.at("name", "NAME_TAKEN"))
    return team


async def _bump(conn: BaseDBAsyncClient, team_id: int, expected_version: int) -> Team:
    missing = lambda: Invalid.at("teamId", "NOT_FOUND")  # noqa: E731
    await bump_version(conn, Team, team_id, expected_version, missing=missing)
    return await Team.get(id=team_id, using_db=conn)


async def update_team(
    actor: Actor, team_id: int, name: str, description: str, expected_version: int
) -> Team:
    _require_admin(actor)
    cleaned, text = _check_team_fields(name, description)
    if await Team.filter(name=cleaned).exclude(id=team_id).exists():
        raise Invalid.at("name", "NAME_TAKEN")
    try:
        async with in_transaction() as conn:
            await _bump(conn, team_id, expected_version)
            await Team.filter(id=team_id).using_db(conn).update(name=cleaned, description=text)
            await events.record(conn, actor, "team", team_id, "TEAM_UPDATED", {"name": cleaned})
    except IntegrityError as exc:
        # Renamed to a name another rename took at the same moment: the unique index decides.
        raise Invalid.at("name", "NAME_TAKEN") from exc
    return await Team.get(id=team_id)


async def add_member(
    actor: Actor, team_id: int, user_id: int, kind: MemberKind, expected_version: int
) -> Team:
    _require_admin(actor)
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise Invalid.at("userId", "NOT_FOUND")
    if not await UserRole.filter(user_id=user_id, role=KIND_ROLE[kind]).exists():
        raise Invalid.at("userId", "NOT_STAFF")
    if await TeamMember.filter(team_id=team_id, user_id=user_id, kind=kind).exists():
        raise Invalid.at("userId", "ALREADY_MEMBER")
    try:
        async with in_transaction() as conn:
            team = await _bump(conn, team_id, expected_version)
            await TeamMember.create(team_id=team_id, user_id=user_id, kind=kind, using_db=conn)
            await events.record(
                conn,
                actor,
                "team",
                team_id,
                "MEMBER_ADDED",
                {"userId": user_id, "kind": kind.value},
            )
            await notifications.notify(user_id, "TEAM_JOINED", {"team": team.name}, using_db=conn)
    except IntegrityError as exc:
        # The same member added twice at the same moment: the unique index decides.
        raise Invalid.at("userId", "ALREADY_MEMBER") from exc
    return await Team.get(id=team_id)


async def remove_member(
    actor: Actor, team_id: int, user_id: int, kind: MemberKind, expected_version: int
) -> Team:
    _require_admin(actor)
    async with in_transaction() as conn:
        await _bump(conn, team_id, expected_version)
        removed = (
            await TeamMember.filter(team_id=team_id, user_id=user_id, kind=kind)
            .using_db(conn)
            .delete()
        )
        if not removed:
            raise NotFound()
        await events.record(
            conn, actor, "team", team_id, "MEMBER_REMOVED", {"userId": user_id, "kind": kind.value}
        )
    return await Team.get(id=team_id)


async def _set_handler(
    actor: Actor,
    team_id: int,
    user_id: int,
    expected_version: int,
    changes: dict[str, Any],
    kind: str,
    data: dict[str, Any],
) -> Team:
    """One change to a handler's standing in a team, as one event of the team."""
    async with in_transaction() as conn:
        await _bump(conn, team_id, expected_version)
        changed = (
            await TeamMember.filter(team_id=team_id, user_id=user_id, kind=MemberKind.HANDLER)
            .using_db(conn)
            .update(**changes)
        )
        if not changed:
            raise Invalid.at("userId", "NOT_FOUND")
        await events.record(conn, actor, "team", team_id, kind, {"userId": user_id, **data})
    return await Team.get(id=team_id)


async def set_on_leave(
    actor: Actor, team_id: int, user_id: int, on_leave: bool, expected_version: int
) -> Team:
    """Marks a handler on leave (or back): automatic assignment skips them while away."""
    _require_admin(actor)
    return await _set_handler(
        actor,
        team_id,
        user_id,
        expected_version,
        {"on_leave": on_leave},
        "HANDLER_LEAVE_SET",
        {"onLeave": on_leave},
    )


async def set_capacity(
    actor: Actor, team_id: int, user_id: int, max_open_orders: int | None, expected_version: int
) -> Team:
    """Sets the most open orders the automatic choice gives a handler of the team (None: no
    limit). Orders they already hold stay theirs; only new choices pass them over."""
    _require_admin(actor)
    if max_open_orders is not None and not 1 <= max_open_orders <= MAX_CAPACITY:
        raise Invalid.at("maxOpenOrders", "CAPACITY_OUT_OF_RANGE", max=MAX_CAPACITY)
    return await _set_handler(
        actor,
        team_id,
        user_id,
        expected_version,
        {"max_open_orders": max_open_orders},
        "HANDLER_CAPACITY_SET",
        {"maxOpenOrders": max_open_orders},
    )
