"""Who is told of what happens on an order: in-app notices (and mail, for those who chose it),
each linking to the order's page (`notifications.links`), written in the transaction of the step.

- the applicant's enterprise (every active member: any of them may answer, supply or write) of
  the handler starting work, a question, a progress note (never an internal one), a message,
  the completion with its result, a cancellation, an owed material accepted or returned, and
  an owed material's coming deadline;
- the assignee of an answer, a message, an owed material supplied, a cancellation; a
  supervisor's reassignment tells the new handler and the one it was taken from
  (`assignment.py`);
- the assignee and the team's supervisors (`parties.supervisors_of_team`) of an order falling
  due soon or overdue, the supervisors of an owed material past its deadline (`timers.py`).

Nobody is told of what they did themselves. Messages do not flood an inbox: while a reader has
an unread "new messages on order X", further messages on X add no notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.notifications import notifications
from backend.services.notifications.links import link_for
from backend.services.orders import parties

# A completion's result and a note are quoted in the notice up to this many characters.
QUOTED = 200


def quoted(text: str) -> str:
    cleaned = " ".join(text.split())
    return cleaned if len(cleaned) <= QUOTED else cleaned[: QUOTED - 1] + "…"


async def tell(
    conn: BaseDBAsyncClient,
    actor: Actor | None,
    user_ids: Iterable[int | None],
    kind: str,
    params: dict[str, Any],
    *,
    key: str | None = None,
    while_unread: bool = False,
) -> list[int]:
    """Notifies each of `user_ids` once, except the actor; who was told."""
    told: list[int] = []
    for user_id in dict.fromkeys(u for u in user_ids if u is not None):
        if actor is not None and user_id == actor.user_id:
            continue
        await notifications.notify(
            user_id, kind, params, using_db=conn, key=key, while_unread=while_unread
        )
        told.append(user_id)
    return told


async def tell_enterprise(
    conn: BaseDBAsyncClient,
    actor: Actor | None,
    order: Order,
    kind: str,
    params: dict[str, Any] | None = None,
    **options: Any,
) -> list[int]:
    people = await parties.enterprise_people(conn, order.enterprise_id)
    told = {"number": order.number, **(params or {})}
    return await tell(conn, actor, people, kind, told, **options)


async def tell_assignee(
    conn: BaseDBAsyncClient,
    actor: Actor | None,
    order: Order,
    kind: str,
    params: dict[str, Any] | None = None,
    **options: Any,
) -> list[int]:
    told = {"number": order.number, **(params or {})}
    return await tell(conn, actor, [order.assignee_id], kind, told, **options)


async def tell_watchers(
    conn: BaseDBAsyncClient, order: Order, kind: str, params: dict[str, Any], *, key: str
) -> list[int]:
    """The assignee and the team's supervisors (a timer's warning: nobody acted)."""
    people = [order.assignee_id, *await parties.supervisors_of_team(conn, order.team_id)]
    return await tell(conn, None, people, kind, {"number": order.number, **params}, key=key)


async def tell_message(
    conn: BaseDBAsyncClient, actor: Actor, order: Order, from_enterprise: bool
) -> list[int]:
    """A message from one side tells the other, once while unread."""
    if from_enterprise:
        return await tell_assignee(conn, actor, order, "ORDER_MESSAGE", while_unread=True)
    return await tell_enterprise(conn, actor, order, "ORDER_MESSAGE", while_unread=True)


async def messages_read(conn: BaseDBAsyncClient, user_id: int, order: Order) -> None:
    """The reader has read the order's conversation to the end: their unread "new messages"
    notice for it is read too (the next message writes a fresh one)."""
    await notifications.mark_read_by_link(
        conn, user_id, "ORDER_MESSAGE", link_for("ORDER_MESSAGE", {"number": order.number})
    )
