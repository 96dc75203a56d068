"""A request for a new service as its enterprise and the admins see it, and what each of its
fields needs loaded (`REQUEST_NEEDS`).

A list reads its selection one level down and loads plain rows of just the columns the selected
fields declare (`backend/schema/loading.py`), the enterprise's, category's and drafted item's
names joined; a page costs one statement, two when `mergedInto` is asked (the targets of the
page's merged requests, with their items, in one more). Names only cross into other domains (no
Enterprise or Category object), so `requests:read` alone reads all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from tortoise.queryset import QuerySet

from backend.models.catalog import ItemStatus
from backend.models.service_requests import RequestStatus, ServiceRequest, Urgency
from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted, in_language
from backend.schema.nodes import Node, global_id, register, register_selecting
from backend.services.core.actors import Actor
from backend.services.service_requests.policies import can_settle_requests, requests_visible_to
from backend.services.service_requests.states import REQUEST

strawberry.enum(RequestStatus, name="ServiceRequestStatus", description="What came of a request.")
strawberry.enum(Urgency, name="ServiceRequestUrgency", description="How soon it is needed.")

Row = Mapping[str, Any]


class RequestLoad(Enum):
    """What a page of requests may load after its rows."""

    TARGETS = "targets"  # the requests the merged ones follow, with their items


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
    _row: strawberry.Private[Row]

    @strawberry.field(description="What the viewer may do with it now.")
    async def viewer_can(self, info: strawberry.Info) -> ViewerCan:
        actor, reach = context_of(info).actor, await viewer_reach(info)
        # The action table reads the state; an unsaved model carries it (no query).
        row = ServiceRequest(id=self._row["id"], status=self._row["status"])
        return ViewerCan(
            answer=REQUEST.may(actor, row, "ANSWER", reach),
            decline=REQUEST.may(actor, row, "DECLINE", reach),
            merge=REQUEST.may(actor, row, "MERGE", reach),
            draft_item=REQUEST.may(actor, row, "DRAFT_ITEM", reach),
        )


_ITEM = ("item_id", "item__name_zh", "item__name_en", "item__status")

REQUEST_NEEDS: FieldNeeds[RequestLoad] = FieldNeeds(
    # The key (and the cursor's).
    always=("id",),
    fields={
        "id": Needs(),
        "title": Needs(("title",)),
        "description": Needs(("description",)),
        "reason": Needs(("reason",)),
        "urgency": Needs(("urgency",)),
        "status": Needs(("status",)),
        "answer": Needs(("answer",)),
        "declineReason": Needs(("decline_reason",)),
        "enterpriseId": Needs(("enterprise_id",)),
        "enterpriseName": Needs(("enterprise__name",)),
        "categoryId": Needs(("category_id",)),
        "categoryName": Needs(("category_id", "category__name_zh", "category__name_en")),
        "serviceItemId": Needs(("item_id",)),
        "serviceItemName": Needs(_ITEM),
        "serviceItemPublished": Needs(_ITEM),
        "mergedInto": Needs(("merged_into_id",), (RequestLoad.TARGETS,)),
        "mergedIntoId": Needs(("merged_into_id",)),
        "createdAt": Needs(("created_at",)),
        "decidedAt": Needs(("decided_at",)),
        "version": Needs(("version",)),
        "viewerCan": Needs(("status",)),
    },
)

# What a caller that cannot see a selection loads: every field.
EVERY_FIELD = REQUEST_NEEDS.wanted(None)

# A target's columns, for `Outcome` (what the target shows of itself is always the same few).
_TARGET = ("id", "title", "status", "answer", "decline_reason", *_ITEM)


def _item_fields(row: Row, language: str) -> tuple[Any, str | None, bool]:
    item_id = row.get("item_id")
    if item_id is None:
        return None, None, False
    name = in_language(language, row.get("item__name_zh") or "", row.get("item__name_en") or "")
    return global_id("ServiceItem", item_id), name, row.get("item__status") == ItemStatus.PUBLISHED


async def _targets(rows: Sequence[Row], wanted: Wanted[RequestLoad]) -> dict[int, Row]:
    """The requests the page's merged ones follow: one statement, none when not asked."""
    if RequestLoad.TARGETS not in wanted.follow_ups:
        return {}
    ids = {r["merged_into_id"] for r in rows if r.get("merged_into_id") is not None}
    if not ids:
        return {}
    return {t["id"]: t for t in await ServiceRequest.filter(id__in=ids).values(*_TARGET)}


