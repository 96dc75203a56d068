"""The timelines of a page of orders: the events each order's `timeline` asks for, in one statement.

A window numbers each order's events (from the `after` cursor on), so only the first N + 1 of
each come back (N asked, one more for `hasNextPage`), with the actor's name alone (users joined
for `name`, only when `actor` is selected; none for the system's steps) and the order's event
count only when `totalCount` is. Who reads what is the services' table (`orders/readers.py`),
applied here and nowhere else: the kinds the viewer may not see are left out in the statement,
before the window numbers and counts the rest (so pages and counts are the viewer's own), and
a note the viewer may not read is empty (`event_as_type`). Standard SQL: the same statement on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.models.accounts import User as UserModel
from backend.models.events import Event as EventModel
from backend.schema.loading import FieldNeeds, Needs, NoFollowUp, Parameters, Selection
from backend.schema.nodes import global_id
from backend.schema.orders.refs import user_ref
from backend.schema.orders.types import OrderEvent, status_of
from backend.schema.relay import BadRequest, decode_cursor, page_size
from backend.services.core.actors import Actor
from backend.services.orders import readers

# The columns of `events` each field of `OrderEvent` reads; `actor__name` joins users.
EVENT_NEEDS: FieldNeeds[NoFollowUp] = FieldNeeds(
    always=("id", "aggregate_id", "sequence"),
    fields={
        "id": Needs(),
        "sequence": Needs(),
        "kind": Needs(columns=("kind",)),
        "fromStatus": Needs(columns=("data",)),
        "toStatus": Needs(columns=("data",)),
        # Who reads the words depends on the kind.
        "note": Needs(columns=("kind", "data")),
        "actor": Needs(columns=("actor_id", "actor__name")),
        "at": Needs(columns=("created_at",)),
    },
)
ACTOR_NAME = "actor__name"


@dataclass(frozen=True)
class Timeline:
    events: list[OrderEvent]
    count: int | None  # every event of the order; None when `totalCount` was not asked


@dataclass(frozen=True)
class Ask:
    """What the selection asks of every order's timeline."""

    limit: int | None  # events per order from `after` on; None: all of them
    after: int | None  # a sequence
    columns: tuple[str, ...]
    counted: bool

    @classmethod
    def of(cls, selection: Selection | None) -> Ask:
        """From the order's selection; None (no selection at hand): every event, counted."""
        if selection is None:
            return cls(None, None, EVENT_NEEDS.wanted(None).columns, True)
        below = selection.under("timeline")
        columns = EVENT_NEEDS.wanted(below.nodes()).columns
        counted = below.has("totalCount")
        try:
            asks = [
                (page_size(arguments.get("first")), _sequence(arguments.get("after")))
                for arguments in selection.arguments("timeline")
            ]
        except BadRequest:
            # The timeline's own resolver refuses it, at its place in the answer.
            return cls(None, None, columns, counted)
        afters = {after for _, after in asks}
        if len(afters) != 1:
            # Aliases paging from different places: every event, each alias slices its own.
            return cls(None, None, columns, counted)
        return cls(max(first for first, _ in asks) + 1, afters.pop(), columns, counted)


def _sequence(cursor: Any) -> int | None:
    if not cursor:
        return None
    if not isinstance(cursor, str):
        raise BadRequest("Malformed cursor.", "BAD_CURSOR")
    (sequence,) = decode_cursor(cursor, [int])
    return int(sequence)


