"""Who may be given an order, and the record of why someone was: one rule for the automatic
choice and for a supervisor's, one shape for the reason both store and the schema shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.accounts import MemberKind, Role, TeamMember, UserRole


async def team_handlers(
    conn: BaseDBAsyncClient, team_id: int, *, user_id: int | None = None
) -> list[TeamMember]:
    """The team's handlers who could hold an order: handler members whose account is active and
    still has the HANDLER role (with their users), on leave or not; only `user_id`'s if given."""
    handler_ids = UserRole.filter(role=Role.HANDLER).using_db(conn)
    if user_id is not None:
        handler_ids = handler_ids.filter(user_id=user_id)
    members = TeamMember.filter(
        team_id=team_id,
        kind=MemberKind.HANDLER,
        user__is_active=True,
        user_id__in=list(await handler_ids.values_list("user_id", flat=True)),
    )
    if user_id is not None:
        members = members.filter(user_id=user_id)
    return await members.using_db(conn).select_related("user").order_by("user_id")


def eligible(members: Sequence[TeamMember]) -> list[TeamMember]:
    """Those at work: a handler on leave is never given an order, by the choice or by hand."""
    return [m for m in members if not m.on_leave]


class AssignmentRule(StrEnum):
    FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT = "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    CHOSEN_BY_SUPERVISOR = "CHOSEN_BY_SUPERVISOR"
    NO_ELIGIBLE_HANDLER = "NO_ELIGIBLE_HANDLER"
    NO_TEAM = "NO_TEAM"


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    load: int  # open orders they held at that moment
    last_assigned_at: datetime | None

    @classmethod
    def of(cls, member: TeamMember, load: int) -> Candidate:
        return cls(member.user.id, member.user.name, load, member.last_assigned_at)


@dataclass(frozen=True)
class AssignmentReason:
    """Who was eligible, their loads, who was chosen and why (stored as JSON on the order)."""

    rule: AssignmentRule
    eligible: tuple[Candidate, ...] = ()
    chosen: int | None = None
    note: str = ""  # the supervisor's words, when one asked
    decided_by: tuple[int, str] | None = field(default=None)  # (user id, name)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule.value,
            "eligible": [
                {
                    "userId": c.user_id,
                    "name": c.name,
                    "load": c.load,
                    "lastAssignedAt": c.last_assigned_at.isoformat()
                    if c.last_assigned_at
                    else None,
                }
                for c in self.eligible
            ],
        }
        if self.chosen is not None:
            data["chosen"] = self.chosen
        if self.note or self.rule is AssignmentRule.CHOSEN_BY_SUPERVISOR:
            data["note"] = self.note
        if self.decided_by is not None:
            data["by"] = {"userId": self.decided_by[0], "name": self.decided_by[1]}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AssignmentReason | None:
        """The stored reason; None for an order never put through the choice."""
        if not data or data.get("rule") not in AssignmentRule.__members__:
            return None
        by = data.get("by") or {}
        return cls(
            rule=AssignmentRule(data["rule"]),
            eligible=tuple(
                Candidate(
                    int(e["userId"]),
                    str(e["name"]),
                    int(e["load"]),
                    datetime.fromisoformat(e["lastAssignedAt"])
                    if e.get("lastAssignedAt")
                    else None,
                )
                for e in data.get("eligible") or []
            ),
            chosen=int(data["chosen"]) if data.get("chosen") is not None else None,
            note=str(data.get("note") or ""),
            decided_by=(int(by["userId"]), str(by["name"])) if by.get("userId") else None,
        )
