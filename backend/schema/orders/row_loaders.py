"""Per-request loaders of what an order shows beside its row, and the helpers they share.

A `RowLoader` is a DataLoader keyed by the order's primary key whose batch function gets the
order rows the fields came from, so a page of orders asking for a field costs one or two
statements, not one per order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from backend.models.orders import Order as OrderModel
from backend.models.orders import OrderAttachment
from backend.schema.context import context_of
from backend.schema.enterprises.files import FileType
from backend.schema.orders.refs import NamedRef, user_ref
from backend.schema.relay import Connection, Edge, PageInfo, decode_cursor, encode_cursor, page_size

T = TypeVar("T")
NodeT = TypeVar("NodeT")


class RowLoader(Generic[T]):
    """A DataLoader by order pk whose batch function gets the order rows the fields came from."""

    def __init__(self, load: Callable[[list[OrderModel]], Awaitable[list[T]]]) -> None:
        self.rows: dict[int, OrderModel] = {}

        async def batch(pks: list[int]) -> list[T]:
            return await load([self.rows[pk] for pk in pks])

        self.loader: DataLoader[int, T] = DataLoader(load_fn=batch)

    def load(self, row: OrderModel) -> Awaitable[T]:
        self.rows[row.id] = row
        return self.loader.load(row.id)


def row_loader(
    info: strawberry.Info, name: str, make: Callable[[], RowLoader[Any]]
) -> RowLoader[Any]:
    """The request's loader called `name`, made on first use."""
    loaders = context_of(info).loaders
    found = loaders.get(name)
    if found is None:
        found = loaders[name] = make()
    assert isinstance(found, RowLoader)
    return found


def person(user: Any) -> NamedRef | None:
    return user_ref(user.id, user.name) if user is not None else None


def attached_files(rows: Iterable[OrderAttachment]) -> list[FileType]:
    """Attached files (prefetched) in the order they were given; the viewer reads what they
    hang on, so may download them."""
    ordered = sorted(rows, key=lambda a: (a.position, a.id))
    return [FileType.of(a.file, downloadable=True) for a in ordered]


def page_of(
    items: Sequence[NodeT], key: Callable[[NodeT], int], first: int | None, after: str | None
) -> Connection[NodeT]:
    """A page of a list already loaded whole, oldest first, with keyset cursors on `key`."""
    size = page_size(first)
    rest = list(items)
    if after:
        (start,) = decode_cursor(after, [int])
        rest = [i for i in rest if key(i) > start]
    page = rest[: size + 1]
    cursors = [encode_cursor([key(i)]) for i in page[:size]]
    total = len(items)

    async def count() -> int:
        return total

    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, page, strict=False)],
        page_info=PageInfo(
            has_next_page=len(page) > size,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        _count=count,
    )
