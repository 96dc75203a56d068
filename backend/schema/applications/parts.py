"""The parts of a page of applications its selection asks for, one bulk statement each: reviews,
revisions, the latest audit, owed materials, materials and their files, the item as the catalog
shows it (its own needs table, by the selection under `serviceItem`), the roles of the people
shown.

Reviews and revisions read their columns by their own selection (`REVIEW_NEEDS`,
`REVISION_NEEDS`): a reviewer's name is joined into the reviews' statement, a revision's form
data is read only when shown (or when `changesSinceReturn` compares them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from backend.models.accounts import Role
from backend.models.applications import ApplicationAttachment as AttachmentModel
from backend.models.applications import ApplicationRevision as RevisionModel
from backend.models.applications import AuditResult as AuditResultModel
from backend.models.applications import Decision
from backend.models.applications import OwedMaterial as OwedModel
from backend.models.applications import Review as ReviewModel
from backend.models.catalog import ServiceItem as ServiceItemModel
from backend.models.files import StoredFile
from backend.schema.accounts.types import roles_by_user
from backend.schema.applications.types import AttachmentType
from backend.schema.appointments.loading import load_appointments
from backend.schema.appointments.types import AppointmentType
from backend.schema.catalog.types import (
    EVERY_ITEM_FIELD,
    ServiceItemType,
    items_by_ids,
    items_wanted,
)
from backend.schema.enterprises.files import FileType
from backend.schema.loading import FieldNeeds, Needs, Selection, Wanted
from backend.services.core.actors import Actor
from backend.services.core.reach import reach_of

Row = Mapping[str, Any]


class Load(Enum):
    SERVICE_ITEM = "serviceItem"  # the item as the catalog shows it now
    ROLES = "roles"  # the roles of the people shown
    ATTACHMENTS = "attachments"  # the current materials, with their files
    AUDIT = "auditResult"  # the latest audit
    REVIEWS = "reviews"
    REVISIONS = "revisions"
    REVISION_FILES = "revisionFiles"  # the files the revisions' materials name
    OWED = "owedMaterials"
    CHANGES = "changesSinceReturn"  # reviews and revisions, with the revisions' contents
    APPOINTMENT = "appointment"  # the booking holding a place (before review), and its slot


def user_needs(relation: str) -> Needs[Load]:
    """A `User` reached through `relation`: its key, and each column only when its field is
    selected (roles, one statement for every person on the page)."""

    def column(name: str) -> Needs[Load]:
        return Needs(columns=(f"{relation}__{name}",))

    return Needs(
        columns=(f"{relation}_id",),
        below=FieldNeeds(
            always=(),
            fields={
                "id": Needs(),
                "name": column("name"),
                "roles": Needs(follow_ups=(Load.ROLES,)),
                "language": column("language"),
                "isActive": column("is_active"),
                "createdAt": column("created_at"),
                "version": column("version"),
                "email": column("email"),
                "phone": column("phone"),
                "emailConfirmed": Needs(
                    columns=(f"{relation}__email", f"{relation}__email_confirmed_at")
                ),
                "emailNotifications": column("email_notifications"),
                "emailOffered": Needs(),
                "provider": Needs(
                    columns=(f"{relation}__provider_id", f"{relation}__provider__name")
                ),
                # These read only the key (and the viewer).
                "calendarYearsMissing": Needs(),
                "can": Needs(),
                "unreadNotificationCount": Needs(),
            },
        ),
    )


# Columns of `reviews`; `always` is what ordering and `changesSinceReturn` read.
REVIEW_NEEDS: FieldNeeds[Load] = FieldNeeds(
    always=("id", "application_id", "decision", "created_at", "revision_id"),
    fields={
        "decision": Needs(),
        "at": Needs(),
        "comment": Needs(columns=("comment",)),
        "reviewer": user_needs("reviewer"),
        "revisionNumber": Needs(columns=("revision__number",)),
        "problems": Needs(columns=("problems",)),
    },
)

# Columns of `application_revisions`.
REVISION_NEEDS: FieldNeeds[Load] = FieldNeeds(
    always=("id", "application_id", "number"),
    fields={
        "number": Needs(),
        "submittedAt": Needs(columns=("created_at",)),
        "formData": Needs(columns=("form_data",)),
        "attachments": Needs(
            columns=("attachments",),
            below=FieldNeeds(
                always=(),
                fields={
                    "kind": Needs(),
                    "expiresOn": Needs(),
                    "file": Needs(follow_ups=(Load.REVISION_FILES,)),
                },
            ),
        ),
        "itemVersionNumber": Needs(columns=("item_version__number",)),
        "byStaffForEnterprise": Needs(columns=("acting_for_enterprise",)),
    },
)
# What `changesSinceReturn` compares between two revisions.
REVISION_CONTENTS = ("form_data", "attachments")


@dataclass(frozen=True, slots=True)
class _Review:
    id: int
    decision: Decision
    created_at: datetime
    revision_id: int


@dataclass(frozen=True, slots=True)
class _Revision:
    id: int
    number: int
    form_data: dict[str, Any]
    attachments: list[dict[str, Any]]


@dataclass
class Parts:
    """What a page of applications shows besides its own row, by application id."""

    items: dict[int, ServiceItemType]
    roles: dict[int, list[Role]]
    attachments: dict[int, list[AttachmentType]]
    audits: dict[int, Row]
    reviews: dict[int, list[Row]]
    revisions: dict[int, list[Row]]
    files: dict[int, FileType]
    owed: dict[int, list[Row]]
    with_changes: bool
    appointments: dict[int, AppointmentType] = field(default_factory=dict)

    def revision_attachments(self, revision: Row) -> list[AttachmentType]:
        return [
            AttachmentType(
                kind=a["kind"],
                file=self.files.get(a.get("fileId") or 0),
                expires_on=date.fromisoformat(a["expiresOn"]) if a.get("expiresOn") else None,
            )
            for a in revision.get("attachments") or ()
        ]

    def review_facts(self, application_id: int) -> list[_Review]:
        return [
            _Review(r["id"], r["decision"], r["created_at"], r["revision_id"])
            for r in self.reviews.get(application_id, [])
        ]

    def revision_facts(self, application_id: int) -> list[_Revision]:
        return [
            _Revision(r["id"], r["number"], r["form_data"], r["attachments"])
            for r in self.revisions.get(application_id, [])
        ]


def _by_application(rows: Iterable[Row]) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["application_id"]].append(row)
    return grouped


def _under(selection: Selection | None, name: str) -> Selection | None:
    return None if selection is None else selection.under(name)


async def _items(
    actor: Actor, rows: Sequence[Row], selection: Selection | None
) -> dict[int, ServiceItemType]:
    """The items applied for, as the selection under `serviceItem` asks (the catalog's own
    needs); shown whatever their state now: the application keeps its item."""
    wanted = EVERY_ITEM_FIELD if selection is None else items_wanted(selection)
    ids = {row["item_id"] for row in rows}
    return await items_by_ids(actor, ids, wanted, ServiceItemModel.all())


async def _files(
    attachment_rows: Sequence[AttachmentModel], revisions: Mapping[int, list[Row]]
) -> dict[int, FileType]:
    """The files of the current materials and of those the revisions name. Every application
    here is visible to the viewer, and its materials with it."""
    stored = {a.file.id: a.file for a in attachment_rows}
    named = {
        a["fileId"]
        for rows in revisions.values()
        for row in rows
        for a in row.get("attachments") or ()
        if a.get("fileId")
    } - set(stored)
    if named:
        stored.update({f.id: f for f in await StoredFile.filter(id__in=named)})
    return {pk: FileType.of(f, downloadable=True) for pk, f in stored.items()}


async def load_parts(
    actor: Actor, rows: Sequence[Row], selection: Selection | None, wanted: Wanted[Load]
) -> Parts:
    """The parts `wanted` (the applications' own `Wanted`) asks for, for `rows`."""
    ids = [row["id"] for row in rows]
    follow_ups: set[Load] = set(wanted.follow_ups)
    with_changes = Load.CHANGES in follow_ups

    reviews: dict[int, list[Row]] = {}
    if Load.REVIEWS in follow_ups or with_changes:
        shown = REVIEW_NEEDS.wanted(_under(selection, "reviews"))
        columns = shown.columns if Load.REVIEWS in follow_ups else REVIEW_NEEDS.always
        follow_ups |= shown.follow_ups if Load.REVIEWS in follow_ups else set()
        found = ReviewModel.filter(application_id__in=ids).order_by("created_at", "id")
        reviews = _by_application(await found.values(*columns))

    revisions: dict[int, list[Row]] = {}
    if Load.REVISIONS in follow_ups or with_changes:
        shown = REVISION_NEEDS.wanted(_under(selection, "revisions"))
        columns = shown.columns if Load.REVISIONS in follow_ups else REVISION_NEEDS.always
        if with_changes:
            columns = tuple(dict.fromkeys((*columns, *REVISION_CONTENTS)))
        follow_ups |= shown.follow_ups if Load.REVISIONS in follow_ups else set()
        found_revisions = RevisionModel.filter(application_id__in=ids).order_by("number")
        revisions = _by_application(await found_revisions.values(*columns))

    roles: dict[int, list[Role]] = {}
    if Load.ROLES in follow_ups:
        people = {row.get(k) for row in rows for k in ("applicant_id", "filed_by_id")}
        people |= {r.get("reviewer_id") for rs in reviews.values() for r in rs}
        roles = await roles_by_user(sorted(pk for pk in people if pk is not None))

    attachment_rows: list[AttachmentModel] = []
    if Load.ATTACHMENTS in follow_ups:
        attachment_rows = list(
            await AttachmentModel.filter(application_id__in=ids)
            .select_related("file")
            .order_by("id")
        )
    files = (
        await _files(attachment_rows, revisions if Load.REVISION_FILES in follow_ups else {})
        if attachment_rows or Load.REVISION_FILES in follow_ups
        else {}
    )
    attachments: dict[int, list[AttachmentType]] = defaultdict(list)
    for a in attachment_rows:
        attachments[a.application_id].append(
            AttachmentType(kind=a.kind, file=files[a.file.id], expires_on=a.expires_on)
        )

    audits: dict[int, Row] = {}
    if Load.AUDIT in follow_ups:
        found_audits = AuditResultModel.filter(application_id__in=ids).order_by("id")
        columns = ("application_id", "passed", "problems", "created_at", "revision__number")
        # The latest of each application's audits wins.
        audits = {a["application_id"]: a for a in await found_audits.values(*columns)}

    owed: dict[int, list[Row]] = {}
    if Load.OWED in follow_ups:
        found_owed = OwedModel.filter(application_id__in=ids).order_by("id")
        owed = _by_application(
            await found_owed.values("application_id", "kind", "due_on", "supplied_at", "status")
        )

    items = (
        await _items(actor, rows, _under(selection, "serviceItem"))
        if Load.SERVICE_ITEM in follow_ups
        else {}
    )
    appointments = (
        await load_appointments(actor, ids, await reach_of(actor), of_applications=True)
        if Load.APPOINTMENT in follow_ups
        else {}
    )
    return Parts(
        items,
        roles,
        dict(attachments),
        audits,
        reviews,
        revisions,
        files,
        owed,
        with_changes,
        appointments,
    )