def _outcome(target: Row | None, language: str) -> Outcome | None:
    if target is None:
        return None
    item_id, item_name, published = _item_fields(target, language)
    return Outcome(
        title=target["title"], status=target["status"], answer=target["answer"],
        decline_reason=target["decline_reason"], service_item_id=item_id,
        service_item_name=item_name, service_item_published=published,
    )  # fmt: skip


def _id(type_name: str, pk: int | None) -> Any:
    """A global id of a column that is never null in the table, None where not loaded."""
    return global_id(type_name, pk) if pk is not None else None


def request_of(row: Row, targets: Mapping[int, Row], actor: Actor) -> ServiceRequestType:
    """The type from a plain row; a column the selection did not ask for reads as None (its
    field is not resolved)."""
    language = actor.language
    get: Callable[[str], Any] = row.get
    item_id, item_name, published = _item_fields(row, language)
    category_id, merged_into_id = get("category_id"), get("merged_into_id")
    return ServiceRequestType(
        id=global_id("ServiceRequest", row["id"]),
        title=get("title"),
        description=get("description"),
        reason=get("reason"),
        urgency=get("urgency"),
        status=get("status"),
        answer=get("answer"),
        decline_reason=get("decline_reason"),
        enterprise_id=_id("Enterprise", get("enterprise_id")),
        enterprise_name=get("enterprise__name"),
        category_id=global_id("Category", category_id) if category_id is not None else None,
        category_name=(
            in_language(language, get("category__name_zh"), get("category__name_en") or "")
            if category_id is not None
            else None
        ),
        service_item_id=item_id,
        service_item_name=item_name,
        service_item_published=published,
        merged_into=_outcome(targets.get(merged_into_id) if merged_into_id else None, language),
        merged_into_id=(
            global_id("ServiceRequest", merged_into_id)
            if merged_into_id and can_settle_requests(actor)
            else None
        ),
        created_at=get("created_at"),
        decided_at=get("decided_at"),
        version=get("version"),
        _row=row,
    )


async def requests_of(
    actor: Actor, rows: Sequence[Row], wanted: Wanted[RequestLoad]
) -> list[ServiceRequestType]:
    """The types of a page of plain rows, its follow-ups loaded for the whole page at once."""
    targets = await _targets(rows, wanted)
    return [request_of(row, targets, actor) for row in rows]


async def visible_requests(
    actor: Actor, ids: Sequence[int], selection: Selection | None
) -> list[ServiceRequestType]:
    """The requests `ids` the actor may see, as `selection` asks (None: every field), in the
    order of `ids`."""
    wanted = EVERY_FIELD if selection is None else REQUEST_NEEDS.wanted(selection)
    query: QuerySet[ServiceRequest] = requests_visible_to(actor).filter(id__in=list(ids))
    rows = {r["id"]: r for r in await query.values(*wanted.columns)}
    found = await requests_of(actor, [rows[pk] for pk in ids if pk in rows], wanted)
    return found


async def _load_nodes(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    return {r._row["id"]: r for r in await visible_requests(actor, pks, None)}


async def _select_nodes(actor: Actor, pks: Sequence[int], selection: Selection) -> dict[int, Any]:
    return {r._row["id"]: r for r in await visible_requests(actor, pks, selection)}


register("ServiceRequest", _load_nodes, "requests:read")
register_selecting("ServiceRequest", _select_nodes)
