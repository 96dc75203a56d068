"""`serviceRequests`, `serviceRequest` and, for admins, `serviceRequestGroups`."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend.models.catalog import Category
from backend.models.service_requests import RequestStatus
from backend.schema.context import context_of
from backend.schema.loading import Selection
from backend.schema.nodes import global_id
from backend.schema.relay import Connection, connection, decode_id_of, fetch_row_page
from backend.schema.service_requests.types import (
    REQUEST_NEEDS,
    ServiceRequestType,
    requests_of,
    visible_requests,
)
from backend.services.core.errors import localized
from backend.services.service_requests import grouping
from backend.services.service_requests.policies import requests_visible_to


@strawberry.enum(description="How the admins' view groups the unsettled requests.")
class ServiceRequestGrouping(Enum):
    CATEGORY = "CATEGORY"
    WORDING = "WORDING"


@strawberry.type(description="Requests grouped together: by category, or alike in wording.")
class ServiceRequestGroup:
    category_id: strawberry.ID | None = strawberry.field(
        description="By category: the category they suggest (null: none suggested)."
    )
    category_name: str | None
    similarity: float = strawberry.field(
        description="By wording: the highest Dice similarity of two of them (0 for one alone)."
    )
    requests: list[ServiceRequestType]


@strawberry.type(description="The unsettled requests in groups; the newest ones only.")
class ServiceRequestGroups:
    groups: list[ServiceRequestGroup]
    left_out: int = strawberry.field(
        description="Unsettled requests older than the grouped ones, not grouped "
        "(SERVICEHALL_REQUEST_GROUP_LIMIT)."
    )
    threshold: float = strawberry.field(
        description="How alike two requests' wording must be to group them (Dice, 0 to 1)."
    )


@strawberry.type
class ServiceRequestQueries:
    @strawberry.field(
        description="Requests for new services, newest first: an enterprise's own for its "
        "members, every one for admins."
    )
    async def service_requests(
        self,
        info: strawberry.Info,
        status: list[RequestStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ServiceRequestType]:
        actor = context_of(info).actor
        query = requests_visible_to(actor)
        if status:
            query = query.filter(status__in=status)
        wanted = REQUEST_NEEDS.wanted(Selection.of(info).nodes())
        page = await fetch_row_page(query, wanted.columns, first=first, after=after)
        typed = await requests_of(actor, page.rows, wanted)
        nodes = {node._row["id"]: node for node in typed}
        return connection(page, lambda row: nodes[row["id"]], query)

    @strawberry.field(description="One request, if the viewer may see it.")
    async def service_request(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> ServiceRequestType | None:
        pk = decode_id_of(id, "ServiceRequest")
        if pk is None:
            return None
        found = await visible_requests(context_of(info).actor, [pk], Selection.of(info))
        return found[0] if found else None

    @strawberry.field(
        description="Admins: the unsettled requests (OPEN, ANSWERED), newest "
        "SERVICEHALL_REQUEST_GROUP_LIMIT of them, grouped by suggested category or by alike "
        "wording (character pairs, Dice from SERVICEHALL_REQUEST_SIMILARITY). Empty for others."
    )
    async def service_request_groups(
        self, info: strawberry.Info, by: ServiceRequestGrouping
    ) -> ServiceRequestGroups:
        context = context_of(info)
        settings = context.settings
        limit, threshold = settings.request_group_limit, settings.request_similarity
        if by is ServiceRequestGrouping.WORDING:
            found = await grouping.by_wording(context.actor, threshold, limit)
        else:
            found = await grouping.by_category(context.actor, limit)
        # The grouped rows again with what the selection shows of them (a statement, two with
        # `mergedInto`), whatever the number of groups.
        ids = [r.id for g in found.groups for r in g.requests]
        shown = Selection.of(info).under("groups", "requests")
        nodes = {n._row["id"]: n for n in await visible_requests(context.actor, ids, shown)}
        names = {
            c.id: str(localized({"zh": c.name_zh, "en": c.name_en}, context.language))
            for c in await Category.filter(
                id__in=[g.category_id for g in found.groups if g.category_id]
            )
        }
        return ServiceRequestGroups(
            groups=[
                ServiceRequestGroup(
                    category_id=global_id("Category", g.category_id) if g.category_id else None,
                    category_name=names.get(g.category_id) if g.category_id else None,
                    similarity=round(g.similarity, 3),
                    requests=[nodes[r.id] for r in g.requests if r.id in nodes],
                )
                for g in found.groups
            ],
            left_out=found.left_out,
            threshold=threshold,
        )
