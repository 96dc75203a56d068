"""What an order shows of the handler's and the applicant's steps (`services/orders/steps.py`):
its pauses and remaining working days, the questions asked of the applicant with their answers,
and the result.

Each is loaded through a per-request DataLoader keyed by the order's primary key, so a page of
orders asking for them costs a fixed number of queries (three for the time limits, three for
the questions, their answers' files and the result) whatever its size. The loaders read the
orders' rows again by pk rather than take the list's, so they do not depend on what columns
the list loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader

from backend.models.orders import (
    AttachedTo,
    OrderAttachment,
    OrderInformationRequest,
    OrderStatus,
)
from backend.models.orders import Order as OrderModel
from backend.schema.context import context_of
from backend.schema.enterprises.files import FileType
from backend.schema.orders.refs import NamedRef
from backend.schema.orders.row_loaders import person
from backend.services.orders import time_limits
from backend.services.orders.time_limits import TimeLimit


@strawberry.type(
    name="OrderPause", description="A stretch of time the order waited on the applicant."
)
class OrderPauseType:
    started_at: datetime
    ended_at: datetime | None = strawberry.field(description="Null while the order still waits.")
    working_days: int = strawberry.field(
        description="Working days the due date moved by: one for each working day at whose "
        "end the order was still waiting (so far, while it waits)."
    )


@strawberry.type(
    name="OrderInformationRequest",
    description="The handler's question to the applicant and the enterprise's answer.",
)
class OrderInformationRequestType:
    question: str
    file_types: list[str] = strawberry.field(
        description="MIME types of the files wanted; empty when words are enough."
    )
    asked_at: datetime
    asked_by: NamedRef | None
    answer: str = strawberry.field(description="Empty until answered (or answered with files).")
    answered_at: datetime | None
    answered_by: NamedRef | None
    files: list[FileType]


@strawberry.type(name="OrderResult", description="What the handler delivered.")
class OrderResultType:
    text: str
    documents: list[FileType]


@dataclass
class Records:
    """An order's questions, and its result once completed, as loaded."""

    requests: list[OrderInformationRequestType] = field(default_factory=list)
    result: OrderResultType | None = None


async def _load_limits(timezone: str, pks: Sequence[int]) -> list[TimeLimit | None]:
    rows = await OrderModel.filter(id__in=list(pks))
    limits = await time_limits.time_limits(rows, timezone)
    return [limits.get(pk) for pk in pks]


async def _load_records(pks: Sequence[int]) -> list[Records]:
    rows = await OrderModel.filter(id__in=list(pks)).values_list("id", "status", "result")
    requests = (
        await OrderInformationRequest.filter(order_id__in=list(pks))
        .select_related("asked_by", "answered_by")
        .order_by("order_id", "asked_at", "id")
    )
    files = (
        await OrderAttachment.filter(
            order_id__in=list(pks), attached_to__in=[AttachedTo.ANSWER, AttachedTo.RESULT]
        )
        .select_related("file")
        .order_by("order_id", "position", "id")
    )
    # Whoever sees the order may download an answer's files and the result's documents
    # (orders.attachments.order_files_visible_to says the same).
    by_request: dict[int, list[FileType]] = defaultdict(list)
    records: dict[int, Records] = {pk: Records() for pk in pks}
    for pk, status, text in rows:
        if status == OrderStatus.COMPLETED:
            records[int(str(pk))].result = OrderResultType(text=str(text), documents=[])
    for attached in files:
        shown = FileType.of(attached.file, downloadable=True)
        result = records[attached.order_id].result
        if attached.attached_to is AttachedTo.RESULT and result is not None:
            result.documents.append(shown)
        elif attached.request_id is not None:
            by_request[attached.request_id].append(shown)
    for request in requests:
        records[request.order_id].requests.append(
            OrderInformationRequestType(
                question=request.question,
                file_types=list(request.file_types),
                asked_at=request.asked_at,
                asked_by=person(request.asked_by),
                answer=request.answer,
                answered_at=request.answered_at,
                answered_by=person(request.answered_by),
                files=by_request[request.id],
            )
        )
    return [records[pk] for pk in pks]


def time_limit_loader(info: strawberry.Info) -> DataLoader[int, TimeLimit | None]:
    context = context_of(info)
    loader: DataLoader[int, TimeLimit | None] | None = context.loaders.get("orders.time_limit")
    if loader is None:
        timezone = context.settings.timezone

        async def load(pks: list[int]) -> list[TimeLimit | None]:
            return await _load_limits(timezone, pks)

        loader = context.loaders["orders.time_limit"] = DataLoader(load_fn=load)
    return loader


def records_loader(info: strawberry.Info) -> DataLoader[int, Records]:
    context = context_of(info)
    loader: DataLoader[int, Records] | None = context.loaders.get("orders.records")
    if loader is None:
        loader = context.loaders["orders.records"] = DataLoader(load_fn=_load_records)
    return loader


def pauses_of(limit: TimeLimit | None) -> list[OrderPauseType]:
    if limit is None:
        return []
    return [
        OrderPauseType(started_at=p.started_at, ended_at=p.ended_at, working_days=p.working_days)
        for p in limit.pauses
    ]
