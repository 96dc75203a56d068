"""Keyword search over a list of orders or applications: every word of the query must be part
of the row's number, its enterprise's name or its service item's name (either language), Latin
letters in any case.

PostgreSQL first resolves each word to the ids of the enterprises and items whose names hold
it, through an index over the names' character pairs (`search_grams`, migration 0010: a trigram
index cannot serve a two-character word, it has none, and Chinese keywords are often two
characters), and filters the list by `enterprise_id = ANY(…) OR item_id = ANY(…) OR number LIKE
…`. The planner then knows from the columns' statistics how many rows match, and walks the
list's order for a common word or reads the ids' indexes for a rare one; the number's trigram
index serves a number-like word of three characters or more.

Measured before choosing (docs/benchmarks.md, "Search, counts and the 'most used' board"): a
pair index over the list's own copy of the names answers a rare word as fast, but the planner
multiplies the frequencies of a word's pairs as if independent, takes a common four-character
word for a rare one, and sorted 100,000 rows for a page of 20.

The ids and the number pattern are written into the list's statement rather than sent as
parameters: once PostgreSQL switches a prepared statement to its generic plan, it would plan
every search as if it matched ten enterprises, whatever it matches. SQLite runs the same
conditions as subqueries: correct, not indexed.

The catalog, a small table, keeps its own lower-cased search text and is searched through the
same pair index directly (`text_holds`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from pypika_tortoise.context import SqlContext
from pypika_tortoise.enums import Comparator, Equality
from pypika_tortoise.queries import Table
from pypika_tortoise.terms import BasicCriterion, Criterion, Function, Term, ValueWrapper
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, ResolveContext, Subquery
from tortoise.filters import Like, escape_like
from tortoise.models import Model
from tortoise.query_utils import QueryModifier

from backend.models.catalog import ServiceItem
from backend.models.enterprises import Enterprise

# What a number can hold (`SH-20261125-0042`); a word with anything else is not part of one.
NUMBER_CHARACTERS = re.compile(r"[a-z0-9-]+")


def words(text: str | None) -> list[str]:
    """The words of a query, lower-cased (NUL, which no database stores, separates words)."""
    return (text or "").replace("\x00", " ").lower().split()


def grams(word: str) -> list[str]:
    """What `search_grams` holds of any text containing `word`: its pairs of adjacent
    characters, or a lone character beyond ASCII (a one-letter Latin word matches nearly every
    name and is left to LIKE)."""
    if len(word) == 1:
        return [word] if ord(word) > 127 else []
    return sorted({word[i : i + 2] for i in range(len(word) - 1)})


def contains_pattern(word: str) -> str:
    """A LIKE pattern for `word` anywhere, to use with `ESCAPE '\\'`."""
    return f"%{escape_like(word)}%"


def is_postgres(connection: BaseDBAsyncClient) -> bool:
    return connection.capabilities.dialect == "postgres"


class Condition(Q):
    """A condition on the list's own table that Tortoise's lookups cannot spell, built for the
    table and the database (True: PostgreSQL) once the query is."""

    def __init__(self, build: Callable[[Table, bool], Criterion]) -> None:
        super().__init__()
        self.build = build

    def __bool__(self) -> bool:
        return True

    def resolve(self, resolve_context: ResolveContext) -> QueryModifier:
        postgres = is_postgres(resolve_context.model._meta.db)
        return QueryModifier(where_criterion=self.build(resolve_context.table, postgres))


class _ArrayOperator(Comparator):
    CONTAINS = " @> "


class _Written(ValueWrapper):
    """A value written into the statement, quoted, never a parameter (see the module)."""

    def __init__(self, value: str) -> None:
        super().__init__(value, allow_parametrize=False)


class _AnyOf(Term):
    """`ANY('{1,2,3}'::bigint[])` or a lone id, written into the statement (`any_of`)."""

    def __init__(self, written: str) -> None:
        super().__init__()
        self.written = written

    def get_sql(self, ctx: SqlContext) -> str:
        return self.written


def any_of(ids: Sequence[int]) -> str:
    """The ids as `ANY(…)`, one id as itself: integers only, so nothing else can be written into
    a statement. PostgreSQL 15 reads an index in order for `= 1340`, not for `= ANY('{1340}')`:
    an enterprise's full name (one enterprise, 353 orders at 1M) then costs a backward index
    scan stopping at the page's end, 0.8 ms, against a bitmap scan of all 353 and a sort, 4–6."""
    written = [str(int(pk)) for pk in ids]
    return written[0] if len(written) == 1 else "ANY('{" + ",".join(written) + "}'::bigint[])"


@dataclass(frozen=True)
class Found:
    """Where one word was found: the enterprises and service items whose names hold it.

    The ids are kept as `any_of` wrote them: a common word holds thousands, and the page and its
    count each write them into their statement. None: no name holds the word."""

    word: str
    enterprises: str | None
    items: str | None


