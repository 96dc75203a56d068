"""`orders`, `order(id)` and `orderByNumber`: what the viewer may see, nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

import strawberry
from tortoise.queryset import QuerySet

from backend.models.orders import Order as OrderModel
from backend.models.orders import OrderStatus as OrderStatusModel
from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import Selection, rows_of
from backend.schema.orders.loading import ORDER_NEEDS, orders_of, visible_orders
from backend.schema.orders.types import OrderType
from backend.schema.relay import (
    BadRequest,
    Connection,
    Edge,
    PageInfo,
    count_upto,
    decode_cursor,
    decode_id_of,
    encode_cursor,
    page_size,
    rows_after,
)
from backend.services.enterprises.enterprises import local_today
from backend.services.orders import lists as order_lists
from backend.services.orders.lists import SORT_KEYS, OrderOrdering


@strawberry.input(description="Narrows an order list; every field given must match.")
class OrderFilter:
    status: list[OrderStatusModel] | None = None
    category_id: strawberry.ID | None = None
    service_item_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    unassigned: bool | None = strawberry.field(
        default=None,
        description="true: orders waiting for a handler; false: orders someone holds.",
    )
    created_after: datetime | None = None
    created_before: datetime | None = None
    search: str | None = strawberry.field(
        default=None,
        description="Words to find in the order number, the enterprise's name or the item's name.",
    )

    overdue: bool | None = strawberry.field(
        default=None,
        description="true: only orders past their due time (as `isOverdue`); false: none of them.",
    )
    due_soon: bool | None = strawberry.field(
        default=None,
        description="true: only orders due soon (as `isDueSoon`); false: none of them.",
    )
    open: bool | None = strawberry.field(
        default=None,
        description="true: orders not yet completed or cancelled; false: those that are.",
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="Orders of this handling team."
    )
    provider_id: strawberry.ID | None = strawberry.field(
        default=None, description="Orders forwarded to this provider."
    )
    completed_after: datetime | None = strawberry.field(
        default=None, description="Completed at or after this moment."
    )
    completed_before: datetime | None = strawberry.field(
        default=None, description="Completed before this moment."
    )
    owed_past_due: bool | None = strawberry.field(
        default=None,
        description="true: orders still owed a material (not handed in, or returned) after "
        "the day it was promised by (the park's today).",
    )
    open_rectification: bool | None = strawberry.field(
        default=None, description="true: orders whose bad review is not yet put right."
    )

    def wanted(self, timezone: str) -> order_lists.OrderFilter:
        def pk(value: strawberry.ID | None, type_name: str) -> int | None:
            return None if value is None else (decode_id_of(value, type_name) or -1)

        return order_lists.OrderFilter(
            statuses=tuple(self.status or ()),
            category_id=pk(self.category_id, "Category"),
            item_id=pk(self.service_item_id, "ServiceItem"),
            assignee_id=pk(self.assignee_id, "User"),
            unassigned=self.unassigned,
            created_after=self.created_after,
            created_before=self.created_before,
            search=self.search,
            overdue=self.overdue,
            due_soon=self.due_soon,
            open=self.open,
            team_id=pk(self.team_id, "Team"),
            provider_id=pk(self.provider_id, "Provider"),
            completed_after=self.completed_after,
            completed_before=self.completed_before,
            owed_past_due_on=local_today(timezone) if self.owed_past_due else None,
            open_rectification=self.open_rectification,
        )


def _sort_column(ordering: OrderOrdering) -> str:
    return SORT_KEYS[ordering][0].lstrip("-")


def _cursor_of(row: Mapping[str, Any], ordering: OrderOrdering) -> str:
    moment: datetime = row[_sort_column(ordering)]
    return encode_cursor([moment.isoformat(), row["id"]])


def _after_cursor(
    query: QuerySet[OrderModel], ordering: OrderOrdering, cursor: str
) -> QuerySet[OrderModel]:
    moment, pk = decode_cursor(cursor, [str, int])
    try:
        at = datetime.fromisoformat(moment)
    except ValueError as exc:
        raise BadRequest("Malformed cursor.", "BAD_CURSOR") from exc
    return query.filter(rows_after(SORT_KEYS[ordering], [at, pk]))


@strawberry.type
class OrderQueries:
    @strawberry.field(
        description="Orders the viewer may see: a handler's own queue, everything for "
        "supervisors; newest first unless `orderBy` says otherwise."
    )
    async def orders(
        self,
        info: strawberry.Info,
        filter: OrderFilter | None = None,
        order_by: OrderOrdering = OrderOrdering.CREATED_AT_DESC,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OrderType]:
        actor = context_of(info).actor
        size = page_size(first)
        narrowed = (filter or OrderFilter()).wanted(context_of(info).settings.timezone)
        query = await order_lists.orders_for(actor, narrowed)
        page_query = _after_cursor(query, order_by, after) if after else query
        nodes = Selection.of(info).nodes()
        wanted = ORDER_NEEDS.wanted(nodes).plus(_sort_column(order_by))
        ordered = page_query.order_by(*SORT_KEYS[order_by])
        rows = await rows_of(ordered, wanted.columns, limit=size + 1)
        has_next = len(rows) > size
        rows = rows[:size]
        types = await orders_of(actor, rows, nodes, wanted, partial(viewer_reach, info))
        cursors = [_cursor_of(row, order_by) for row in rows]
        return Connection(
            edges=[Edge(cursor=c, node=t) for c, t in zip(cursors, types, strict=True)],
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            _count=query.count,
            _count_upto=lambda limit: count_upto(query, limit),
        )

    @strawberry.field(description="One order; null when unknown or not the viewer's to see.")
    async def order(self, info: strawberry.Info, id: strawberry.ID) -> OrderType | None:
        pk = decode_id_of(id, "Order")
        if pk is None:
            return None
        found = await visible_orders(
            context_of(info).actor,
            Selection.of(info),
            ids=[pk],
            reach_of_viewer=partial(viewer_reach, info),
        )
        return found[0] if found else None

    @strawberry.field(description="One order by its number (`SH-20261125-0042`).")
    async def order_by_number(self, info: strawberry.Info, number: str) -> OrderType | None:
        found = await visible_orders(
            context_of(info).actor,
            Selection.of(info),
            number=number.strip(),
            reach_of_viewer=partial(viewer_reach, info),
        )
        return found[0] if found else None
