"""Application types. A list is built in bulk (`applications_as_types`), in a fixed number of
queries whatever its length; what the selection does not ask for is not loaded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from backend.models.accounts import User as UserModel
from backend.models.applications import Application as ApplicationModel
from backend.models.applications import ApplicationAttachment as AttachmentModel
from backend.models.applications import ApplicationRevision as RevisionModel
from backend.models.applications import ApplicationStatus as StatusModel
from backend.models.applications import AuditResult as AuditResultModel
from backend.models.applications import Decision as DecisionModel
from backend.models.applications import OwedMaterial as OwedModel
from backend.models.applications import OwedStatus
from backend.models.applications import Review as ReviewModel
from backend.models.catalog import ItemStatus
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.models.catalog import ServiceItemVersion as VersionModel
from backend.models.enterprises import Enterprise as EnterpriseModel
from backend.models.files import StoredFile
from backend.models.orders import Order as OrderModel
from backend.models.orders import OrderStatus as OrderStatusModel
from backend.schema.accounts.types import UserType, roles_by_user
from backend.schema.catalog.types import ServiceItemType, items_as_types
from backend.schema.context import context_of, viewer_reach
from backend.schema.enterprises.files import FileType
from backend.schema.enterprises.records import EnterpriseRecordEntry, entries_of
from backend.schema.loading import in_language
from backend.schema.nodes import Node, global_id, register
from backend.services.applications import states as application_states
from backend.services.applications.policies import applications_visible_to
from backend.services.applications.reviews import changes_since_return
from backend.services.core.actors import Actor
from backend.services.core.errors import Problem
from backend.services.enterprises.records import record_of
from backend.services.orders import owed as owed_rules
from backend.services.orders.owed import STILL_OWED

strawberry.enum(StatusModel, name="ApplicationStatus", description="Where an application stands.")
strawberry.enum(DecisionModel, name="AuditDecision", description="An auditor's decision.")
ORDER_STATUS = strawberry.enum(
    OrderStatusModel, name="OrderStatus", description="Where an order stands."
)

# Parts of an application a selection may leave out (each costs a query or two).
PARTS = (
    "serviceItem",
    "attachments",
    "auditResult",
    "reviews",
    "revisions",
    "owedMaterials",
    "order",
    "changesSinceReturn",
    "itemVersionNumber",
    "applicant",
    "filedBy",
    "viewerCan",
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
    _row: strawberry.Private[ApplicationModel]
    _item_offered: strawberry.Private[bool]
    _owes_material: strawberry.Private[bool]

    @strawberry.field(description="What the viewer may do with the application now.")
    async def viewer_can(self, info: strawberry.Info) -> ApplicationViewerCan:
        actions = application_states.actions_for(
            context_of(info).actor,
            self._row,
            await viewer_reach(info),
            item_offered=self._item_offered,
            owes_material=self._owes_material,
        )
        return ApplicationViewerCan(
            edit=actions.edit,
            submit=actions.submit,
            withdraw=actions.withdraw,
            review=actions.review,
            supplement=actions.supplement,
        )


@dataclass
class Loaded:
    """What a page of applications needs besides its rows, loaded once."""

    items: dict[int, ServiceItemModel]
    item_types: dict[int, ServiceItemType]
    enterprises: dict[int, EnterpriseModel]
    users: dict[int, UserType]
    version_numbers: dict[int, int]
    attachments: dict[int, list[AttachmentType]]
    audits: dict[int, AuditResultModel]
    reviews: dict[int, list[ReviewModel]]
    revisions: dict[int, list[RevisionModel]]
    files: dict[int, FileType]
    owed: dict[int, list[OwedModel]]
    orders: dict[int, OrderModel]


def _group(rows: Sequence[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.application_id].append(row)
    return grouped


async def _load(actor: Actor, rows: Sequence[ApplicationModel], parts: Collection[str]) -> Loaded:
    ids = [a.id for a in rows]
    items = {i.id: i for i in await ServiceItemModel.filter(id__in={a.item_id for a in rows})}
    item_types: dict[int, ServiceItemType] = {}
    if "serviceItem" in parts and items:
        listed = list(items.values())
        types = await items_as_types(actor, listed, with_teams=False, with_versions=False)
        item_types = {i.id: t for i, t in zip(listed, types, strict=True)}
    enterprise_ids = {a.enterprise_id for a in rows}
    enterprises = {e.id: e for e in await EnterpriseModel.filter(id__in=enterprise_ids)}
    wants_reviews = "reviews" in parts or "changesSinceReturn" in parts
    wants_revisions = "revisions" in parts or "changesSinceReturn" in parts
    reviews = _group(
        await ReviewModel.filter(application_id__in=ids).order_by("created_at", "id")
        if wants_reviews
        else []
    )
    user_ids: set[int] = set()
    if "applicant" in parts:
        user_ids |= {a.applicant_id for a in rows}
    if "filedBy" in parts:
        user_ids |= {a.filed_by_id for a in rows if a.filed_by_id}
    if "reviews" in parts:
        user_ids |= {r.reviewer_id for rs in reviews.values() for r in rs if r.reviewer_id}
    users: dict[int, UserType] = {}
    if user_ids:
        roles = await roles_by_user(sorted(user_ids))
        users = {u.id: UserType.of(u, roles[u.id]) for u in await UserModel.filter(id__in=user_ids)}
    revisions = _group(
        await RevisionModel.filter(application_id__in=ids).order_by("number")
        if wants_revisions
        else []
    )
    version_ids = {a.item_version_id for a in rows if a.item_version_id}
    if "revisions" in parts:
        version_ids |= {r.item_version_id for rs in revisions.values() for r in rs}
    version_numbers: dict[int, int] = {}
    if version_ids and ("itemVersionNumber" in parts or "revisions" in parts):
        found = await VersionModel.filter(id__in=version_ids).values_list("id", "number")
        version_numbers = {int(str(pk)): int(str(n)) for pk, n in found}
    attachment_rows = (
        await AttachmentModel.filter(application_id__in=ids).select_related("file").order_by("id")
        if "attachments" in parts
        else []
    )
    file_ids = {
        att["fileId"]
        for rs in revisions.values()
        for r in rs
        for att in r.attachments
        if "revisions" in parts and att.get("fileId")
    } - {a.file.id for a in attachment_rows}
    stored = list(await StoredFile.filter(id__in=file_ids)) if file_ids else []
    # Every row here is visible to the viewer, and its materials with it.
    files = {
        f.id: FileType.of(f, downloadable=True)
        for f in [*(a.file for a in attachment_rows), *stored]
    }
    attachments: dict[int, list[AttachmentType]] = defaultdict(list)
    for a in attachment_rows:
        attachments[a.application_id].append(
            AttachmentType(kind=a.kind, file=files[a.file.id], expires_on=a.expires_on)
        )
    audits: dict[int, AuditResultModel] = {}
    if "auditResult" in parts:
        for result in await AuditResultModel.filter(application_id__in=ids).order_by("id"):
            audits[result.application_id] = result
    owed = _group(
        await OwedModel.filter(application_id__in=ids).order_by("id")
        if "owedMaterials" in parts or "viewerCan" in parts
        else []
    )
    orders = (
        {o.application_id: o for o in await OrderModel.filter(application_id__in=ids)}
        if "order" in parts
        else {}
    )
    return Loaded(
        items, item_types, enterprises, users, version_numbers, dict(attachments), audits,
        reviews, revisions, files, owed, orders,
    )  # fmt: skip


def _revision_attachments(
    revision: RevisionModel, files: dict[int, FileType]
) -> list[AttachmentType]:
    return [
        AttachmentType(
            kind=a["kind"],
            file=files.get(a.get("fileId") or 0),
            expires_on=date.fromisoformat(a["expiresOn"]) if a.get("expiresOn") else None,
        )
        for a in revision.attachments
    ]


def _audit(result: AuditResultModel, revisions: dict[int, int], language: str) -> AuditResultType:
    problems = [
        Problem(p["code"], tuple(p.get("field") or ()), p.get("params") or {})
        for p in result.problems
    ]
    return AuditResultType(
        passed=result.passed,
        problems=[AuditProblem.of(p, language) for p in problems],
        revision_number=revisions.get(result.revision_id, 0),
        at=result.created_at,
    )


def _one(app: ApplicationModel, loaded: Loaded, language: str) -> ApplicationType:
    item = loaded.items[app.item_id]
    enterprise = loaded.enterprises[app.enterprise_id]
    revisions = loaded.revisions.get(app.id, [])
    revision_numbers = {r.id: r.number for r in revisions}
    reviews = loaded.reviews.get(app.id, [])
    audit = loaded.audits.get(app.id)
    order = loaded.orders.get(app.id)
    return ApplicationType(
        id=global_id("Application", app.id),
        number=app.number,
        status=app.status,
        service_item_id=global_id("ServiceItem", item.id),
        service_item_name=in_language(language, item.name_zh, item.name_en),
        service_item=loaded.item_types.get(item.id),
        enterprise=ApplicationEnterprise(
            id=global_id("Enterprise", enterprise.id),
            name=enterprise.name,
            credit_code=enterprise.credit_code,
            record=entries_of(record_of(enterprise)),
        ),
        applicant=loaded.users.get(app.applicant_id),
        filed_by=loaded.users.get(app.filed_by_id or 0),
        form_data=cast(JSON, app.form_data),
        promised_deferred=app.promised_deferred,
        attachments=loaded.attachments.get(app.id, []),
        audit_result=_audit(audit, revision_numbers, language) if audit else None,
        reviews=[
            ReviewType(
                decision=r.decision,
                comment=r.comment,
                reviewer=loaded.users.get(r.reviewer_id or 0),
                at=r.created_at,
                revision_number=revision_numbers.get(r.revision_id, 0),
                problems=[
                    ReviewProblem(field=list(p.get("field") or []), message=p.get("message", ""))
                    for p in r.problems
                ],
            )
            for r in reviews
        ],
        revisions=[
            RevisionType(
                number=r.number,
                submitted_at=r.created_at,
                form_data=cast(JSON, r.form_data),
                attachments=_revision_attachments(r, loaded.files),
                item_version_number=loaded.version_numbers.get(r.item_version_id),
                by_staff_for_enterprise=r.acting_for_enterprise,
            )
            for r in revisions
        ],
        owed_materials=[
            OwedMaterialType(
                kind=o.kind,
                due_on=o.due_on,
                supplied_at=o.supplied_at,
                status=o.status,
                handed_in=owed_rules.is_handed_in(o.status),
            )
            for o in loaded.owed.get(app.id, [])
        ],
        order=ApplicationOrder(
            id=global_id("Order", order.id),
            number=order.number,
            status=order.status,
            due_at=order.due_at,
        )
        if order
        else None,
        changes_since_return=[
            ApplicationChange(field=c["field"], before=c["before"], after=c["after"])
            for c in changes_since_return(revisions, reviews)
        ],
        version=app.version,
        item_version_number=loaded.version_numbers.get(app.item_version_id or 0),
        created_at=app.created_at,
        submitted_at=app.submitted_at,
        decided_at=app.decided_at,
        _row=app,
        _item_offered=item.status is ItemStatus.PUBLISHED,
        _owes_material=any(o.status in STILL_OWED for o in loaded.owed.get(app.id, [])),
    )


async def applications_as_types(
    actor: Actor, rows: Sequence[ApplicationModel], parts: Collection[str] = PARTS
) -> list[ApplicationType]:
    """`rows` (all visible to `actor`) as schema objects, loading only `parts`."""
    if not rows:
        return []
    loaded = await _load(actor, rows, parts)
    return [_one(app, loaded, actor.language) for app in rows]


async def _load_nodes(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await applications_visible_to(actor).filter(id__in=list(pks))
    types = await applications_as_types(actor, rows)
    return {a.id: t for a, t in zip(rows, types, strict=True)}


register("Application", _load_nodes, "applications:read")