# The names holding a word: `{pairs}` and `{pattern}` are placeholders. The expression must stay
# the one migration 0010 indexed (`search_grams(lower(name))`), or the index is not used.
ENTERPRISES_HOLDING = (
    "SELECT id FROM enterprises "
    "WHERE search_grams(lower(name)) @> {pairs}::text[] AND lower(name) LIKE {pattern}"
)
# No pair (a lone Latin letter): the names are read in full, which a small table allows.
ENTERPRISES_HOLDING_LETTER = "SELECT id FROM enterprises WHERE lower(name) LIKE {pattern}"
ITEMS_HOLDING = (
    "SELECT id FROM service_items "
    "WHERE lower(name_zh) LIKE {pattern} OR lower(name_en) LIKE {pattern}"
)


async def resolve(connection: BaseDBAsyncClient, wanted: Sequence[str]) -> list[Found]:
    """Each word's enterprises and service items, in one statement (PostgreSQL only)."""
    columns: list[str] = []
    values: list[object] = []

    def param(value: object) -> str:
        values.append(value)
        return f"${len(values)}"

    # Only placeholders are written into the statement; the words travel as parameters. LIKE
    # escapes with a backslash by default on PostgreSQL.
    for i, word in enumerate(wanted):
        pattern = param(contains_pattern(word))
        pairs = grams(word)
        enterprises = (
            ENTERPRISES_HOLDING.format(pairs=param(pairs), pattern=pattern)
            if pairs
            else ENTERPRISES_HOLDING_LETTER.format(pattern=pattern)
        )
        items = ITEMS_HOLDING.format(pattern=pattern)
        columns += [f"ARRAY({enterprises}) AS e{i}", f"ARRAY({items}) AS i{i}"]
    rows = await connection.execute_query_dict("SELECT " + ", ".join(columns), values)
    row = rows[0]

    def written(ids: Sequence[int]) -> str | None:
        return any_of(ids) if ids else None

    return [
        Found(word, written(row[f"e{i}"]), written(row[f"i{i}"])) for i, word in enumerate(wanted)
    ]


def _number_like(word: str) -> bool:
    return NUMBER_CHARACTERS.fullmatch(word) is not None


def _found_anywhere(found: Found) -> bool:
    return bool(found.enterprises or found.items or _number_like(found.word))


def _found_in(table: Table, postgres: bool, found: Found) -> Criterion:
    """Rows holding `found.word` (PostgreSQL), when `_found_anywhere(found)`."""
    branches: list[Criterion] = []
    if found.enterprises:
        branches.append(BasicCriterion(Equality.eq, table.enterprise_id, _AnyOf(found.enterprises)))
    if found.items:
        branches.append(BasicCriterion(Equality.eq, table.item_id, _AnyOf(found.items)))
    if _number_like(found.word):
        # Numbers are stored in capitals, and PostgreSQL's LIKE minds case. A number-like word
        # holds only letters, digits and dashes: nothing in it needs quoting.
        pattern = _Written(contains_pattern(found.word.upper()))
        branches.append(Like(table.number, pattern))
    combined = branches[0]
    for branch in branches[1:]:
        combined = combined | branch
    return combined


def _sqlite_word(word: str) -> Q:
    """Rows holding `word`, as subqueries (SQLite's LIKE folds ASCII letters only)."""
    items = ServiceItem.filter(Q(name_zh__icontains=word) | Q(name_en__icontains=word))
    condition = Q(
        enterprise_id__in=Subquery(Enterprise.filter(name__icontains=word).values("id"))
    ) | Q(item_id__in=Subquery(items.values("id")))
    if _number_like(word):
        condition |= Q(number__icontains=word)
    return condition


async def keyword_filter(model: type[Model], text: str | None) -> Q | None:
    """Rows of `model` (an order or an application) holding every word of `text` in their
    number, their enterprise's name or their item's name; None when `text` has no word."""
    wanted = words(text)
    if not wanted:
        return None
    connection = model._meta.db
    if not is_postgres(connection):
        return Q(*(_sqlite_word(word) for word in wanted))
    found = await resolve(connection, wanted)
    if not all(_found_anywhere(f) for f in found):
        return Q(id__in=[])  # a word found nowhere: nothing matches
    return Q(*(Condition(partial(_found_in, found=f)) for f in found))


def _text_holds(column: str, word: str, table: Table, postgres: bool) -> Criterion:
    holds: Criterion = Like(table[column], ValueWrapper(contains_pattern(word)))
    pairs = grams(word)
    if postgres and pairs:
        indexed = BasicCriterion(
            _ArrayOperator.CONTAINS, Function("search_grams", table[column]), ValueWrapper(pairs)
        )
        holds = indexed & holds
    return holds


def text_holds(column: str, text: str | None) -> Q | None:
    """Rows whose `column`, kept lower-cased, holds every word of `text`: through the index
    over its character pairs on PostgreSQL (`search_grams`), then LIKE; None without a word.

    For small tables (the catalog): on a big one the planner misjudges how many rows a word of
    several pairs matches (see the module).
    """
    wanted = words(text)
    if not wanted:
        return None
    return Q(*(Condition(partial(_text_holds, column, word)) for word in wanted))
