"""What happens to a submitted application: an auditor's decision, a withdrawal, a supplement.

Each is one transaction through `APPLICATION.apply`; an approval opens the order in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from backend.i18n import N_
from backend.models.accounts import Role
from backend.models.applications import (
    Application,
    ApplicationRevision,
    ApplicationStatus,
    Decision,
    OwedMaterial,
    OwedStatus,
    Review,
)
from backend.models.catalog import ServiceItem, ServiceItemVersion
from backend.models.enterprises import Enterprise, Membership
from backend.models.files import StoredFile
from backend.models.orders import Order
from backend.services.applications.applications import (
    AttachmentInput,
    open_key,
    replace_attachments,
    tell_members,
)
from backend.services.applications.policies import applications_visible_to
from backend.services.applications.states import APPLICATION
from backend.services.catalog import forms
from backend.services.core.actors import Actor, require_role, require_user
from backend.services.core.errors import (
    ForbiddenTransition,
    Invalid,
    PermissionDenied,
    Problems,
    register_messages,
)
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.enterprises.records import record_of
from backend.services.notifications import notifications
from backend.services.orders import orders as order_service
from backend.services.orders.owed import STILL_OWED

register_messages(
    {
        "DECISION_REASON_REQUIRED": N_("Give the applicant a reason, in the comment or per field."),
    }
)

S = ApplicationStatus
ACTIONS = {Decision.APPROVE: "APPROVE", Decision.RETURN: "RETURN", Decision.REJECT: "REJECT"}
TARGETS = {Decision.APPROVE: S.APPROVED, Decision.RETURN: S.RETURNED, Decision.REJECT: S.REJECTED}
MAX_COMMENT = 2000


@dataclass(frozen=True)
class FieldProblem:
    field: tuple[str, ...]
    message: str


async def _visible(actor: Actor, application_id: int) -> Application:
    app = await applications_visible_to(actor).get_or_none(id=application_id)
    if app is None:
        raise Invalid.at("applicationId", "NOT_FOUND")
    return app


async def _version(app: Application) -> ServiceItemVersion:
    """The version the application is pinned to, else its item's live one (a draft)."""
    version_id = app.item_version_id
    if version_id is None:
        item = await ServiceItem.get(id=app.item_id)
        version_id = item.live_version_id
    return await ServiceItemVersion.get(id=version_id)


async def _rules(app: Application) -> Any:
    version_id = app.item_version_id
    if version_id is None:
        return []
    version = await ServiceItemVersion.get(id=version_id)
    return version.audit_rules


async def decide(
    actor: Actor,
    application_id: int,
    expected_version: int,
    decision: Decision,
    comment: str,
    problems: Sequence[FieldProblem],
    *,
    timezone: str,
) -> tuple[Application, Order | None]:
    """An auditor approves, returns or rejects an application under review."""
    require_role(actor, Role.AUDITOR)
    app = await _visible(actor, application_id)
    found = Problems()
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        found.add("comment", "TOO_LONG", max=MAX_COMMENT)
    cleaned = []
    for i, problem in enumerate(problems):
        if not problem.message.strip():
            found.add(("problems", str(i), "message"), "REQUIRED")
        cleaned.append({"field": list(problem.field), "message": problem.message.strip()})
    if decision is not Decision.APPROVE and not comment and not cleaned:
        found.add("comment", "DECISION_REASON_REQUIRED")
    found.raise_if_any()
    reach = await reach_of(actor)
    # A stale version or a decided application is refused before anything is looked up.
    APPLICATION.check(actor, app, ACTIONS[decision], reach, expected_version=expected_version)
    target, now = TARGETS[decision], datetime.now(UTC)
    rules = await _rules(app)
    revision = await ApplicationRevision.filter(application_id=app.id).order_by("-number").first()
    assert revision is not None  # under review: submitted at least once
    order: Order | None = None
    async with in_transaction() as conn:
        await APPLICATION.apply(
            conn, actor, app, ACTIONS[decision], to=target, expected_version=expected_version,
            changes={"decided_at": now, "open_key": open_key(app, target, rules)},
            data={"comment": comment, "revision": revision.number}, reach=reach,
        )  # fmt: skip
        await Review.create(
            application_id=app.id, revision_id=revision.id, reviewer_id=actor.user_id,
            decision=decision, comment=comment, problems=cleaned, using_db=conn,
        )  # fmt: skip
        if decision is Decision.APPROVE:
            order = await order_service.open_order(
                conn, actor, app, approved_by_id=actor.user_id, timezone=timezone
            )
        kinds = {
            Decision.APPROVE: "APPLICATION_APPROVED",
            Decision.RETURN: "APPLICATION_RETURNED",
            Decision.REJECT: "APPLICATION_REJECTED",
        }
        await notifications.notify(
            app.applicant_id,
            kinds[decision],
            {"number": app.number, "order": order.number if order else ""},
            using_db=conn,
        )
    return app, order


async def withdraw(actor: Actor, application_id: int, expected_version: int) -> Application:
    """A member of the enterprise withdraws an open application."""
    user_id = require_user(actor)
    app = await _visible(actor, application_id)
    member = await Membership.filter(
        user_id=user_id,
        enterprise_id=app.enterprise_id,
    ).exists()
    if not member:
        raise PermissionDenied()
    async with in_transaction() as conn:
        await APPLICATION.apply(
            conn, actor, app, "WITHDRAW", expected_version=expected_version,
            changes={"open_key": None, "decided_at": datetime.now(UTC)},
        )  # fmt: skip
    return app


