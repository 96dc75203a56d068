"""What a page of applications, or one application, loads: the columns its selection needs, as
plain rows, and the parts it shows in one bulk statement each.

`APPLICATION_NEEDS` says, for each field of `Application`, which columns it reads (paths on the
application model: `enterprise__name` joins enterprises, `order__number` the order) and which
parts it needs loaded after the page (`Load`); the parts (`parts.py`) read their own rows the same
way. The form data (JSON) is read only when `formData` is selected. A new field of
`Application`: its entry here, and either a resolver on `ApplicationType` reading `self._row`,
or an attribute filled in `application_of`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tortoise.queryset import QuerySet

from backend.models.applications import Application as ApplicationModel
from backend.models.orders import OrderStatus
from backend.schema.accounts.types import UserRecord, UserType
from backend.schema.applications.parts import Load, Parts, load_parts, user_needs
from backend.schema.applications.types import (
    ApplicationChange,
    ApplicationEnterprise,
    ApplicationOrder,
    ApplicationType,
    AuditProblem,
    AuditResultType,
    OwedMaterialType,
    ReviewProblem,
    ReviewType,
    RevisionType,
)
from backend.schema.enterprises.records import entries_of
from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted, in_language
from backend.schema.nodes import global_id, register, register_selecting
from backend.schema.orders.refs import NamedRef
from backend.services.applications.policies import ApplicationRow, applications_visible_to
from backend.services.applications.reviews import changes_since_return
from backend.services.core.actors import Actor
from backend.services.core.errors import Problem
from backend.services.enterprises.records import RECORD_COLUMNS
from backend.services.orders import owed as owed_rules
from backend.services.orders import time_limits

Row = Mapping[str, Any]

ENTERPRISE_NEEDS: FieldNeeds[Load] = FieldNeeds(
    always=(),
    fields={
        "id": Needs(),
        "name": Needs(),
        "creditCode": Needs(),
        "record": Needs(columns=tuple(f"enterprise__{c}" for c in RECORD_COLUMNS.values())),
    },
)

APPLICATION_NEEDS: FieldNeeds[Load] = FieldNeeds(
    always=("id",),
    fields={
        "id": Needs(),
        "number": Needs(columns=("number",)),
        "status": Needs(columns=("status",)),
        "version": Needs(columns=("version",)),
        "createdAt": Needs(columns=("created_at",)),
        "submittedAt": Needs(columns=("submitted_at",)),
        "decidedAt": Needs(columns=("decided_at",)),
        "promisedDeferred": Needs(columns=("promised_deferred",)),
        "formData": Needs(columns=("form_data",)),
        "serviceItemId": Needs(columns=("item_id",)),
        "serviceItemName": Needs(columns=("item__name_zh", "item__name_en")),
        "serviceItem": Needs(columns=("item_id",), follow_ups=(Load.SERVICE_ITEM,)),
        "itemVersionNumber": Needs(columns=("item_version__number",)),
        "provider": Needs(columns=("provider_id", "provider__name")),
        "enterprise": Needs(
            columns=("enterprise_id", "enterprise__name", "enterprise__credit_code"),
            below=ENTERPRISE_NEEDS,
        ),
        "applicant": user_needs("applicant"),
        "filedBy": user_needs("filed_by"),
        # With what overdue and due soon read (`time_limits.DeadlineFacts`).
        "order": Needs(
            columns=(
                "order__id",
                "order__number",
                "order__status",
                "order__due_at",
                "order__waiting_since",
                "order__due_soon_at",
            )
        ),
        "attachments": Needs(follow_ups=(Load.ATTACHMENTS,)),
        "auditResult": Needs(follow_ups=(Load.AUDIT,)),
        "reviews": Needs(follow_ups=(Load.REVIEWS,)),
        "revisions": Needs(follow_ups=(Load.REVISIONS,)),
        "owedMaterials": Needs(follow_ups=(Load.OWED,)),
        "changesSinceReturn": Needs(follow_ups=(Load.CHANGES,)),
        "appointment": Needs(follow_ups=(Load.APPOINTMENT,)),
        "viewerCan": Needs(
            columns=(*ApplicationRow.COLUMNS, "item__status"), follow_ups=(Load.OWED,)
        ),
    },
)


def _column(row: Row, name: str) -> Any:
    """A loaded column; None when it was not loaded: its field was not selected."""
    return row.get(name)


def user_of(row: Row, relation: str, roles: Mapping[int, Sequence[Any]]) -> Any:
    """The person `relation` names, from the columns loaded for them; None when there is none
    (or the field was not selected)."""
    pk = row.get(f"{relation}_id")
    if pk is None:
        return None

    def column(name: str) -> Any:
        return row.get(f"{relation}__{name}")

    return UserType(
        id=global_id("User", pk),
        name=column("name"),
        roles=sorted(roles.get(pk, ())),
        language=column("language"),
        is_active=column("is_active"),
        created_at=column("created_at"),
        version=column("version"),
        _model=UserRecord(
            pk,
            column("email"),
            column("phone"),
            column("email_confirmed_at"),
            column("email_notifications"),
        ),
        provider=NamedRef(
            id=global_id("Provider", int(column("provider_id"))), name=column("provider__name")
        )
        if column("provider_id") is not None
        else None,
    )


def _service_item_id(row: Row) -> Any:
    pk = row.get("item_id")
    return None if pk is None else global_id("ServiceItem", pk)


def _service_item_name(row: Row, language: str) -> Any:
    if "item__name_zh" not in row:
        return None
    return in_language(language, row["item__name_zh"], row["item__name_en"])


def _enterprise(row: Row) -> Any:
    if "enterprise__name" not in row:
        return None
    record = []
    if "enterprise__address" in row:  # `record` was selected
        record = entries_of({p: row[f"enterprise__{c}"] for p, c in RECORD_COLUMNS.items()})
    return ApplicationEnterprise(
        id=global_id("Enterprise", row["enterprise_id"]),
        name=row["enterprise__name"],
        credit_code=row["enterprise__credit_code"],
        record=record,
    )


def _order(row: Row) -> ApplicationOrder | None:
    if row.get("order__id") is None:
        return None
    facts = time_limits.Deadline(
        status=OrderStatus(row["order__status"]),
        due_at=row["order__due_at"],
        waiting_since=row["order__waiting_since"],
        due_soon_at=row["order__due_soon_at"],
    )
    return ApplicationOrder.of(row["order__id"], row["order__number"], facts)


def _audit(row: Row, language: str) -> AuditResultType:
    problems = [
        Problem(p["code"], tuple(p.get("field") or ()), p.get("params") or {})
        for p in row["problems"]
    ]
    return AuditResultType(
        passed=row["passed"],
        problems=[AuditProblem.of(p, language) for p in problems],
        revision_number=row["revision__number"],
        at=row["created_at"],
    )


def _review(row: Row, parts: Parts) -> ReviewType:
    return ReviewType(
        decision=row["decision"],
        comment=_column(row, "comment"),
        reviewer=user_of(row, "reviewer", parts.roles),
        at=row["created_at"],
        revision_number=_column(row, "revision__number"),
        problems=[
            ReviewProblem(field=list(p.get("field") or []), message=p.get("message", ""))
            for p in row.get("problems") or ()
        ],
    )


def _revision(row: Row, parts: Parts) -> RevisionType:
    return RevisionType(
        number=row["number"],
        submitted_at=_column(row, "created_at"),
        form_data=_column(row, "form_data"),
        attachments=parts.revision_attachments(row),
        item_version_number=_column(row, "item_version__number"),
        by_staff_for_enterprise=_column(row, "acting_for_enterprise"),
    )


def application_of(row: Row, parts: Parts, language: str) -> ApplicationType:
    """One application from its row and its loaded parts (fields not selected are None)."""
    pk = row["id"]
    audit = parts.audits.get(pk)
    owed = parts.owed.get(pk, [])
    return ApplicationType(
        id=global_id("Application", pk),
        number=_column(row, "number"),
        status=_column(row, "status"),
        service_item_id=_service_item_id(row),
        service_item_name=_service_item_name(row, language),
        service_item=parts.items.get(row.get("item_id") or 0),
        enterprise=_enterprise(row),
        applicant=user_of(row, "applicant", parts.roles),
        filed_by=user_of(row, "filed_by", parts.roles),
        form_data=_column(row, "form_data"),
        promised_deferred=_column(row, "promised_deferred"),
        attachments=parts.attachments.get(pk, []),
        audit_result=_audit(audit, language) if audit is not None else None,
        reviews=[_review(r, parts) for r in parts.reviews.get(pk, [])],
        revisions=[_revision(r, parts) for r in parts.revisions.get(pk, [])],
        owed_materials=[
            OwedMaterialType(
                kind=o["kind"],
                due_on=o["due_on"],
                supplied_at=o["supplied_at"],
                status=o["status"],
                handed_in=owed_rules.is_handed_in(o["status"]),
            )
            for o in owed
        ],
        order=_order(row),
        appointment=parts.appointments.get(pk),
        changes_since_return=[
            ApplicationChange(field=c["field"], before=c["before"], after=c["after"])
            for c in changes_since_return(parts.revision_facts(pk), parts.review_facts(pk))
        ]
        if parts.with_changes
        else [],
        version=_column(row, "version"),
        item_version_number=_column(row, "item_version__number"),
        created_at=_column(row, "created_at"),
        submitted_at=_column(row, "submitted_at"),
        decided_at=_column(row, "decided_at"),
        _row=row,
        _owes_material=any(o["status"] in owed_rules.STILL_OWED for o in owed),
    )


async def applications_of(
    actor: Actor, rows: Sequence[Row], selection: Selection | None, wanted: Wanted[Load]
) -> list[ApplicationType]:
    """`rows` (loaded with `wanted`'s columns, all visible to `actor`) as schema objects, with
    the parts `wanted` asks for, one statement each."""
    if not rows:
        return []
    parts = await load_parts(actor, rows, selection, wanted)
    return [application_of(row, parts, actor.language) for row in rows]


async def load_applications(
    actor: Actor, query: QuerySet[ApplicationModel], selection: Selection | None
) -> list[ApplicationType]:
    """Every application of `query` (the caller decides what the actor may see), as `selection`
    asks; None (a caller with no selection at hand) loads every field."""
    wanted = APPLICATION_NEEDS.wanted(selection)
    rows = await query.values(*wanted.columns)
    return await applications_of(actor, rows, selection, wanted)


async def _load_nodes(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    query = applications_visible_to(actor).filter(id__in=list(pks))
    return {a._row["id"]: a for a in await load_applications(actor, query, None)}


async def _select_nodes(actor: Actor, pks: Sequence[int], selection: Selection) -> dict[int, Any]:
    query = applications_visible_to(actor).filter(id__in=list(pks))
    return {a._row["id"]: a for a in await load_applications(actor, query, selection)}


register("Application", _load_nodes, "applications:read")
register_selecting("Application", _select_nodes)
