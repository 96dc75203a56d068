"""What a page of orders shows of its steps, for the whole page: the pauses and the calendar
around them (for `pauses` and `remainingWorkingDays`, two statements), the questions asked of the
applicant with the people's names joined (one), and the files of the answers and the result's
documents (one, only when `files` or `documents` is asked)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.models.orders import AttachedTo, OrderInformationRequest
from backend.schema.loading import Selection
from backend.schema.orders.attachments import Files, files_on
from backend.schema.orders.refs import person_of
from backend.schema.orders.step_types import OrderInformationRequestType
from backend.services.orders.policies import OrderRow
from backend.services.orders.time_limits import TimeLimits, load_time_limits

Row = Mapping[str, Any]

REQUEST_COLUMNS = (
    "id", "order_id", "question", "file_types", "asked_at", "asked_by_id", "asked_by__name",
    "answer", "answered_at", "answered_by_id", "answered_by__name",
)  # fmt: skip


@dataclass(frozen=True)
class Steps:
    """The steps' parts of a page of orders (those asked for)."""

    time_limits: TimeLimits | None = None
    requests: dict[int, list[OrderInformationRequestType]] = field(default_factory=dict)
    result_files: Files = field(default_factory=Files)


def _request(row: Row, files: Files) -> OrderInformationRequestType:
    return OrderInformationRequestType(
        question=row["question"],
        file_types=list(row["file_types"] or []),
        asked_at=row["asked_at"],
        asked_by=person_of(row, "asked_by"),
        answer=row["answer"],
        answered_at=row["answered_at"],
        answered_by=person_of(row, "answered_by"),
        files=files.on(AttachedTo.ANSWER, row["id"]),
    )


async def load_steps(
    rows: Sequence[Row],
    selection: Selection | None,
    *,
    now: datetime,
    time_limits: bool,
    requests: bool,
    results: Collection[int],
) -> Steps:
    """The parts named for `rows` (orders visible to the viewer; with `OrderRow.COLUMNS` for
    `time_limits`), `results` the completed ones whose result is shown, as the orders'
    `selection` asks (None: everything); the pauses under way counted up to `now`."""
    ids = [row["id"] for row in rows]
    limits = None
    if time_limits:
        limits = await load_time_limits([OrderRow.of(r) for r in rows], now=now)
    request_rows: list[Row] = []
    if requests:
        query = OrderInformationRequest.filter(order_id__in=ids)
        request_rows = list(
            await query.order_by("order_id", "asked_at", "id").values(*REQUEST_COLUMNS)
        )

    def asks(path: str, name: str) -> bool:
        return selection is None or selection.under(path).has(name)

    files = await files_on(
        requests=[r["id"] for r in request_rows] if asks("informationRequests", "files") else (),
        results=results if asks("result", "documents") else (),
    )
    by_order: dict[int, list[OrderInformationRequestType]] = defaultdict(list)
    for row in request_rows:
        by_order[row["order_id"]].append(_request(row, files))
    return Steps(
        time_limits=limits,
        requests={pk: by_order.get(pk, []) for pk in ids} if requests else {},
        result_files=files,
    )
