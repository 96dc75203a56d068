"""What a committed transaction tells the broker.

Just before a transaction commits (`core.transactions.before_commit`), its events are
described on its own connection: each order's and application's row as the transaction leaves
it (one query per kind of aggregate, whatever the number of events), and the access changes
its events mean (a member leaving, a role taken away, a token revoked). The description is
handed to the broker once the commit succeeded (`on_commit`); a rolled-back transaction
publishes nothing. Inbox notices and ended sessions are told the same way, after their commit.

Nothing is read when this process runs no broker (a script, the seed, a service test).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.applications import Application
from backend.models.evaluations import Evaluation, Rectification
from backend.models.events import Event
from backend.models.orders import Order
from backend.services.core.transactions import before_commit, on_commit
from backend.services.live import broker
from backend.services.live.news import AccessNews, ChangeNews, News, NoticeNews, live_key

log = logging.getLogger("servicehall.live")

ORDER_FACTS = (
    "id", "number", "status", "enterprise_id", "team_id", "assignee_id", "provider_id", "due_at",
    "waiting_since",
)  # fmt: skip
APPLICATION_FACTS = ("id", "number", "status", "enterprise_id", "revision_count", "filed_by_id")
# A review's and a rectification's: the supervisors' work (their page follows it); `number`
# is the order's.
SUPERVISED_FACTS = ("id", "status", "order__number", "order__enterprise_id")
SUPERVISED: dict[str, type[Evaluation] | type[Rectification]] = {
    "evaluation": Evaluation,
    "rectification": Rectification,
}


def _user_in_data(event: Event) -> int | None:
    value = event.data.get("userId")
    return value if isinstance(value, int) else None


def _roles_set(event: Event) -> AccessNews:
    roles = event.data.get("to")
    shown = tuple(str(r) for r in roles) if isinstance(roles, list) else None
    return AccessNews(user_id=event.aggregate_id, roles=shown)


# Events that change who may hear what, and the news each means.
ACCESS: dict[tuple[str, str], Callable[[Event], AccessNews | None]] = {
    ("team", "MEMBER_ADDED"): lambda e: AccessNews(user_id=_user_in_data(e)),
    ("team", "MEMBER_REMOVED"): lambda e: AccessNews(
        user_id=_user_in_data(e), lost_team_id=e.aggregate_id
    ),
    ("enterprise", "ENTERPRISE_REGISTERED"): lambda e: AccessNews(user_id=e.actor_id),
    ("enterprise", "MEMBER_JOINED"): lambda e: AccessNews(user_id=_user_in_data(e)),
    ("enterprise", "MEMBER_REMOVED"): lambda e: AccessNews(
        user_id=_user_in_data(e), lost_enterprise_id=e.aggregate_id
    ),
    ("user", "ROLES_SET"): _roles_set,
    ("user", "PROVIDER_LINKED"): lambda e: AccessNews(
        user_id=e.aggregate_id, lost_provider=e.data.get("previous") is not None
    ),
    # Every other session of the user was ended: each connection of theirs checks its own.
    ("user", "PASSWORD_CHANGED"): lambda e: AccessNews(user_id=e.aggregate_id),
    ("api_token", "TOKEN_REVOKED"): lambda e: AccessNews(
        user_id=e.actor_id, token_id=e.aggregate_id
    ),
}


def _statuses(event: Event) -> tuple[str | None, str | None]:
    data = event.data
    before, after = data.get("from"), data.get("to", data.get("status"))
    return (
        str(before) if before is not None else None,
        str(after) if after is not None else None,
    )


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _at(event: Event) -> str:
    return _utc(event.created_at)


def _change(event: Event, row: dict[str, Any], **facts: Any) -> ChangeNews:
    before, after = _statuses(event)
    return ChangeNews(
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=event.sequence,
        event_id=event.id,
        kind=event.kind,
        at=_at(event),
        number=str(row["number"]),
        status=str(row["status"]),
        from_status=before,
        to_status=after,
        enterprise_id=row["enterprise_id"],
        **facts,
    )


async def describe(conn: BaseDBAsyncClient, events: Sequence[Event]) -> list[News]:
    """The news `events` make, in their order, read on the transaction's connection."""
    order_ids = {e.aggregate_id for e in events if e.aggregate_type == "order"}
    application_ids = {e.aggregate_id for e in events if e.aggregate_type == "application"}
    orders: dict[int, dict[str, Any]] = {}
    if order_ids:
        rows = await Order.filter(id__in=order_ids).using_db(conn).values(*ORDER_FACTS)
        orders = {int(r["id"]): r for r in rows}
    applications: dict[int, dict[str, Any]] = {}
    handled_by: dict[int, int | None] = {}
    if application_ids:
        rows = (
            await Application.filter(id__in=application_ids)
            .using_db(conn)
            .values(*APPLICATION_FACTS)
        )
        applications = {int(r["id"]): r for r in rows}
        held = (
            await Order.filter(application_id__in=application_ids)
            .using_db(conn)
            .values_list("application_id", "assignee_id")
        )
        handled_by = {int(str(a)): (int(str(h)) if h is not None else None) for a, h in held}
    supervised: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, model in SUPERVISED.items():
        ids = {e.aggregate_id for e in events if e.aggregate_type == kind}
        if ids:
            rows = await model.filter(id__in=ids).using_db(conn).values(*SUPERVISED_FACTS)
            supervised |= {(kind, int(r["id"])): r for r in rows}
    news: list[News] = []
    for event in events:
        if event.aggregate_type == "order" and event.aggregate_id in orders:
            row = orders[event.aggregate_id]
            news.append(
                _change(
                    event,
                    row,
                    team_id=row["team_id"],
                    assignee_id=row["assignee_id"],
                    provider_id=row["provider_id"],
                    due_at=_utc(row["due_at"]),
                    waiting_since=_utc(row["waiting_since"]) if row["waiting_since"] else None,
                )
            )
        elif event.aggregate_type == "application" and event.aggregate_id in applications:
            row = applications[event.aggregate_id]
            news.append(
                _change(
                    event,
                    row,
                    assignee_id=handled_by.get(event.aggregate_id),
                    handed_in=row["revision_count"] > 0 or row["filed_by_id"] is not None,
                )
            )
        elif (event.aggregate_type, event.aggregate_id) in supervised:
            row = supervised[(event.aggregate_type, event.aggregate_id)]
            facts = {
                "number": row["order__number"],
                "status": row["status"],
                "enterprise_id": row["order__enterprise_id"],
            }
            news.append(_change(event, facts))
        else:
            meaning = ACCESS.get((event.aggregate_type, event.kind))
            access = meaning(event) if meaning is not None else None
            if access is not None and (access.user_id is not None or access.token_id is not None):
                news.append(access)
    return news


@before_commit
async def _describe_before_commit(conn: BaseDBAsyncClient, events: list[Event]) -> None:
    running = broker.current()
    if running is None or not events:
        return
    try:
        news = await describe(conn, events)
    except Exception:
        # Live news is a courtesy; the change itself must not fail for it.
        log.exception("live: could not describe %d events; none published", len(events))
        return
    if news:
        on_commit(lambda: running.publish(news))


def after_commit(*news: News) -> None:
    """Publishes `news` once the open transaction commits (at once outside one)."""
    if broker.current() is not None and news:
        on_commit(lambda: broker.publish(*news))


def notice_arrived(user_id: int, notification_id: int) -> None:
    after_commit(NoticeNews(user_id=user_id, notification_id=notification_id))


def notices_read(user_id: int) -> None:
    after_commit(NoticeNews(user_id=user_id))


def session_ended(session_id: str) -> None:
    after_commit(AccessNews(session=live_key(session_id)))
