"""The order list by hand: Starlette + asyncpg, the same answer as the app's GraphQL.

    SERVICEHALL_DATABASE_URL=postgres://…/bench_park_100k \\
        .venv/bin/python -m uvicorn bench.handwritten:app --port 8101

It serves `POST /graphql` for the document in `bench/order_list.py` only (with or without
`totalCount`), doing what the app does for it and nothing else:
- the session: the `sh_session` cookie's SHA-256 names a `sessions` row; expired, unknown or an
  inactive user means signed out; `last_seen_at` is refreshed at most every 5 minutes (as
  `backend/services/accounts/sessions.py`);
- who sees what: supervisors, admins and auditors every order; a handler the orders assigned to
  them and the unassigned ones of their teams; anyone the orders of their enterprises
  (`backend/services/orders/policies.py`, `orders_visible_to`);
- the page newest first with keyset cursors, texts in the reader's language, the first 3 events
  of each order with the actor's name.

Three statements a request on one pooled connection: the session with its user and roles, the
page (one join), the events (a lateral join over the page's ids); a fourth for the count when asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The app's connection class: no reset query on check-in (this server holds no session state
# across checkouts either), and benchmarks can count its statements at the driver.
from backend.db import PooledConnection
from bench.order_list import (
    ORDER_LIST_QUERY,
    ORDER_LIST_WITH_COUNT_QUERY,
    PAGE_SIZE,
    TIMELINE_SIZE,
)

SESSION_COOKIE = "sh_session"
TOUCH_EVERY = timedelta(minutes=5)
SEES_EVERY_ORDER = {"SUPERVISOR", "ADMIN", "AUDITOR"}


SESSION_SQL = """
SELECT u.id, u.name, u.language, u.is_active, s.expires_at, s.last_seen_at,
       ARRAY(SELECT r.role FROM user_roles r WHERE r.user_id = u.id) AS roles
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = $1
"""

PAGE_SQL = """
SELECT o.id, o.number, o.status, o.created_at, o.due_at,
       i.id AS item_id, i.name_zh AS item_zh, i.name_en AS item_en,
       c.id AS category_id, c.name_zh AS category_zh, c.name_en AS category_en,
       e.id AS enterprise_id, e.name AS enterprise_name,
       ap.id AS applicant_id, ap.name AS applicant_name,
       asg.id AS assignee_id, asg.name AS assignee_name,
       t.id AS team_id, t.name AS team_name
