"""Who may be given an order, and the record of why someone was: one rule for the automatic
choice and for a supervisor's, one shape for the reason both store and the schema shows."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
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


class AssignmentRule(StrEnum):
    FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT = "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    # The enterprise asked for the same item again: whoever completed its last one, when
    # their load is at most one above the lowest.
    PREVIOUS_HANDLER_OF_THE_ENTERPRISE = "PREVIOUS_HANDLER_OF_THE_ENTERPRISE"
    CHOSEN_BY_SUPERVISOR = "CHOSEN_BY_SUPERVISOR"
    NO_ELIGIBLE_HANDLER = "NO_ELIGIBLE_HANDLER"
    NO_TEAM = "NO_TEAM"


class SkipReason(StrEnum):
    """Why the automatic choice passed over a handler of the team."""

    ON_LEAVE = "ON_LEAVE"
    AT_CAPACITY = "AT_CAPACITY"  # holds as many open orders as an admin allowed
    DECLINED = "DECLINED"  # handed this order back before


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    load: int  # open orders they held at that moment
    last_assigned_at: datetime | None
    capacity: int | None = None  # the most open orders allowed them; None: no limit

    @classmethod
    def of(cls, member: TeamMember, load: int) -> Candidate:
        return cls(
            member.user.id, member.user.name, load, member.last_assigned_at, member.max_open_orders
        )


@dataclass(frozen=True)
class Skipped:
    candidate: Candidate
    why: SkipReason


@dataclass(frozen=True)
class AssignmentReason:
    """Who was eligible, their loads, who was chosen and why (stored as JSON on the order)."""

    rule: AssignmentRule
    eligible: tuple[Candidate, ...] = ()
    chosen: int | None = None
    note: str = ""  # the supervisor's words, when one asked
    decided_by: tuple[int, str] | None = field(default=None)  # (user id, name)
    skipped: tuple[Skipped, ...] = ()  # the team's handlers passed over, and why
    previous_order: str | None = None  # the enterprise's last order of the item, when it decided

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule.value,
            "eligible": [_candidate_json(c) for c in self.eligible],
        }
        if self.skipped:
            data["skipped"] = [
                {**_candidate_json(s.candidate), "why": s.why.value} for s in self.skipped
            ]
        if self.previous_order is not None:
            data["previousOrder"] = self.previous_order
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
            eligible=tuple(_candidate_from(e) for e in data.get("eligible") or []),
            chosen=int(data["chosen"]) if data.get("chosen") is not None else None,
            note=str(data.get("note") or ""),
            decided_by=(int(by["userId"]), str(by["name"])) if by.get("userId") else None,
            skipped=tuple(
                Skipped(_candidate_from(s), SkipReason(s["why"]))
                for s in data.get("skipped") or []
                if s.get("why") in SkipReason.__members__
            ),
            previous_order=str(data["previousOrder"]) if data.get("previousOrder") else None,
        )


def _candidate_json(c: Candidate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "userId": c.user_id,
        "name": c.name,
        "load": c.load,
        "lastAssignedAt": c.last_assigned_at.isoformat() if c.last_assigned_at else None,
    }
    if c.capacity is not None:
        data["capacity"] = c.capacity
    return data


def _candidate_from(e: Mapping[str, Any]) -> Candidate:
    return Candidate(
        int(e["userId"]),
        str(e["name"]),
        int(e["load"]),
        datetime.fromisoformat(e["lastAssignedAt"]) if e.get("lastAssignedAt") else None,
        int(e["capacity"]) if e.get("capacity") is not None else None,
    )


@dataclass(frozen=True)
class PreviousHandler:
    """Who completed the enterprise's last order of the same item, and that order's number."""

    user_id: int
    order_number: str


def choose(
    members: Sequence[TeamMember],
    loads: Mapping[int, int],
    *,
    declined: Collection[int] = (),
    previous: PreviousHandler | None = None,
    note: str = "",
) -> tuple[TeamMember | None, AssignmentReason]:
    """The automatic choice among a team's handlers (on leave or not), as a rule without a query.

    Passed over, and said so: handlers on leave, those holding `capacity` open orders or more,
    and those who declined this order. Among the rest, the enterprise's previous handler of the
    same item gets the repeat request when their load is at most the lowest load + 1; otherwise
    the fewest open orders win, ties going to whoever was assigned least recently (never
    assigned first), then the lowest id.
    """
    skipped: list[Skipped] = []
    eligible_members: list[TeamMember] = []
    for m in members:
        load = loads.get(m.user.id, 0)
        why = None
        if m.on_leave:
            why = SkipReason.ON_LEAVE
        elif m.user.id in declined:
            why = SkipReason.DECLINED
        elif m.max_open_orders is not None and load >= m.max_open_orders:
            why = SkipReason.AT_CAPACITY
        if why is None:
            eligible_members.append(m)
        else:
            skipped.append(Skipped(Candidate.of(m, load), why))
    if not eligible_members:
        return None, AssignmentReason(
            AssignmentRule.NO_ELIGIBLE_HANDLER, skipped=tuple(skipped), note=note
        )
    candidates = tuple(
        Candidate.of(m, loads.get(m.user.id, 0))
        for m in sorted(eligible_members, key=lambda m: (loads.get(m.user.id, 0), m.user.id))
    )
    lowest = min(c.load for c in candidates)
    repeat = next(
        (
            m
            for m in eligible_members
            if previous is not None
            and m.user.id == previous.user_id
            and loads.get(m.user.id, 0) <= lowest + 1
        ),
        None,
    )
    if repeat is not None and previous is not None:
        return repeat, AssignmentReason(
            AssignmentRule.PREVIOUS_HANDLER_OF_THE_ENTERPRISE,
            candidates,
            chosen=repeat.user.id,
            note=note,
            skipped=tuple(skipped),
            previous_order=previous.order_number,
        )
    never = datetime.min.replace(tzinfo=UTC)
    chosen = min(
        eligible_members,
        key=lambda m: (loads.get(m.user.id, 0), m.last_assigned_at or never, m.user.id),
    )
    return chosen, AssignmentReason(
        AssignmentRule.FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT,
        candidates,
        chosen=chosen.user.id,
        note=note,
        skipped=tuple(skipped),
    )
