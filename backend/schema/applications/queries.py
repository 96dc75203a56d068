"""`applications`, `application`, `applicationByNumber` and `checkApplication` (writes nothing)."""

from __future__ import annotations

import strawberry
from tortoise.expressions import Q

from backend.models.accounts import Role
from backend.models.applications import ApplicationStatus as StatusModel
from backend.models.enterprises import Enterprise, EnterpriseStatus
from backend.schema.applications.errors import ApplicationError
from backend.schema.applications.loading import (
    APPLICATION_NEEDS,
    applications_of,
    load_applications,
)
from backend.schema.applications.mutations import ApplicationInput, request_of
from backend.schema.applications.types import (
    ApplicationEnterprise,
    ApplicationType,
    AuditProblem,
)
from backend.schema.context import context_of
from backend.schema.enterprises.records import entries_of
from backend.schema.errors import run_mutation
from backend.schema.loading import Selection
from backend.schema.nodes import global_id
from backend.schema.relay import (
    Connection,
    connection,
    decode_id_of,
    fetch_row_page,
)
from backend.services.applications import applications
from backend.services.applications.policies import applications_visible_to
from backend.services.enterprises import enterprises
from backend.services.enterprises.records import record_of


@strawberry.input
class ApplicationFilter:
    status: StatusModel | None = None
    service_item_id: strawberry.ID | None = None
    enterprise_id: strawberry.ID | None = None
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Applications for the items of one category."
    )
    search: str | None = strawberry.field(
        default=None, description="Part of the number or of the enterprise's name."
    )


@strawberry.type
class CheckApplicationPayload:
    passed: bool
    problems: list[AuditProblem]
    owed: list[str] = strawberry.field(description="Deferrable materials that would be owed.")
    user_errors: list[ApplicationError]


async def _one(info: strawberry.Info, **where: object) -> ApplicationType | None:
    actor = context_of(info).actor
    query = applications_visible_to(actor).filter(**where)
    found = await load_applications(actor, query, Selection.of(info))
    return found[0] if found else None


@strawberry.type
class ApplicationQueries:
    @strawberry.field(
        description="Applications, newest first (or oldest first, as a review queue): an "
        "applicant's enterprises' own, every one for auditors, those behind a handler's orders."
    )
    async def applications(
        self,
        info: strawberry.Info,
        filter: ApplicationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        oldest_first: bool = False,
    ) -> Connection[ApplicationType]:
        actor = context_of(info).actor
        query = applications_visible_to(actor)
        if filter is not None:
            if filter.status is not None:
                query = query.filter(status=filter.status)
            if filter.service_item_id is not None:
                query = query.filter(
                    item_id=decode_id_of(filter.service_item_id, "ServiceItem") or -1
                )
            if filter.enterprise_id is not None:
                query = query.filter(
                    enterprise_id=decode_id_of(filter.enterprise_id, "Enterprise") or -1
                )
            if filter.category_id is not None:
                query = query.filter(
                    item__category_id=decode_id_of(filter.category_id, "Category") or -1
                )
            text = (filter.search or "").strip()
            if text:
                query = query.filter(
                    Q(number__icontains=text) | Q(enterprise__name__icontains=text)
                )
        order = ("id",) if oldest_first else ("-id",)
        nodes = Selection.of(info).nodes()
        wanted = APPLICATION_NEEDS.wanted(nodes)
        page = await fetch_row_page(query, wanted.columns, first=first, after=after, order=order)
        types = await applications_of(actor, page.rows, nodes, wanted)
        by_id = {row["id"]: t for row, t in zip(page.rows, types, strict=True)}
        return connection(page, lambda row: by_id[row["id"]], query)

    @strawberry.field(
        description="Auditors: the verified enterprises an application can be filed for (a "
        "walk-in), by name, matching `search` in the name or credit code; at most 50."
    )
    async def enterprises_to_file_for(
        self, info: strawberry.Info, search: str | None = None, first: int = 50
    ) -> list[ApplicationEnterprise]:
        actor = context_of(info).actor
        if not actor.has(Role.AUDITOR):
            return []
        query = enterprises.search(Enterprise.filter(status=EnterpriseStatus.VERIFIED), search)
        rows = await query.order_by("name", "id").limit(max(1, min(first, 50)))
        return [
            ApplicationEnterprise(
                id=global_id("Enterprise", e.id),
                name=e.name,
                credit_code=e.credit_code,
                record=entries_of(record_of(e)),
            )
            for e in rows
        ]

    @strawberry.field(description="One application; null when unknown or not visible.")
    async def application(self, info: strawberry.Info, id: strawberry.ID) -> ApplicationType | None:
        pk = decode_id_of(id, "Application")
        return await _one(info, id=pk) if pk is not None else None

    @strawberry.field(description="One application by its number, e.g. SQ-20261125-0042.")
    async def application_by_number(
        self, info: strawberry.Info, number: str
    ) -> ApplicationType | None:
        return await _one(info, number=number.strip())

    @strawberry.field(
        description="Runs the audit a submit would run, and writes nothing (the same input)."
    )
    async def check_application(
        self, info: strawberry.Info, input: ApplicationInput
    ) -> CheckApplicationPayload:
        context = context_of(info)

        async def check() -> CheckApplicationPayload:
            outcome = await applications.check(
                context.actor, request_of(input), timezone=context.settings.timezone
            )
            return CheckApplicationPayload(
                passed=outcome.passed,
                problems=[AuditProblem.of(p, context.language) for p in outcome.problems],
                owed=outcome.owed,
                user_errors=[],
            )

        # A check answers like the submit it rehearses, through the same mapping of problems.
        return await run_mutation(
            info,
            ApplicationError,
            check,
            lambda errors: CheckApplicationPayload(
                passed=False, problems=[], owed=[], user_errors=errors
            ),
        )


__all__ = ["ApplicationQueries"]