FROM orders o
JOIN service_items i ON i.id = o.item_id
JOIN categories c ON c.id = i.category_id
JOIN enterprises e ON e.id = o.enterprise_id
JOIN users ap ON ap.id = o.applicant_id
LEFT JOIN users asg ON asg.id = o.assignee_id
LEFT JOIN teams t ON t.id = o.team_id
WHERE {visible}
ORDER BY o.created_at DESC, o.id DESC
LIMIT $1
"""

COUNT_SQL = "SELECT count(*) FROM orders o WHERE {visible}"

# Every order's own enterprises, plus a handler's queue: the rule of `orders_visible_to`.
OWN_ENTERPRISES = "o.enterprise_id IN (SELECT enterprise_id FROM memberships WHERE user_id = $2)"
HANDLER_QUEUE = (
    "o.assignee_id = $2 OR (o.status = 'PENDING_ASSIGNMENT' AND o.team_id IN "
    "(SELECT team_id FROM team_members WHERE user_id = $2 AND kind = 'HANDLER'))"
)

EVENTS_SQL = """
SELECT page.id AS order_id, ev.kind, ev.created_at, u.name AS actor_name
FROM unnest($1::bigint[]) WITH ORDINALITY AS page(id, position)
CROSS JOIN LATERAL (
    SELECT e.kind, e.created_at, e.actor_id, e.sequence FROM events e
    WHERE e.aggregate_type = 'order' AND e.aggregate_id = page.id
    ORDER BY e.sequence LIMIT $2
) ev
LEFT JOIN users u ON u.id = ev.actor_id
ORDER BY page.position, ev.sequence
"""


def global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def in_language(language: str, zh: str, en: str) -> str:
    return en if language == "en" and en else zh


def normalise(language: str) -> str:
    return "en" if language.lower().startswith("en") else "zh-CN"


async def viewer(conn: asyncpg.Connection, secret: str) -> asyncpg.Record | None:
    if not secret or len(secret) > 100:
        return None
    key = hashlib.sha256(secret.encode()).hexdigest()
    row = await conn.fetchrow(SESSION_SQL, key)
    if row is None:
        return None
    now = datetime.now(UTC)
    if row["expires_at"] <= now:
        await conn.execute("DELETE FROM sessions WHERE id = $1", key)
        return None
    if not row["is_active"]:
        return None
    if now - row["last_seen_at"] > TOUCH_EVERY:
        await conn.execute("UPDATE sessions SET last_seen_at = $2 WHERE id = $1", key, now)
    return row


def visibility(user: asyncpg.Record | None) -> tuple[str, list[Any]]:
    if user is None:
        return "FALSE", []
    roles = set(user["roles"])
    if roles & SEES_EVERY_ORDER:
        return "TRUE", []
    rule = OWN_ENTERPRISES
    if "HANDLER" in roles:
        rule = f"{OWN_ENTERPRISES} OR {HANDLER_QUEUE}"
    return f"({rule})", [user["id"]]


def ref(type_name: str, pk: int | None, name: str | None) -> dict[str, Any] | None:
    return None if pk is None else {"id": global_id(type_name, pk), "name": name}


async def order_list(request: Request) -> Response:
    body = json.loads(await request.body())
    query = body.get("query")
    variables = body.get("variables") or {}
    if query not in (ORDER_LIST_QUERY, ORDER_LIST_WITH_COUNT_QUERY) or variables.get("filter"):
        return JSONResponse({"errors": [{"message": "Only the bench's order list."}]}, 400)
    first = int(variables.get("first", PAGE_SIZE))
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        user = await viewer(conn, request.cookies.get(SESSION_COOKIE, ""))
        language = normalise(request.cookies.get("sh_lang") or (user["language"] if user else ""))
        visible, arguments = visibility(user)
        rows = await conn.fetch(PAGE_SQL.format(visible=visible), first + 1, *arguments)
        has_next = len(rows) > first
        rows = rows[:first]
        timelines: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        if rows:
            for event in await conn.fetch(EVENTS_SQL, [row["id"] for row in rows], TIMELINE_SIZE):
                actor = event["actor_name"]
                timelines[event["order_id"]].append(
                    {
                        "node": {
                            "kind": event["kind"],
                            "at": event["created_at"].isoformat(),
                            "actor": None if actor is None else {"name": actor},
                        }
                    }
                )
        total = None
        if query == ORDER_LIST_WITH_COUNT_QUERY:
            # The count has no page size before the viewer's id: its only parameter is $1.
            count_sql = COUNT_SQL.format(visible=visible.replace("$2", "$1"))
            total = await conn.fetchval(count_sql, *arguments)
    edges = []
    for row in rows:
        edges.append(
            {
                "cursor": cursor([row["created_at"].isoformat(), row["id"]]),
                "node": {
                    "id": global_id("Order", row["id"]),
                    "number": row["number"],
                    "status": row["status"],
                    "createdAt": row["created_at"].isoformat(),
                    "dueAt": row["due_at"].isoformat(),
                    "serviceItem": {
                        "id": global_id("ServiceItem", row["item_id"]),
                        "name": in_language(language, row["item_zh"], row["item_en"]),
                        "categoryId": global_id("Category", row["category_id"]),
                        "categoryName": in_language(
                            language, row["category_zh"], row["category_en"]
                        ),
                    },
                    "enterprise": ref("Enterprise", row["enterprise_id"], row["enterprise_name"]),
                    "applicant": ref("User", row["applicant_id"], row["applicant_name"]),
                    "assignee": ref("User", row["assignee_id"], row["assignee_name"]),
                    "team": ref("Team", row["team_id"], row["team_name"]),
                    "timeline": {"edges": timelines[row["id"]]},
                },
            }
        )
    orders: dict[str, Any] = {}
    if total is not None:
        orders["totalCount"] = total
    orders["pageInfo"] = {
        "hasNextPage": has_next,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    orders["edges"] = edges
    return JSONResponse({"data": {"orders": orders}})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ["SERVICEHALL_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    # The app's Tortoise pool holds at most 5 connections; so does this one.
    async with asyncpg.create_pool(
        url, min_size=1, max_size=5, connection_class=PooledConnection
    ) as pool:
        app.state.pool = pool
        yield


app = Starlette(routes=[Route("/graphql", order_list, methods=["POST"])], lifespan=lifespan)