def _statement(
    ask: Ask, order_ids: Sequence[int], hidden: Collection[str], parameters: Parameters
) -> str:
    # Names come from the models and EVENT_NEEDS, never from the request; values are parameters.
    events, users = EventModel._meta.db_table, UserModel._meta.db_table
    own = [c for c in ask.columns if c != ACTOR_NAME]
    order = "PARTITION BY e.aggregate_id ORDER BY e.sequence"
    windows = [f"ROW_NUMBER() OVER ({order}) AS place"]
    keep = []
    if ask.after is not None:
        # Numbered from `after` on: the events up to it are 0. The order's first event stays
        # when it carries the count (its resolver drops it again, as it drops any before).
        windows = [
            f"SUM(CASE WHEN e.sequence > {parameters(ask.after)} THEN 1 ELSE 0 END) "
            f"OVER ({order} ROWS UNBOUNDED PRECEDING) AS place",
            f"ROW_NUMBER() OVER ({order}) AS nth",
        ]
        keep.append("(t.place > 0 OR t.nth = 1)" if ask.counted else "t.place > 0")
    if ask.counted:
        windows.append("COUNT(*) OVER (PARTITION BY e.aggregate_id) AS total")
    selected = ", ".join([*(f"e.{c}" for c in own), *windows])
    # In text order: `?` placeholders are positional.
    of_orders = f"e.aggregate_type = {parameters('order')} AND "
    of_orders += parameters.any_of("e.aggregate_id", order_ids)
    if hidden:
        of_orders += " AND " + parameters.none_of("e.kind", sorted(hidden))
    inner = f"SELECT {selected} FROM {events} e WHERE {of_orders}"  # noqa: S608
    outer = [f"t.{c}" for c in own] + (["t.total"] if ask.counted else [])
    join = ""
    if ACTOR_NAME in ask.columns:
        outer.append(f"u.name AS {ACTOR_NAME}")
        join = f" LEFT JOIN {users} u ON u.id = t.actor_id"
    if ask.limit is not None:
        keep.append(f"t.place <= {parameters(ask.limit)}")
    where = f" WHERE {' AND '.join(keep)}" if keep else ""
    ordered = " ORDER BY t.aggregate_id, t.sequence"
    return f"SELECT {', '.join(outer)} FROM ({inner}) t{join}{where}{ordered}"  # noqa: S608


def event_as_type(row: Mapping[str, Any], viewer: Actor) -> OrderEvent:
    """An event the statement kept for `viewer` (one of a kind they see), its note empty unless
    its kind lets them read it."""
    fields = EventModel._meta.fields_map
    data: Mapping[str, Any] = fields["data"].to_python_value(row["data"]) if "data" in row else {}
    actor_id = row.get("actor_id")
    # None for a column that was not loaded: its field was not selected.
    kind: Any = row.get("kind")
    at: Any = row.get("created_at")
    if at is not None:
        at = fields["created_at"].to_python_value(at)
    return OrderEvent(
        id=global_id("OrderEvent", row["id"]),
        sequence=row["sequence"],
        kind=kind,
        from_status=status_of(data.get("from")),
        to_status=status_of(data.get("to", data.get("status"))),
        actor=user_ref(actor_id, row[ACTOR_NAME]) if actor_id is not None else None,
        note=str(data.get("note") or "") if readers.reads_note(viewer, kind) else "",
        at=at,
    )


async def load_timelines(
    actor: Actor, order_ids: Sequence[int], selection: Selection | None
) -> dict[int, Timeline]:
    """The timelines of `order_ids` (visible to `actor`) as the orders' `selection` asks for
    them and `actor` may read them, in one statement."""
    ask = Ask.of(selection)
    connection = EventModel._meta.db
    parameters = Parameters(connection)
    statement = _statement(ask, order_ids, readers.kinds_hidden_from(actor), parameters)
    rows = await connection.execute_query_dict(statement, parameters.values)
    events: dict[int, list[OrderEvent]] = defaultdict(list)
    counts: dict[int, int] = {}
    for row in rows:
        order_id = int(row["aggregate_id"])
        events[order_id].append(event_as_type(row, actor))
        if ask.counted:
            counts[order_id] = int(row["total"])
    return {
        order_id: Timeline(
            events.get(order_id, []), counts.get(order_id, 0) if ask.counted else None
        )
        for order_id in order_ids
    }
