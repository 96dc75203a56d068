"""Grouping the unsettled requests for admins: by the category each suggests, and by wording.

Wording: each request's title and description become the set of their character pairs
(`core.search.grams`, the pairs the catalog search indexes), split at anything that is not a
letter or digit so punctuation never pairs with a character; two requests are alike when the
Dice coefficient of their sets, 2·|A∩B| / (|A|+|B|), reaches the threshold
(`SERVICEHALL_REQUEST_SIMILARITY`). Chinese has no spaces between words, so pairs of characters
stand in for words: "食品经营许可" and "办理食品许可证" share 食品 and 许可.

Groups are the connected parts of the "alike" graph (single link: A like B and B like C put A,
B and C together). Bounded: only unsettled requests (OPEN, ANSWERED) take part, the newest
`SERVICEHALL_REQUEST_GROUP_LIMIT` of them, so the pairwise comparison costs at most limit² / 2
set intersections (300: 45,000, a few milliseconds) whatever the table holds; older ones are
listed, not grouped, and the answer says how many were left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from backend.models.service_requests import ServiceRequest
from backend.services.core.actors import Actor
from backend.services.core.search import grams
from backend.services.service_requests.policies import can_settle_requests
from backend.services.service_requests.states import UNSETTLED

# Runs of letters and digits (Chinese characters included); anything else separates.
_PIECES = re.compile(r"[^\W_]+")


def text_grams(text: str) -> frozenset[str]:
    """The character pairs of `text` (a lone character where a piece has only one)."""
    found: set[str] = set()
    for piece in _PIECES.findall(text.lower()):
        found.update(grams(piece))
    return frozenset(found)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """2·|A∩B| / (|A|+|B|): 1 for the same pairs, 0 for none shared (or nothing to compare)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def request_grams(request: ServiceRequest) -> frozenset[str]:
    return text_grams(f"{request.title}\n{request.description}")


def clusters(texts: Sequence[frozenset[str]], threshold: float) -> list[tuple[list[int], float]]:
    """The indexes of `texts` in groups of alike ones (single link at `threshold`), each with the
    highest similarity inside it (0 for a request alone); groups in order of their first member."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    best: dict[int, float] = defaultdict(float)
    pairs: list[tuple[int, int, float]] = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            score = dice(texts[i], texts[j])
            if score >= threshold:
                pairs.append((i, j, score))
                parent[root(j)] = root(i)
    for i, _j, score in pairs:
        r = root(i)
        best[r] = max(best[r], score)
    members: dict[int, list[int]] = {}
    for i in range(len(texts)):
        members.setdefault(root(i), []).append(i)
    return [(group, best[r]) for r, group in members.items()]


@dataclass(frozen=True)
class Group:
    """Requests grouped together: by category (`category_id`, None for "no category") or by
    wording (`similarity`, the highest between two of them)."""

    requests: list[ServiceRequest]
    category_id: int | None = None
    similarity: float = 0.0


@dataclass(frozen=True)
class Grouping:
    groups: list[Group]
    # Unsettled requests beyond the limit, not grouped.
    left_out: int


async def _unsettled(limit: int) -> tuple[list[ServiceRequest], int]:
    query = ServiceRequest.filter(status__in=list(UNSETTLED))
    rows = await query.order_by("-id").limit(limit + 1)
    if len(rows) <= limit:
        return rows, 0
    return rows[:limit], await query.count() - limit


async def by_wording(actor: Actor, threshold: float, limit: int) -> Grouping:
    """Unsettled requests in groups of alike wording, the largest groups first (none for
    anyone but admins)."""
    if not can_settle_requests(actor):
        return Grouping([], 0)
    rows, left_out = await _unsettled(limit)
    found = clusters([request_grams(r) for r in rows], threshold)
    groups = [Group([rows[i] for i in members], similarity=score) for members, score in found]
    groups.sort(key=lambda g: (-len(g.requests), -g.requests[0].id))
    return Grouping(groups, left_out)


async def by_category(actor: Actor, limit: int) -> Grouping:
    """Unsettled requests by the category each suggests (none last), the largest first."""
    if not can_settle_requests(actor):
        return Grouping([], 0)
    rows, left_out = await _unsettled(limit)
    found: dict[int | None, list[ServiceRequest]] = {}
    for row in rows:
        found.setdefault(row.category_id, []).append(row)
    groups = [Group(members, category_id=key) for key, members in found.items()]
    groups.sort(key=lambda g: (g.category_id is None, -len(g.requests), -g.requests[0].id))
    return Grouping(groups, left_out)
