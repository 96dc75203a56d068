"""Application types. What a page of applications loads is decided in `applications/loading.py`
from what the query selects; every field here reads what was loaded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from backend.models.applications import ApplicationStatus as StatusModel
from backend.models.applications import Decision as DecisionModel
from backend.models.applications import OwedStatus
from backend.models.catalog import ItemStatus
from backend.models.orders import OrderStatus as OrderStatusModel
from backend.schema.accounts.types import UserType
from backend.schema.appointments.types import AppointmentType
from backend.schema.catalog.types import ServiceItemType
from backend.schema.context import context_of, viewer_reach
from backend.schema.enterprises.files import FileType
from backend.schema.enterprises.records import EnterpriseRecordEntry
from backend.schema.nodes import Node, global_id
from backend.schema.orders.refs import NamedRef
from backend.services.applications import states as application_states
from backend.services.applications.policies import ApplicationRow
from backend.services.core import clock
from backend.services.core.errors import Problem
from backend.services.orders import time_limits
from backend.services.orders.time_limits import DeadlineFacts

strawberry.enum(StatusModel, name="ApplicationStatus", description="Where an application stands.")
strawberry.enum(DecisionModel, name="AuditDecision", description="An auditor's decision.")
ORDER_STATUS = strawberry.enum(
    OrderStatusModel, name="OrderStatus", description="Where an order stands."
)
strawberry.enum(
    OwedStatus,
    name="OwedMaterialStatus",
    description="OUTSTANDING, then SUPPLIED (waiting for review), then ACCEPTED, or RETURNED "
    "with a reason (to supply again). Only ACCEPTED lets the order be completed.",
)


@strawberry.type(name="ApplicationEnterprise", description="The enterprise that applies.")
class ApplicationEnterprise:
    id: strawberry.ID
    name: str
    credit_code: str
    record: list[EnterpriseRecordEntry] = strawberry.field(
        description="What a form's mirror fields take from the enterprise, part by part."
    )


@strawberry.type(name="ApplicationAttachment", description="A material, as one kind.")
class AttachmentType:
    kind: str
    file: FileType | None
    expires_on: date | None


@strawberry.type(description="One thing the audit found wrong, in the viewer's language.")
class AuditProblem:
    field: list[str]
    code: str
    message: str

    @classmethod
    def of(cls, problem: Problem, language: str) -> AuditProblem:
        return cls(field=list(problem.field), code=problem.code, message=problem.message(language))


@strawberry.type(name="AuditResult", description="The platform's audit of the latest submit.")
class AuditResultType:
    passed: bool
    problems: list[AuditProblem]
    revision_number: int
    at: datetime


@strawberry.type(description="The auditor's words about one field.")
class ReviewProblem:
    field: list[str]
    message: str


@strawberry.type(name="Review", description="An auditor's decision on one submitted revision.")
class ReviewType:
    decision: DecisionModel
    comment: str
    reviewer: UserType | None
    at: datetime
    revision_number: int
    problems: list[ReviewProblem]


@strawberry.type(name="ApplicationRevision", description="What was submitted the n-th time.")
class RevisionType:
    number: int
    submitted_at: datetime
    form_data: JSON
    attachments: list[AttachmentType]
    item_version_number: int | None
    by_staff_for_enterprise: bool


@strawberry.type(name="OwedMaterial", description="A material accepted as owed (容缺受理).")
class OwedMaterialType:
    kind: str
    due_on: date
    supplied_at: datetime | None = strawberry.field(
        description="When it was last handed in (a RETURNED one was refused since)."
    )
    status: OwedStatus
    handed_in: bool = strawberry.field(
        description="Handed in and not returned since (supplied, or accepted)."
    )


@strawberry.type(description="The order an approved application became.")
class ApplicationOrder:
    id: strawberry.ID
    number: str
    status: OrderStatusModel
    due_at: datetime
    is_overdue: bool = strawberry.field(description="As the order's `isOverdue`.")
    is_due_soon: bool = strawberry.field(description="As the order's `isDueSoon`.")

    @classmethod
    def of(cls, pk: int, number: str, facts: DeadlineFacts) -> ApplicationOrder:
        now = clock.now()
        return cls(
            id=global_id("Order", pk),
            number=number,
            status=facts.status,
            due_at=facts.due_at,
            is_overdue=time_limits.is_overdue(facts, now),
            is_due_soon=time_limits.is_due_soon(facts, now),
        )


@strawberry.type(description="A form field or a kind of material changed since a return.")
class ApplicationChange:
    field: list[str]
    before: JSON | None
    after: JSON | None


@strawberry.type(
    name="ApplicationViewerCan",
    description="What the viewer may do with the application now, by the application's action "
    "table and its policies.",
)
class ApplicationViewerCan:
    edit: bool = strawberry.field(description="Save it as a draft (the item is still offered).")
    submit: bool = strawberry.field(description="Submit it (the item is still offered).")
    withdraw: bool
    review: bool = strawberry.field(description="Approve, return or reject it (auditApplication).")
    supplement: bool = strawberry.field(
        description="Fill in for the enterprise; once approved, only while a material is owed."
    )


@strawberry.type(name="Application", description="An enterprise's application for a service.")
class ApplicationType(Node):
    number: str = strawberry.field(description="Human-facing, e.g. SQ-20261125-0042.")
    status: StatusModel
    service_item_id: strawberry.ID
    service_item_name: str
    service_item: ServiceItemType | None = strawberry.field(
        description="The item as shown to the viewer now (the application keeps its version)."
    )
    enterprise: ApplicationEnterprise
    applicant: UserType | None
    filed_by: UserType | None = strawberry.field(
        description="The auditor who filed it for the enterprise, if one did."
    )
    form_data: JSON
    promised_deferred: bool
    attachments: list[AttachmentType]
    audit_result: AuditResultType | None
    reviews: list[ReviewType]
    revisions: list[RevisionType]
    owed_materials: list[OwedMaterialType]
    order: ApplicationOrder | None
    appointment: AppointmentType | None = strawberry.field(
        description="The booking that holds a place for the application (items whose plan "
        "asks for an appointment before review), with its queue number; else null."
    )
    changes_since_return: list[ApplicationChange] = strawberry.field(
        description="What changed since the revision the last RETURN was on (for the auditor)."
    )
    version: int
    item_version_number: int | None = strawberry.field(
        description="The item version it was submitted against (pinned at the first submit)."
    )
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    # The columns loaded for this application (`applications/loading.py`): a new field can be
    # a resolver reading them, once its entry in APPLICATION_NEEDS loads them.
    _row: strawberry.Private[Mapping[str, Any]]
    _owes_material: strawberry.Private[bool]

    @strawberry.field(
        description="The provider the enterprise chose among the item's (an item served by "
        "providers); null when it chose none, so the item's primary serves it."
    )
    def provider(self) -> NamedRef | None:
        pk = self._row.get("provider_id")
        if pk is None:
            return None
        return NamedRef(id=global_id("Provider", int(pk)), name=str(self._row["provider__name"]))

    @strawberry.field(description="What the viewer may do with the application now.")
    async def viewer_can(self, info: strawberry.Info) -> ApplicationViewerCan:
        actions = application_states.actions_for(
            context_of(info).actor,
            ApplicationRow.of(self._row),
            await viewer_reach(info),
            item_offered=self._row["item__status"] is ItemStatus.PUBLISHED,
            owes_material=self._owes_material,
        )
        return ApplicationViewerCan(
            edit=actions.edit,
            submit=actions.submit,
            withdraw=actions.withdraw,
            review=actions.review,
            supplement=actions.supplement,
        )
