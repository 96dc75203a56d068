"""What an order shows of its notes and its conversation: progress and internal notes, the
messages, and how far each side has read. Loaded for a whole page by `conversation_loading.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import strawberry

from backend.models.orders import ConversationSide, OrderUpdateKind
from backend.schema.enterprises.files import FileType
from backend.schema.orders.refs import NamedRef

strawberry.enum(
    OrderUpdateKind,
    name="OrderUpdateKind",
    description="PROGRESS: the applicant reads it; INTERNAL: only park staff who see the order.",
)
strawberry.enum(
    ConversationSide,
    name="ConversationSide",
    description="Who speaks in an order's conversation: the applicant's enterprise, or the "
    "order's handler.",
)


@strawberry.type(name="OrderUpdate", description="Processing information on an order.")
class OrderUpdateType:
    id: strawberry.ID
    kind: OrderUpdateKind
    body: str
    author: NamedRef | None
    attachments: list[FileType]
    posted_at: datetime
    _pk: strawberry.Private[int]


@strawberry.type(name="OrderMessage", description="A message of an order's conversation.")
class OrderMessageType:
    id: strawberry.ID
    sequence: int = strawberry.field(description="1, 2, 3, ... per order, in the order sent.")
    side: ConversationSide
    author: NamedRef | None
    body: str
    attachments: list[FileType]
    sent_at: datetime
    read_by_other_side: bool = strawberry.field(
        description="Someone of the other side has read up to this message."
    )


@strawberry.type(
    name="OrderReadMark", description="How far one side of an order's conversation has read."
)
class OrderReadMarkType:
    side: ConversationSide
    last_read_sequence: int = strawberry.field(description="0 when nothing was read yet.")
    read_by: NamedRef | None
    read_at: datetime | None


@dataclass(frozen=True)
class Conversation:
    messages: list[OrderMessageType]
    read_marks: list[OrderReadMarkType]
