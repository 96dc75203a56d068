"""A request for a new service as its enterprise and the admins see it.

A page of requests is loaded in two statements whatever its size: the requests with their
enterprise, suggested category and drafted item (joined), then the targets of the merged ones
with their items. Names only cross into other domains (no Enterprise or Category object), so
`requests:read` alone reads all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import strawberry

from backend.models.catalog import ItemStatus
from backend.models.service_requests import RequestStatus, ServiceRequest, Urgency
from backend.schema.context import context_of, viewer_reach
from backend.schema.nodes import Node, global_id, register
from backend.services.core.actors import Actor
from backend.services.core.errors import localized
from backend.services.core.reach import Reach, reach_of
from backend.services.service_requests.policies import requests_visible_to
from backend.services.service_requests.states import REQUEST

strawberry.enum(RequestStatus, name="ServiceRequestStatus", description="What came of a request.")
strawberry.enum(Urgency, name="ServiceRequestUrgency", description="How soon it is needed.")

RELATED = ("enterprise", "category", "item")


@strawberry.type(name="ServiceRequestViewerCan", description="What the viewer may do with it now.")
class ViewerCan:
    answer: bool
    decline: bool
    merge: bool
    draft_item: bool


@strawberry.type(
    name="ServiceRequestOutcome",
    description="What the request a merged one follows came to (its enterprise stays unnamed).",
)
class Outcome:
    title: str
    status: RequestStatus
    answer: str
    decline_reason: str
    service_item_id: strawberry.ID | None
    service_item_name: str | None
    service_item_published: bool


def _item_fields(row: ServiceRequest, language: str) -> tuple[Any, str | None, bool]:
    item = row.item if row.item_id is not None else None
    if item is None:
        return None, None, False
    name = localized({"zh": item.name_zh, "en": item.name_en}, language)
    return global_id("ServiceItem", item.id), str(name), item.status is ItemStatus.PUBLISHED


@strawberry.type(
    name="ServiceRequest", description="A service an enterprise asked the park to offer."
)
class ServiceRequestType(Node):
    title: str
    description: str
    reason: str = strawberry.field(description="Why the enterprise needs it.")
    urgency: Urgency
    status: RequestStatus
    answer: str = strawberry.field(description="The park's answer to the enterprise.")
    decline_reason: str
    enterprise_id: strawberry.ID
    enterprise_name: str
    category_id: strawberry.ID | None = strawberry.field(
        description="The category the enterprise thinks fits."
    )
    category_name: str | None
    service_item_id: strawberry.ID | None = strawberry.field(
        description="The item drafted from this request."
    )
    service_item_name: str | None
    service_item_published: bool
    merged_into: Outcome | None = strawberry.field(
        description="For a merged request: what the request it follows came to."
    )
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="For a merged request, admins only: the request it was merged into."
    )
    created_at: datetime
    decided_at: datetime | None
    version: int
    viewer_can: ViewerCan


@dataclass(frozen=True)
class Loaded:
    rows: list[ServiceRequest]
    targets: dict[int, ServiceRequest]


async def load(rows: list[ServiceRequest]) -> Loaded:
    """The merged requests' targets for `rows` (fetched with `RELATED`): one statement."""
    wanted = {r.merged_into_id for r in rows if r.merged_into_id is not None}
    targets = (
        {t.id: t for t in await ServiceRequest.filter(id__in=wanted).select_related("item")}
        if wanted
        else {}
    )
    return Loaded(rows, targets)


def as_type(row: ServiceRequest, loaded: Loaded, actor: Actor, reach: Reach) -> ServiceRequestType:
    language = actor.language
    item_id, item_name, published = _item_fields(row, language)
    category = row.category if row.category_id is not None else None
    merged_into = None
    target = loaded.targets.get(row.merged_into_id) if row.merged_into_id else None
    if target is not None:
        t_id, t_name, t_published = _item_fields(target, language)
        merged_into = Outcome(
            title=target.title, status=target.status, answer=target.answer,
            decline_reason=target.decline_reason, service_item_id=t_id,
            service_item_name=t_name, service_item_published=t_published,
        )  # fmt: skip
    admin = REQUEST["ANSWER"].who(actor, row, reach)
    return ServiceRequestType(
        id=global_id("ServiceRequest", row.id),
        title=row.title,
        description=row.description,
        reason=row.reason,
        urgency=row.urgency,
        status=row.status,
        answer=row.answer,
        decline_reason=row.decline_reason,
        enterprise_id=global_id("Enterprise", row.enterprise_id),
        enterprise_name=row.enterprise.name,
        category_id=global_id("Category", category.id) if category else None,
        category_name=(
            str(localized({"zh": category.name_zh, "en": category.name_en}, language))
            if category
            else None
        ),
        service_item_id=item_id,
        service_item_name=item_name,
        service_item_published=published,
        merged_into=merged_into,
        merged_into_id=(
            global_id("ServiceRequest", row.merged_into_id)
            if admin and row.merged_into_id
            else None
        ),
        created_at=row.created_at,
        decided_at=row.decided_at,
        version=row.version,
        viewer_can=ViewerCan(
            answer=REQUEST.may(actor, row, "ANSWER", reach),
            decline=REQUEST.may(actor, row, "DECLINE", reach),
            merge=REQUEST.may(actor, row, "MERGE", reach),
            draft_item=REQUEST.may(actor, row, "DRAFT_ITEM", reach),
        ),
    )


async def as_types(info: strawberry.Info, rows: list[ServiceRequest]) -> list[ServiceRequestType]:
    actor = context_of(info).actor
    reach = await viewer_reach(info)
    loaded = await load(rows)
    return [as_type(row, loaded, actor, reach) for row in rows]


async def by_ids(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await requests_visible_to(actor).filter(id__in=list(pks)).select_related(*RELATED)
    if not rows:
        return {}
    reach = await reach_of(actor)
    loaded = await load(rows)
    return {row.id: as_type(row, loaded, actor, reach) for row in rows}


register("ServiceRequest", by_ids, "requests:read")
