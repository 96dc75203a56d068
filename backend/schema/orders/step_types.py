"""What an order shows of the handler's and the applicant's steps (`services/orders/steps.py`):
its pauses, the questions asked of the applicant with their answers, and the result. Loaded for
a whole page by `step_loading.py`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.schema.enterprises.files import FileType
from backend.schema.orders.refs import NamedRef
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


def pauses_of(limit: TimeLimit) -> list[OrderPauseType]:
    return [
        OrderPauseType(started_at=p.started_at, ended_at=p.ended_at, working_days=p.working_days)
        for p in limit.pauses
    ]