async def supplement(
    actor: Actor,
    application_id: int,
    expected_version: int,
    form_data: Any | None,
    attachments: Sequence[AttachmentInput] | None,
) -> Application:
    """An auditor fills in answers or materials for the enterprise; its members are told.

    Attachments replace those of the same kinds. Once approved, only owed materials can be
    supplied; what the desk hands in counts as accepted (the desk reviews owed materials).
    """
    require_role(actor, Role.AUDITOR)
    user_id = require_user(actor)
    app = await _visible(actor, application_id)
    acting = replace(actor, acting_for_enterprise_id=app.enterprise_id)
    owed = {
        o.kind: o
        for o in await OwedMaterial.filter(application_id=app.id, status__in=list(STILL_OWED))
    }
    found = Problems()
    answers: forms.CheckedAnswers | None = None
    if form_data is not None:
        enterprise = await app.enterprise
        version = await _version(app)
        # The answers supplied are held to the same check as the applicant's own.
        answers = forms.check_answers(
            version.form, form_data, complete=False, record=record_of(enterprise)
        )
        found.items.extend(answers.problems)
    given = list(attachments or [])
    ids = [a.file_id for a in given if a.file_id is not None]
    files = {f.id: f for f in await StoredFile.filter(id__in=ids, uploaded_by_id=user_id)}
    for i, a in enumerate(given):
        if a.file_id not in files:
            found.add(("attachments", str(i), "fileId"), "ATTACHMENT_NOT_YOURS")
        if app.status is S.APPROVED and a.kind not in owed:
            found.add(("attachments", str(i), "kind"), "NOT_OWED")
    found.raise_if_any()
    reach = await reach_of(actor)
    APPLICATION.check(actor, app, "SUPPLEMENT", reach, expected_version=expected_version)
    if app.status is S.APPROVED and form_data is not None:
        # Once approved, the answers are the order's: only owed materials still come in.
        raise ForbiddenTransition(status=app.status.value)
    changes: dict[str, Any] = {}
    if answers is not None:
        changes["form_data"] = {**app.form_data, **answers.stored}
    kinds = {a.kind for a in given}
    async with in_transaction() as conn:
        await APPLICATION.apply(
            conn, acting, app, "SUPPLEMENT", expected_version=expected_version, changes=changes,
            data={"fields": sorted((form_data or {}).keys()), "kinds": sorted(kinds)}, reach=reach,
        )  # fmt: skip
        if given:
            await replace_attachments(conn, app, given, user_id, kinds)
        now = datetime.now(UTC)
        for a in given:
            if a.kind in owed:
                await (
                    OwedMaterial.filter(id=owed[a.kind].id)
                    .using_db(conn)
                    .update(
                        supplied_at=now,
                        supplied_file_id=a.file_id,
                        supplied_by_id=user_id,
                        supplied_expires_on=a.expires_on,
                        status=OwedStatus.ACCEPTED,
                        reviewed_by_id=user_id,
                        reviewed_at=now,
                        return_reason="",
                    )
                )
        enterprise = await Enterprise.get(id=app.enterprise_id, using_db=conn)
        await tell_members(
            conn, enterprise.id, "APPLICATION_SUPPLEMENTED",
            {"staff": actor.name, "number": app.number, "enterprise": enterprise.name},
        )  # fmt: skip
    return app


class ReviewFacts(Protocol):
    """What `changes_since_return` reads of a review (a model, or a list's row)."""

    @property
    def id(self) -> int: ...
    @property
    def decision(self) -> Decision: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def revision_id(self) -> int: ...


class RevisionFacts(Protocol):
    """What `changes_since_return` reads of a revision (a model, or a list's row)."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def form_data(self) -> dict[str, Any]: ...
    @property
    def attachments(self) -> list[dict[str, Any]]: ...


def changes_since_return(
    revisions: Sequence[RevisionFacts], reviews: Sequence[ReviewFacts]
) -> list[dict[str, Any]]:
    """Form fields and attachments (by kind) that differ between the revision the last RETURN
    review was on and the latest revision; [] when nothing was resubmitted since."""
    returns = [r for r in reviews if r.decision is Decision.RETURN]
    if not returns or not revisions:
        return []
    last_return = max(returns, key=lambda r: (r.created_at, r.id))
    by_id = {r.id: r for r in revisions}
    before = by_id.get(last_return.revision_id)
    after = max(revisions, key=lambda r: r.number)
    if before is None or after.number <= before.number:
        return []
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before.form_data) | set(after.form_data)):
        old, new = before.form_data.get(key), after.form_data.get(key)
        if old != new:
            changes.append({"field": ["formData", key], "before": old, "after": new})

    def by_kind(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
        kinds: dict[str, list[Any]] = {}
        for row in rows:
            kinds.setdefault(row["kind"], []).append(
                {"fileId": row.get("fileId"), "expiresOn": row.get("expiresOn")}
            )
        return kinds

    old_kinds, new_kinds = by_kind(before.attachments), by_kind(after.attachments)
    for kind in sorted(set(old_kinds) | set(new_kinds)):
        if old_kinds.get(kind) != new_kinds.get(kind):
            changes.append(
                {"field": ["attachments", kind], "before": old_kinds.get(kind),
                 "after": new_kinds.get(kind)}
            )  # fmt: skip
    return changes
