"""Grouping the unsettled requests for admins: by the category each suggests, and by wording.

Wording: each request's title and description become the set of their character pairs
(`core.search.grams`, the pairs the catalog search indexes), split at anything that is not a
letter or digit so punctuation never pairs with a character; two requests are alike when the
Dice coefficient of their sets, 2·|A∩B| / (|A|+|B|), reaches the threshold
(`SERVICEHALL_REQUEST_SIMILARITY`). Chinese has no spaces between words, so pairs of characters
stand in for words: "食品经营许可" and "办理食品许可证" share 食品 and 许可.

Words every request uses (`STOP_WORDS`: 希望, 园区, 服务, 提供, 办理, 申请 …) say how people ask,
not what they ask for, yet on their own they gave unrelated requests a Dice of about 0.2 (the
demo's food licence and export tax requests shared 希望, 园区, 提供 and the pairs across them,
望园, 区提). They are cut out before pairing, and the text is split where they stood, so no pair
spans one ("希望园区提供" leaves nothing; "人才公寓申请" leaves 人才, 才公, 公寓). A fixed list,
not weights by rarity among the open requests: the park has tens of open requests, too few for
rarity to tell a common word from a popular subject (ten companies asking for 人才公寓 would
make 人才公寓 "common" and pull them apart), and a list gives the same answer for the same two
texts whatever else is open, which admins and tests can follow. A lone character left between
stop words (要, 和) is dropped too: a single character is a particle far more often than a
subject. The list is short on purpose: a word that is a subject in some requests (代办, 许可,
咨询) stays.

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

# How requests are asked, not what for: cut out before pairing (longest first, so 服务大厅
# goes whole). Add a word only when it is never the subject of a request.
STOP_WORDS = (
    "希望", "园区", "服务大厅", "大厅", "服务", "提供", "办理", "申请", "需要", "能够", "可以",
    "能否", "我们", "我司", "公司", "企业", "直接", "帮助", "协助", "相关", "进行", "目前",
    "建议", "是否", "有关",
)  # fmt: skip
_STOPS = re.compile("|".join(sorted(map(re.escape, STOP_WORDS), key=len, reverse=True)))


def text_grams(text: str) -> frozenset[str]:
    """The character pairs of `text`, stop words cut out (a piece of one character counts
    alone, as in the catalog's search, only where the text itself had it alone)."""
    found: set[str] = set()
    for piece in _PIECES.findall(text.lower()):
        parts = _STOPS.split(piece)
        if len(parts) == 1:
            found.update(grams(piece))
            continue
        for part in parts:
            if len(part) > 1:  # a lone character left between stop words: a particle
                found.update(grams(part))
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
