"""Telling enterprises what came of their requests, and the catalog's publish hook.

An enterprise is told through every member's inbox. A request's followers are its own
enterprise and the enterprises of the requests merged into it (`merge` keeps that one level
deep). Each notice has a key, so a step repeated (an item published again after an edit) tells
nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.enterprises import Membership
from backend.models.service_requests import RequestStatus, ServiceRequest
from backend.services.core.actors import Actor
from backend.services.notifications import notifications
from backend.services.service_requests.states import REQUEST


async def enterprises(
    conn: BaseDBAsyncClient,
    enterprise_ids: Iterable[int],
    kind: str,
    params: dict[str, Any],
    *,
    key: str,
) -> None:
    """Tells every member of the enterprises (once per person and `key`)."""
    members = (
        await Membership.filter(enterprise_id__in=list(set(enterprise_ids)))
        .using_db(conn)
        .values_list("user_id", flat=True)
    )
    for user_id in sorted({int(str(u)) for u in members}):
        await notifications.notify(user_id, kind, params, using_db=conn, key=key)


async def _followers(conn: BaseDBAsyncClient, request_ids: list[int]) -> list[int]:
    """The enterprises that asked: of the requests, and of those merged into them."""
    own = (
        await ServiceRequest.filter(id__in=request_ids)
        .using_db(conn)
        .values_list("enterprise_id", flat=True)
    )
    merged = (
        await ServiceRequest.filter(merged_into_id__in=request_ids)
        .using_db(conn)
        .values_list("enterprise_id", flat=True)
    )
    return [int(str(e)) for e in (*own, *merged)]


async def followers(conn: BaseDBAsyncClient, request: ServiceRequest, kind: str) -> None:
    """Tells the request's followers of its new state (answered, declined)."""
    params = {"title": request.title}
    key = f"request:{request.id}:{kind}:{request.version}"
    await enterprises(conn, await _followers(conn, [request.id]), kind, params, key=key)


async def item_published(
    conn: BaseDBAsyncClient, actor: Actor, item_id: int, names: dict[str, str]
) -> None:
    """Called by `catalog.publish_item` inside its transaction: fulfils the requests the item
    was drafted from and tells every enterprise that asked (merged requests' included).
    Nothing happens for an item no request led to (one indexed query)."""
    drafted = await ServiceRequest.filter(item_id=item_id).using_db(conn)
    if not drafted:
        return
    for row in drafted:
        if row.status is RequestStatus.ITEM_DRAFTED:
            await REQUEST.apply(
                conn, actor, row, "FULFIL", expected_version=row.version, consequence=True
            )
    asked = await _followers(conn, [row.id for row in drafted])
    params = {"item": names, "serviceItemId": item_id}
    await enterprises(
        conn, asked, "REQUESTED_SERVICE_PUBLISHED", params, key=f"requested-item:{item_id}"
    )
