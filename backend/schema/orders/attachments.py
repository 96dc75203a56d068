"""The files on the things of a page of orders, in one statement: on notes, messages, answers
and results. Each file hangs on one thing (`OrderAttachment.attached_to`); whoever is shown
the thing may download its files (the download route asks `services/orders/attachments.py`,
which says the same)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from tortoise.expressions import Q

from backend.models.orders import AttachedTo, OrderAttachment
from backend.schema.enterprises.files import FileType


@dataclass(frozen=True)
class Files:
    """Files by what they hang on, each list in the order they were given."""

    by_thing: dict[tuple[AttachedTo, int], list[FileType]] = field(default_factory=dict)

    def on(self, attached_to: AttachedTo, pk: int) -> list[FileType]:
        return self.by_thing.get((attached_to, pk), [])


def _thing(attachment: OrderAttachment) -> int | None:
    return {
        AttachedTo.UPDATE: attachment.order_update_id,
        AttachedTo.MESSAGE: attachment.message_id,
        AttachedTo.ANSWER: attachment.request_id,
        AttachedTo.RESULT: attachment.order_id,
    }[attachment.attached_to]


async def files_on(
    *,
    updates: Collection[int] = (),
    messages: Collection[int] = (),
    requests: Collection[int] = (),
    results: Collection[int] = (),
) -> Files:
    """The files of the updates, messages and information requests named, and the result
    documents of the orders named in `results`; no statement when nothing is named."""
    wanted = [
        Q(order_update_id__in=list(updates)) if updates else None,
        Q(message_id__in=list(messages)) if messages else None,
        Q(request_id__in=list(requests)) if requests else None,
        Q(order_id__in=list(results), attached_to=AttachedTo.RESULT) if results else None,
    ]
    conditions = [q for q in wanted if q is not None]
    if not conditions:
        return Files()
    found = OrderAttachment.filter(Q(*conditions, join_type="OR")).select_related("file")
    grouped: dict[tuple[AttachedTo, int], list[OrderAttachment]] = defaultdict(list)
    for a in await found:
        pk = _thing(a)
        if pk is not None:
            grouped[(a.attached_to, pk)].append(a)
    return Files(
        {
            key: [
                FileType.of(a.file, downloadable=True)
                for a in sorted(rows, key=lambda a: (a.position, a.id))
            ]
            for key, rows in grouped.items()
        }
    )
