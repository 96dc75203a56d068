"""`serviceRequests`, `serviceRequest` and, for admins, `serviceRequestGroups`."""

from __future__ import annotations

from enum import Enum

import strawberry

from backend.models.catalog import Category
from backend.models.service_requests import RequestStatus
from backend.schema.context import context_of
from backend.schema.relay import Connection, connection, decode_id_of, fetch_page
from backend.schema.service_requests.types import RELATED, ServiceRequestType, as_types
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
        query = requests_visible_to(context_of(info).actor)
        if status:
            query = query.filter(status__in=status)
        page = await fetch_page(query.select_related(*RELATED), first=first, after=after)
        typed = await as_types(info, page.rows)
        nodes = {row.id: node for row, node in zip(page.rows, typed, strict=True)}
        return connection(page, lambda row: nodes[row.id], query)

    @strawberry.field(description="One request, if the viewer may see it.")
    async def service_request(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> ServiceRequestType | None:
        pk = decode_id_of(id, "ServiceRequest")
        if pk is None:
            return None
        query = requests_visible_to(context_of(info).actor).filter(id=pk)
        rows = await query.select_related(*RELATED)
        found = await as_types(info, rows)
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
        # The grouped rows again with what the type shows, in one statement.
        ids = [r.id for g in found.groups for r in g.requests]
        rows = await requests_visible_to(context.actor).filter(id__in=ids).select_related(*RELATED)
        nodes = {row.id: node for row, node in zip(rows, await as_types(info, rows), strict=True)}
        names = {
            c.id: str(localized({"zh": c.name_zh, "en": c.name_en}, context.language))
            for c in await Category.filter(
                id__in=[g.category_id for g in found.groups if g.category_id]
            )
        }
        return ServiceRequestGroups(
            groups=[
                ServiceRequestGroup(
                    category_id=(
                        strawberry.ID(str(nodes[g.requests[0].id].category_id))
                        if g.category_id
                        else None
                    ),
                    category_name=names.get(g.category_id) if g.category_id else None,
                    similarity=round(g.similarity, 3),
                    requests=[nodes[r.id] for r in g.requests if r.id in nodes],
                )
                for g in found.groups
            ],
            left_out=found.left_out,
            threshold=threshold,
        )
