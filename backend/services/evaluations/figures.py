"""The published figures (好差评 results): per item, team, handler or provider.

Definitions (documented in the schema too):
- `reviews`: ratings given by people, voided ones left out;
- `defaults`: ratings the system recorded after the period (counted apart, in no rate);
- `satisfactionRate`: the share of `reviews` at VERY_SATISFIED, SATISFIED or BASIC (基本满意
  passes in the national scheme);
- `badReviewRate`: the share of `reviews` at DISSATISFIED or VERY_DISSATISFIED;
- `rectifiedShare`: the share of those bad reviews whose rectification is closed.
A rate is None when there is nothing to divide by. One grouped statement per call, whatever the
number of rows (names joined in the same statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise import connections

from backend.models.evaluations import EvaluationStatus
from backend.services.evaluations.reasons import BAD, SATISFIED


class Dimension(StrEnum):
    ITEM = "ITEM"
    TEAM = "TEAM"
    HANDLER = "HANDLER"
    PROVIDER = "PROVIDER"


# The evaluation's column, and the table and its name columns (zh, en) for the key's name.
_GROUPS: dict[Dimension, tuple[str, str, str, str]] = {
    Dimension.ITEM: ("item_id", "service_items", "name_zh", "name_en"),
    Dimension.TEAM: ("team_id", "teams", "name", "name"),
    Dimension.HANDLER: ("assignee_id", "users", "name", "name"),
    Dimension.PROVIDER: ("provider_id", "providers", "name", "name"),
}


@dataclass(frozen=True)
class Figures:
    key: int
    name_zh: str
    name_en: str
    reviews: int
    defaults: int
    satisfied: int
    bad: int
    rectified: int

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.reviews if self.reviews else None

    @property
    def bad_review_rate(self) -> float | None:
        return self.bad / self.reviews if self.reviews else None

    @property
    def rectified_share(self) -> float | None:
        return self.rectified / self.bad if self.bad else None


def _in(levels: frozenset[Any]) -> str:
    return "(" + ", ".join(f"'{level.value}'" for level in sorted(levels)) + ")"


def _sql(dimension: Dimension, keys: list[int] | None) -> str:
    column, table, name_zh, name_en = _GROUPS[dimension]
    person = "CASE WHEN e.is_default THEN 0 ELSE 1 END"
    where = f"e.status <> '{EvaluationStatus.VOIDED.value}' AND e.{column} IS NOT NULL"
    if keys is not None:
        # Integers only (the caller's keys are ints): nothing of the input reaches the text.
        where += " AND e." + column + " IN (" + ", ".join(str(int(k)) for k in keys) + ")"
    # Every name here is one of `_GROUPS`' or an enum's value: no input reaches the text.
    sums = (
        f"SUM({person}) AS reviews, SUM(1 - {person}) AS defaults, "
        f"SUM(CASE WHEN e.level IN {_in(SATISFIED)} THEN {person} ELSE 0 END) AS satisfied, "
        f"SUM(CASE WHEN e.level IN {_in(BAD)} THEN {person} ELSE 0 END) AS bad, "
        f"SUM(CASE WHEN e.level IN {_in(BAD)} AND e.rectified_at IS NOT NULL "
        f"THEN {person} ELSE 0 END) AS rectified"
    )
    names = f"t.{name_zh}, t.{name_en}"
    shown = f"t.{name_zh} AS name_zh, t.{name_en} AS name_en"
    select = f"SELECT e.{column} AS key, {shown}, {sums} FROM evaluations e"  # noqa: S608
    join = f" LEFT JOIN {table} t ON t.id = e.{column}"
    return f"{select}{join} WHERE {where} GROUP BY e.{column}, {names} ORDER BY e.{column}"


async def figures(dimension: Dimension, keys: list[int] | None = None) -> list[Figures]:
    """The figures of every item (team, handler, provider) with a rating, or of `keys` only."""
    if keys is not None and not keys:
        return []
    rows = await connections.get("default").execute_query_dict(_sql(dimension, keys))
    return [
        Figures(
            key=int(row["key"]),
            name_zh=str(row["name_zh"] or ""),
            name_en=str(row["name_en"] or ""),
            reviews=int(row["reviews"] or 0),
            defaults=int(row["defaults"] or 0),
            satisfied=int(row["satisfied"] or 0),
            bad=int(row["bad"] or 0),
            rectified=int(row["rectified"] or 0),
        )
        for row in rows
    ]


async def park_figures() -> Figures:
    """The whole park's figures in one statement (key 0, no name): the cockpit's headline."""
    person = "CASE WHEN e.is_default THEN 0 ELSE 1 END"
    sql = (
        f"SELECT SUM({person}) AS reviews, SUM(1 - {person}) AS defaults, "  # noqa: S608
        f"SUM(CASE WHEN e.level IN {_in(SATISFIED)} THEN {person} ELSE 0 END) AS satisfied, "
        f"SUM(CASE WHEN e.level IN {_in(BAD)} THEN {person} ELSE 0 END) AS bad, "
        f"SUM(CASE WHEN e.level IN {_in(BAD)} AND e.rectified_at IS NOT NULL "
        f"THEN {person} ELSE 0 END) AS rectified FROM evaluations e "
        f"WHERE e.status <> '{EvaluationStatus.VOIDED.value}'"
    )
    [row] = await connections.get("default").execute_query_dict(sql)
    return Figures(
        key=0, name_zh="", name_en="", reviews=int(row["reviews"] or 0),
        defaults=int(row["defaults"] or 0), satisfied=int(row["satisfied"] or 0),
        bad=int(row["bad"] or 0), rectified=int(row["rectified"] or 0),
    )  # fmt: skip


async def item_figures(item_id: int) -> Figures | None:
    found = await figures(Dimension.ITEM, [item_id])
    return found[0] if found else None
