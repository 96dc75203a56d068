"""Relay plumbing shared by every domain: global ids, and one keyset connection for all lists.

Cursors are opaque (base64 of the row's sort key), so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from pypika_tortoise.terms import ValueWrapper
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from backend.schema.loading import rows_of
from backend.services.core.errors import Invalid
from backend.services.core.global_ids import encode_global_id as encode_global_id

MAX_PAGE = 100
DEFAULT_PAGE = 20
DEFAULT_COUNT_LIMIT = 1000
MAX_COUNT_LIMIT = 10_000
# Keys are 64-bit integers in every database; anything outside can never name a row.
MAX_KEY = 2**63 - 1

NodeType = TypeVar("NodeType")
ModelType = TypeVar("ModelType", bound=Model)
RowType = TypeVar("RowType")


class BadRequest(GraphQLError):
    """An argument that can never be right (a malformed id or cursor). Shown, not masked."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def decode_global_id(value: str) -> tuple[str, int]:
    try:
        padded = value + "=" * (-len(value) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        number = int(pk) if pk.isascii() and pk.isdigit() and len(pk) <= 19 else -1
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Malformed id: {value[:40]!r}", "BAD_ID") from exc
    if not type_name or not 0 < number <= MAX_KEY:
        raise BadRequest(f"Malformed id: {value[:40]!r}", "BAD_ID")
    return type_name, number


def decode_id_of(value: strawberry.ID | str, type_name: str) -> int | None:
    """The primary key behind an id of `type_name`; None for an id of another type."""
    found_type, pk = decode_global_id(str(value))
    return pk if found_type == type_name else None


def input_pk(value: strawberry.ID, type_name: str, field_name: str) -> int:
    """The key behind an input id of `type_name`; an id of another type is NOT_FOUND there.

    (A malformed id is a `BadRequest`, as everywhere.)
    """
    pk = decode_id_of(value, type_name)
    if pk is None:
        raise Invalid.at(field_name, "NOT_FOUND")
    return pk


def optional_input_pk(value: strawberry.ID | None, type_name: str, field_name: str) -> int | None:
    return None if value is None else input_pk(value, type_name, field_name)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    cursor: str
    node: NodeType


@strawberry.type(description="How many rows a list has, counted up to a limit.")
class BoundedCount:
    value: int = strawberry.field(description="The number of rows, or the limit if more.")
    is_exact: bool = strawberry.field(description="False when the list has more than `value`.")


@strawberry.type(description="A page of a list, in a stable order, with opaque cursors.")
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    # Counts at most n + 1 rows; None: the exact count, capped (a list held in memory).
    _count_upto: strawberry.Private[Callable[[int], Awaitable[int]] | None] = None

    @strawberry.field(description="How many rows the whole list has (every page).")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(
        description="How many rows the whole list has, counted up to `limit` (1 to "
        f"{MAX_COUNT_LIMIT:,}): as cheap at a million rows as at a thousand, where "
        "`totalCount` reads every row. Show `value` with a plus when it is not exact."
    )
    async def bounded_count(self, limit: int = DEFAULT_COUNT_LIMIT) -> BoundedCount:
        if not 1 <= limit <= MAX_COUNT_LIMIT:
            raise BadRequest(f"`limit` must be between 1 and {MAX_COUNT_LIMIT}.", "BAD_COUNT_LIMIT")
        if self._count_upto is None:
            counted = await self._count()
        else:
            counted = await self._count_upto(limit)
        return BoundedCount(value=min(counted, limit), is_exact=counted <= limit)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(value: Any, kind: type) -> bool:
    """Whether a cursor value can be compared with a column of `kind` in every database."""
    if kind is int:
        return type(value) is int and -MAX_KEY <= value <= MAX_KEY
    return type(value) is str and len(value) <= 1000 and "\x00" not in value


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key a cursor carries, each value of its column's type (else BAD_CURSOR)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("Malformed cursor.", "BAD_CURSOR") from exc
    if not isinstance(values, list) or len(values) != len(kinds):
        raise BadRequest("Malformed cursor.", "BAD_CURSOR")
    if not all(_fits(v, kind) for v, kind in zip(values, kinds, strict=True)):
        raise BadRequest("Malformed cursor.", "BAD_CURSOR")
    return values


def _column_kinds(model: type[Model], order: Sequence[str]) -> list[type]:
    kinds: list[type] = []
    for key in order:
        field_type = model._meta.fields_map[key.lstrip("-")].field_type
        kinds.append(int if field_type is not None and issubclass(field_type, int) else str)
    return kinds


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise BadRequest(f"`first` must be between 0 and {MAX_PAGE}.", "BAD_PAGE_SIZE")
    return first


def rows_after(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `order` (fields prefixed `-` sort descending)."""
    clauses: list[Q] = []
    for i, key in enumerate(order):
        name = key.lstrip("-")
        op = "lt" if key.startswith("-") else "gt"
        equal = {order[j].lstrip("-"): values[j] for j in range(i)}
        clauses.append(Q(**equal, **{f"{name}__{op}": values[i]}))
    combined = clauses[0]
    for clause in clauses[1:]:
        combined = combined | clause
    return combined


@dataclass(frozen=True)
class Page(Generic[RowType]):
    rows: list[RowType]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def _page_query(
    query: QuerySet[ModelType], order: Sequence[str], after: str | None
) -> QuerySet[ModelType]:
    if after:
        kinds = _column_kinds(query.model, order)
        query = query.filter(rows_after(order, decode_cursor(after, kinds)))
    return query.order_by(*order)


async def fetch_page(
    query: QuerySet[ModelType],
    *,
    first: int | None,
    after: str | None,
    order: Sequence[str] = ("-id",),
) -> Page[ModelType]:
    """One page of `query` in `order` (which must end in a unique key), in one SQL statement."""
    size = page_size(first)
    rows = await _page_query(query, order, after).limit(size + 1)
    has_next = len(rows) > size
    rows = rows[:size]
    cursors = [encode_cursor([getattr(row, k.lstrip("-")) for k in order]) for row in rows]
    return Page(rows, cursors, has_next, after is not None)


async def fetch_row_page(
    query: QuerySet[ModelType],
    columns: Sequence[str],
    *,
    first: int | None,
    after: str | None,
    order: Sequence[str] = ("-id",),
) -> Page[dict[str, Any]]:
    """`fetch_page` as plain rows of `columns` (paths such as `item__name_zh`) and the sort key."""
    size = page_size(first)
    keys = [k.lstrip("-") for k in order]
    page_query = _page_query(query, order, after)
    rows = await rows_of(page_query, tuple(dict.fromkeys((*columns, *keys))), limit=size + 1)
    has_next = len(rows) > size
    rows = rows[:size]
    cursors = [encode_cursor([row[k] for k in keys]) for row in rows]
    return Page(rows, cursors, has_next, after is not None)


async def count_upto(query: QuerySet[Any], limit: int) -> int:
    """How many rows `query` has, counting at most `limit + 1`: one statement whose work is
    bounded by the limit, not by the table (`SELECT count(*) FROM (… LIMIT n) AS rows`).

    The limit is written into the statement, so the plan is costed for it (a parameter would
    leave a generic plan costed for every row).
    """
    rows = query.limit(limit + 1).values_list("id", flat=True)
    rows._choose_db_if_not_chosen()
    rows._make_query()
    rows.query._limit = ValueWrapper(int(limit) + 1, allow_parametrize=False)
    sql, params = rows.query.get_parameterized_sql()
    found = await rows._db.execute_query_dict(
        f"SELECT COUNT(*) AS counted FROM ({sql}) AS bounded",  # noqa: S608
        params,
    )
    return int(found[0]["counted"])


def connection(
    page: Page[RowType],
    to_node: Callable[[RowType], NodeType],
    count_query: QuerySet[Any],
) -> Connection[NodeType]:
    edges = [
        Edge(cursor=cursor, node=to_node(row))
        for cursor, row in zip(page.cursors, page.rows, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _count=count_query.count,
        _count_upto=lambda limit: count_upto(count_query, limit),
    )
