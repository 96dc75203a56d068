"""Applications: drafts and submits (the audit runs inside).

Every change of an application goes through `APPLICATION.apply` (the table is in
backend/services/applications/states.py): it checks the version, the table and the policy,
bumps the version and writes the event row, in the caller's transaction. Preconditions (the
item is published, the enterprise is verified and the actor may act for it, the files are
theirs) are checked before anything is written; the audit's problems are the outcome of a
submit, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.accounts import Role
from backend.models.applications import (
    Application,
    ApplicationAttachment,
    ApplicationRevision,
    ApplicationStatus,
    AuditResult,
    OwedMaterial,
)
from backend.models.catalog import ItemStatus, ReviewMode, ServiceItem, ServiceItemVersion
from backend.models.enterprises import (
    Enterprise,
    EnterpriseStatus,
    Membership,
    MembershipRole,
    PremisesBinding,
)
from backend.models.files import StoredFile
from backend.models.orders import Order
from backend.services.applications import audit_rules
from backend.services.applications.audit import (
    FILE_NAMES,
    AttachmentFact,
    AuditOutcome,
    EnterpriseFacts,
    audit,
)
from backend.services.applications.policies import applications_visible_to
from backend.services.applications.states import APPLICATION, OPEN, ApplicationEventKind
from backend.services.calendar import calendar
from backend.services.catalog import catalog, forms, popularity
from backend.services.core import events, idempotency, numbering
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    PermissionDenied,
    Problem,
    Problems,
    ServiceError,
    Stale,
    register_messages,
)
from backend.services.enterprises.enterprises import local_today
from backend.services.enterprises.records import record_of
from backend.services.files.uploads import UploadPolicy
from backend.services.notifications import notifications
from backend.services.orders import orders as order_service
from backend.services.orders import timers

register_messages(
    {
        "ITEM_NOT_AVAILABLE": N_("This service is no longer offered. Choose another one."),
        "ENTERPRISE_NOT_VERIFIED": N_(
            "Your enterprise can apply once the park has verified its registration."
        ),
        "ATTACHMENT_NOT_YOURS": N_("Choose a file you uploaded yourself."),
        "NOT_OWED": N_("This material is not owed by the application."),
    }
)

S = ApplicationStatus
APPLICATION_PREFIX = "SQ"


def open_key(application: Application, status: ApplicationStatus, rules: Any) -> str | None:
    """The one-open-per-enterprise key while open, for items whose rules ask for it."""
    if status not in OPEN or not audit_rules.one_open_per_enterprise(rules):
        return None
    return f"{application.enterprise_id}:{application.item_id}"


# -- what a draft or a submit says --------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentInput:
    kind: str
    file_id: int | None  # None: an id that names no file
    expires_on: date | None = None

    def snapshot(self) -> dict[str, Any]:
        expires = self.expires_on.isoformat() if self.expires_on else None
        return {"kind": self.kind, "fileId": self.file_id, "expiresOn": expires}


@dataclass(frozen=True)
class ApplicationInput:
    enterprise_id: int | None = None
    service_item_id: int | None = None
    category_name: str | None = None
    service_item_name: str | None = None
    application_id: int | None = None
    expected_version: int | None = None
    form_data: Any = field(default_factory=dict)
    attachments: Sequence[AttachmentInput] = ()
    promise_deferred: bool = False
    idempotency_key: str | None = None


@dataclass
class Prepared:
    """Everything a draft save or a submit writes, checked, with the facts the audit needs."""

    actor: Actor  # acting for the enterprise when staff file for it
    item: ServiceItem
    version: ServiceItemVersion  # the pinned one, else the live one
    enterprise: Enterprise
    applicant_id: int
    filed_by_id: int | None
    application: Application | None
    files: dict[int, StoredFile]
    answers: forms.CheckedAnswers  # read, well-formed; not yet checked for completeness


async def _item(actor: Actor, request: ApplicationInput, app: Application | None) -> ServiceItem:
    item: ServiceItem | None = None
    if request.service_item_id is not None:
        item = await ServiceItem.get_or_none(id=request.service_item_id)
    elif request.category_name and request.service_item_name:
        item = await catalog.item_by_name(actor, request.category_name, request.service_item_name)
    elif app is not None:
        item = await ServiceItem.get(id=app.item_id)
    if item is None or (app is not None and item.id != app.item_id):
        raise Invalid.at("serviceItemId", "NOT_FOUND")
    if item.status is not ItemStatus.PUBLISHED:
        raise Invalid.at("serviceItemId", "ITEM_NOT_AVAILABLE")
    return item


async def _enterprise(actor: Actor, enterprise_id: int | None) -> tuple[Enterprise, bool]:
    """The enterprise and whether the actor files for it as staff (not as a member)."""
    user_id = require_user(actor)
    enterprise = await Enterprise.get_or_none(id=enterprise_id) if enterprise_id else None
    if enterprise is None:
        raise Invalid.at("enterpriseId", "NOT_FOUND")
    member = await Membership.filter(user_id=user_id, enterprise_id=enterprise.id).exists()
    if not member and not actor.has(Role.AUDITOR):
        raise PermissionDenied([Problem("FORBIDDEN", ("enterpriseId",))])
    if enterprise.status is not EnterpriseStatus.VERIFIED:
        raise Invalid.at("enterpriseId", "ENTERPRISE_NOT_VERIFIED")
    return enterprise, not member


async def _owner_id(enterprise: Enterprise) -> int:
    owner = (
        await Membership.filter(enterprise_id=enterprise.id, role=MembershipRole.OWNER)
        .order_by("created_at", "id")
        .first()
    )
    if owner is None:
        raise Invalid.at("enterpriseId", "FORBIDDEN")
    return int(owner.user_id)


async def prepare(actor: Actor, request: ApplicationInput) -> Prepared:
    """Checks the preconditions of a draft save or submit; writes nothing."""
    user_id = require_user(actor)
    app: Application | None = None
    if request.application_id is not None:
        # Only an application the actor may see: another enterprise's draft does not exist to them.
        app = await applications_visible_to(actor).get_or_none(id=request.application_id)
        if app is None:
            raise Invalid.at("applicationId", "NOT_FOUND")
    enterprise_id = request.enterprise_id
    if app is not None:
        if enterprise_id is not None and enterprise_id != app.enterprise_id:
            raise Invalid.at("applicationId", "NOT_FOUND")
        enterprise_id = app.enterprise_id
    enterprise, for_enterprise = await _enterprise(actor, enterprise_id)
    item = await _item(actor, request, app)
    pinned = app.item_version_id if app is not None else None
    version = await ServiceItemVersion.get(id=pinned or item.live_version_id)
    problems = Problems()
    # Malformed answers are refused on every path; only a submit's audit asks for completeness.
    answers = forms.check_answers(
        version.form, request.form_data, complete=False, record=record_of(enterprise)
    )
    problems.items.extend(answers.problems)
    ids = [a.file_id for a in request.attachments if a.file_id is not None]
    files = {f.id: f for f in await StoredFile.filter(id__in=ids)}
    attached: set[int] = set()
    if app is not None:
        rows = await ApplicationAttachment.filter(application_id=app.id).values_list(
            "file_id", flat=True
        )
        attached = {int(str(r)) for r in rows}
    for i, attachment in enumerate(request.attachments):
        stored = files.get(attachment.file_id) if attachment.file_id is not None else None
        mine = stored is not None and stored.uploaded_by_id == user_id
        if not (mine or (stored is not None and stored.id in attached)):
            problems.add(("attachments", str(i), "fileId"), "ATTACHMENT_NOT_YOURS")
        if not attachment.kind.strip():
            problems.add(("attachments", str(i), "kind"), "REQUIRED")
    problems.raise_if_any()
    acting = replace(actor, acting_for_enterprise_id=enterprise.id) if for_enterprise else actor
    if app is not None:
        applicant_id = int(app.applicant_id)
    else:
        applicant_id = await _owner_id(enterprise) if for_enterprise else user_id
    filed_by = user_id if for_enterprise else None
    return Prepared(acting, item, version, enterprise, applicant_id, filed_by, app, files, answers)


async def facts(prepared: Prepared) -> EnterpriseFacts:
    enterprise = prepared.enterprise
    others = Application.filter(
        enterprise_id=enterprise.id, item_id=prepared.item.id, status__in=list(OPEN)
    )
    if prepared.application is not None:
        others = others.exclude(id=prepared.application.id)
    premises = PremisesBinding.filter(enterprise_id=enterprise.id, ends_on__isnull=True)
    return EnterpriseFacts(
        established_on=enterprise.established_on,
        has_premises=await premises.exists(),
        open_applications=await others.count(),
        record=record_of(enterprise),
    )


async def run_audit(prepared: Prepared, request: ApplicationInput, today: date) -> AuditOutcome:
    attachments = [
        AttachmentFact(
            a.kind,
            prepared.files[a.file_id].mime_type,
            prepared.files[a.file_id].size,
            a.expires_on,
        )
        for a in request.attachments
        if a.file_id is not None
    ]
    return audit(
        prepared.version.form,
        prepared.version.audit_rules,
        prepared.answers.data,
        attachments,
        await facts(prepared),
        promise_deferred=request.promise_deferred,
        today=today,
    )


async def check(actor: Actor, request: ApplicationInput, *, timezone: str) -> AuditOutcome:
    """The audit a submit would run, on the live (or pinned) version; writes nothing."""
    prepared = await prepare(actor, request)
    return await run_audit(prepared, request, local_today(timezone))


# -- writing ------------------------------------------------------------------------------------


async def _create(conn: BaseDBAsyncClient, prepared: Prepared, timezone: str) -> Application:
    now = datetime.now(UTC)
    app = await Application.create(
        number=await numbering.next_number(conn, APPLICATION_PREFIX, now, timezone),
        item_id=prepared.item.id,
        enterprise_id=prepared.enterprise.id,
        applicant_id=prepared.applicant_id,
        filed_by_id=prepared.filed_by_id,
        using_db=conn,
    )
    app.open_key = open_key(app, S.DRAFT, prepared.version.audit_rules)
    if app.open_key is not None:
        await Application.filter(id=app.id).using_db(conn).update(open_key=app.open_key)
    await events.record(
        conn, prepared.actor, "application", app.id, ApplicationEventKind.APPLICATION_CREATED,
        {"number": app.number, "filedBy": prepared.filed_by_id},
    )  # fmt: skip
    if prepared.filed_by_id is not None:
        await tell_members(
            conn, prepared.enterprise.id, "APPLICATION_FILED_FOR",
            {"staff": prepared.actor.name, "number": app.number,
             "enterprise": prepared.enterprise.name},
        )  # fmt: skip
    return app


async def tell_members(
    conn: BaseDBAsyncClient, enterprise_id: int, kind: str, params: dict[str, Any]
) -> None:
    members = (
        await Membership.filter(enterprise_id=enterprise_id)
        .using_db(conn)
        .values_list("user_id", flat=True)
    )
    for user_id in members:
        await notifications.notify(int(str(user_id)), kind, params, using_db=conn)


async def replace_attachments(
    conn: BaseDBAsyncClient,
    app: Application,
    attachments: Sequence[AttachmentInput],
    added_by: int | None,
    kinds: set[str] | None = None,
) -> None:
    """Sets the attachments (of `kinds` only, when given) to `attachments`."""
    current = ApplicationAttachment.filter(application_id=app.id).using_db(conn)
    if kinds is not None:
        current = current.filter(kind__in=list(kinds))
    await current.delete()
    for a in attachments:
        await ApplicationAttachment.create(
            application_id=app.id, kind=a.kind, file_id=a.file_id, expires_on=a.expires_on,
            added_by_id=added_by, using_db=conn,
        )  # fmt: skip


async def _expected(app: Application | None, request: ApplicationInput) -> int:
    if app is None:
        return 1
    if request.expected_version is None:
        raise Invalid.at("expectedVersion", "REQUIRED")
    if request.expected_version != app.version:
        raise Stale(expected=request.expected_version, actual=app.version)
    return request.expected_version


def _already_open() -> Invalid:
    # The other way a racing write fails: the enterprise's open application of this item.
    return Invalid.at("serviceItemId", "ALREADY_OPEN")


async def save_draft(actor: Actor, request: ApplicationInput, *, timezone: str) -> Application:
    """Creates or updates a draft (or a returned application); runs no audit."""
    claim = await idempotency.claim(
        actor, request.idempotency_key, "saveApplicationDraft", Application
    )
    if claim.first is not None:
        return claim.first
    try:
        prepared = await prepare(actor, request)
        expected = await _expected(prepared.application, request)
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Application:
        app = prepared.application or await _create(conn, prepared, timezone)
        await APPLICATION.apply(
            conn, prepared.actor, app, "SAVE_DRAFT", expected_version=expected,
            changes={"form_data": prepared.answers.stored,
                     "promised_deferred": request.promise_deferred},
        )  # fmt: skip
        await replace_attachments(conn, app, request.attachments, actor.user_id)
        return app

    app, _ = await claim.run(write, conflict=_already_open)
    return app


def _target(outcome: AuditOutcome, version: ServiceItemVersion) -> ApplicationStatus:
    if not outcome.passed:
        return S.RETURNED
    return S.APPROVED if version.review_mode is ReviewMode.AUTO else S.UNDER_REVIEW


async def submit(
    actor: Actor, request: ApplicationInput, *, timezone: str
) -> tuple[Application, Order | None]:
    """Audits and submits; an AUTO item that passes is approved and its order opened at once."""
    user_id = require_user(actor)
    claim = await idempotency.claim(
        actor, request.idempotency_key, "submitApplication", Application
    )
    if claim.first is not None:
        return claim.first, await Order.get_or_none(application_id=claim.first.id)
    try:
        prepared = await prepare(actor, request)
        expected = await _expected(prepared.application, request)
        outcome = await run_audit(prepared, request, local_today(timezone))
        orders: list[Order] = []
    except ServiceError as exc:
        first = await claim.after(exc)
        return first, await Order.get_or_none(application_id=first.id)

    async def write(conn: BaseDBAsyncClient) -> Application:
        app = prepared.application or await _create(conn, prepared, timezone)
        target, now = _target(outcome, prepared.version), datetime.now(UTC)
        revision_number, previous = app.revision_count + 1, app.submitted_at
        await APPLICATION.apply(
            conn, prepared.actor, app, "SUBMIT", to=target, expected_version=expected,
            changes={
                "form_data": prepared.answers.stored,
                "promised_deferred": request.promise_deferred,
                "item_version_id": prepared.version.id,
                "revision_count": revision_number,
                "submitted_at": now,
                "decided_at": now if target is S.APPROVED else None,
                "open_key": open_key(app, target, prepared.version.audit_rules),
            },
            data={"revision": revision_number, "passed": outcome.passed},
        )  # fmt: skip
        await popularity.count_submit(conn, app.item_id, previous, now)
        await replace_attachments(conn, app, request.attachments, user_id)
        revision = await ApplicationRevision.create(
            application_id=app.id, number=revision_number, item_version_id=prepared.version.id,
            form_data=prepared.answers.stored,
            attachments=[a.snapshot() for a in request.attachments],
            submitted_by_id=user_id, acting_for_enterprise=prepared.filed_by_id is not None
            or prepared.actor.acting_for_enterprise_id is not None, using_db=conn,
        )  # fmt: skip
        await AuditResult.create(
            application_id=app.id, revision_id=revision.id, passed=outcome.passed,
            problems=[{"code": p.code, "field": list(p.field), "params": p.params}
                      for p in outcome.problems],
            using_db=conn,
        )  # fmt: skip
        await _owe(conn, app, prepared.version, outcome.owed, timezone)
        if target is S.APPROVED:
            orders.append(
                await order_service.open_order(
                    conn, prepared.actor, app, approved_by_id=None, timezone=timezone
                )
            )
        await _tell_applicant(conn, app, target, orders[0].number if orders else "")
        return app

    app, replayed = await claim.run(write, conflict=_already_open)
    if replayed:
        return app, await Order.get_or_none(application_id=app.id)
    return app, orders[0] if orders else None


async def _tell_applicant(
    conn: BaseDBAsyncClient, app: Application, status: ApplicationStatus, order: str = ""
) -> None:
    kinds = {
        S.RETURNED: "APPLICATION_RETURNED",
        S.UNDER_REVIEW: "APPLICATION_UNDER_REVIEW",
        S.APPROVED: "APPLICATION_APPROVED",
        S.REJECTED: "APPLICATION_REJECTED",
    }
    params = {"number": app.number, "order": order}
    await notifications.notify(app.applicant_id, kinds[status], params, using_db=conn)


async def _owe(
    conn: BaseDBAsyncClient,
    app: Application,
    version: ServiceItemVersion,
    owed: Sequence[str],
    timezone: str,
) -> None:
    """Records each deferred material, due within the item's time limit, and tells the applicant
    of those newly owed: a resubmit that owes the same materials again repeats nothing."""
    if not owed:
        return
    due = (await calendar.due_at(datetime.now(UTC), version.time_limit_days, timezone)).date()
    kinds = {k["kind"]: k for k in version.form.get("attachments") or []}
    lines: dict[str, list[str]] = {"zh": [], "en": []}
    new: list[str] = []
    for kind in owed:
        material, created = await OwedMaterial.get_or_create(
            application_id=app.id, kind=kind, defaults={"due_on": due}, using_db=conn
        )
        if not created:
            continue
        await timers.schedule_owed(conn, material, timezone)
        new.append(kind)
        label = kinds[kind].get("label") or {}
        formats = [FILE_NAMES.get(m, m) for m in kinds[kind].get("mimeTypes") or []]
        lines["zh"].append(
            f"{label.get('zh') or kind}（{'、'.join(formats)}），{material.due_on.isoformat()} 前"
        )
        name_en = label.get("en") or label.get("zh") or kind
        lines["en"].append(f"{name_en} ({', '.join(formats)}) by {material.due_on.isoformat()}")
    if not new:
        return
    materials = {"zh": "；".join(lines["zh"]), "en": "; ".join(lines["en"])}
    await notifications.notify(
        app.applicant_id,
        "MATERIALS_OWED",
        {"number": app.number, "materials": materials},
        using_db=conn,
        key=f"materials-owed:{app.id}:{','.join(sorted(new))}",
    )


async def attachment_policy(item_id: int | None, kind: str | None) -> UploadPolicy:
    """What an upload of material `kind` for the item takes: the kind's types and size."""
    item = await ServiceItem.get_or_none(id=item_id) if item_id is not None else None
    if item is None or item.status is not ItemStatus.PUBLISHED or item.live_version_id is None:
        raise Invalid.at("serviceItemId", "NOT_FOUND")
    version = await ServiceItemVersion.get(id=item.live_version_id)
    found = next((k for k in version.form.get("attachments") or [] if k["kind"] == kind), None)
    if found is None:
        raise Invalid.at("attachmentKind", "UNKNOWN_ATTACHMENT_KIND")
    return UploadPolicy(
        mime_types={m: FILE_NAMES.get(m, m) for m in found["mimeTypes"]},
        max_bytes=found["maxBytes"],
    )
