"""Applications: what an enterprise asks for, every version it submitted, and what was decided.

An application pins the item version it was first submitted against; its form data and
attachments are snapshotted in a revision at every submit, so a later edit of the item, or of
the application, never changes what was audited and reviewed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import User
    from backend.models.catalog import ServiceItem, ServiceItemVersion
    from backend.models.enterprises import Enterprise, Provider
    from backend.models.files import StoredFile


class ApplicationStatus(StrEnum):
    DRAFT = "DRAFT"
    RETURNED = "RETURNED"
    UNDER_REVIEW = "UNDER_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class Decision(StrEnum):
    APPROVE = "APPROVE"
    RETURN = "RETURN"
    REJECT = "REJECT"


class Application(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="applications", on_delete=fields.RESTRICT
    )
    item_id: int
    # Pinned at the first submit; a draft follows the live version until then.
    item_version: fields.ForeignKeyNullableRelation[ServiceItemVersion] = fields.ForeignKeyField(
        "models.ServiceItemVersion",
        related_name="applications",
        null=True,
        on_delete=fields.RESTRICT,
    )
    item_version_id: int | None
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="applications", on_delete=fields.RESTRICT
    )
    enterprise_id: int
    applicant: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="applications", on_delete=fields.RESTRICT
    )
    applicant_id: int
    # The provider the enterprise chose among the item's (PROVIDER fulfilment); NULL: the
    # item's primary provider.
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="applications", null=True, on_delete=fields.SET_NULL
    )
    provider_id: int | None
    # Set when an auditor filed it for an enterprise that came in person or called.
    filed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="applications_filed", null=True, on_delete=fields.SET_NULL
    )
    filed_by_id: int | None
    status = fields.CharEnumField(ApplicationStatus, max_length=12, default=ApplicationStatus.DRAFT)
    form_data: dict[str, Any] = fields.JSONField(default=dict)
    # The applicant's written promise to supply deferred materials (容缺受理).
    promised_deferred = fields.BooleanField(default=False)
    # "<enterprise id>:<item id>" while the application is open, else NULL: at most one open
    # application per enterprise and item, even when two submits race.
    open_key = fields.CharField(max_length=40, null=True, unique=True)
    revision_count = fields.IntField(default=0)
    submitted_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "applications"
        # The lists (newest or oldest first, by id) under their common filters: the desk's
        # status, an enterprise's own, one item's.
        indexes = (("status", "id"), ("enterprise_id", "id"), ("item_id", "id"))


class ApplicationAttachment(Model):
    """A file attached to the current state of an application, as one kind of material."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="attachments", on_delete=fields.CASCADE
    )
    application_id: int
    kind = fields.CharField(max_length=50)
    file: fields.ForeignKeyRelation[StoredFile] = fields.ForeignKeyField(
        "models.StoredFile", related_name="attachments", on_delete=fields.RESTRICT
    )
    file_id: int
    expires_on = fields.DateField(null=True)
    added_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="attachments_added", null=True, on_delete=fields.SET_NULL
    )
    added_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application_attachments"


class ApplicationRevision(Model):
    """What was submitted the n-th time: form data, attachments and the version it met."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="revisions", on_delete=fields.CASCADE
    )
    application_id: int
    number = fields.IntField()
    item_version: fields.ForeignKeyRelation[ServiceItemVersion] = fields.ForeignKeyField(
        "models.ServiceItemVersion", related_name="revisions", on_delete=fields.RESTRICT
    )
    item_version_id: int
    form_data: dict[str, Any] = fields.JSONField(default=dict)
    # [{"kind", "fileId", "expiresOn"}], as they stood at this submit.
    attachments: list[dict[str, Any]] = fields.JSONField(default=list)
    submitted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="revisions_submitted", null=True, on_delete=fields.SET_NULL
    )
    submitted_by_id: int | None
    acting_for_enterprise = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application_revisions"
        unique_together = (("application", "number"),)


class AuditResult(Model):
    """The platform's audit of one revision. Problems are codes with params, shown translated."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="audit_results", on_delete=fields.CASCADE
    )
    application_id: int
    revision: fields.ForeignKeyRelation[ApplicationRevision] = fields.ForeignKeyField(
        "models.ApplicationRevision", related_name="audit_results", on_delete=fields.CASCADE
    )
    revision_id: int
    passed = fields.BooleanField()
    # [{"code", "field": [...], "params": {...}}]
    problems: list[dict[str, Any]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_results"


class Review(Model):
    """An auditor's decision on one revision, with reasons per field when returned."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="reviews", on_delete=fields.CASCADE
    )
    application_id: int
    revision: fields.ForeignKeyRelation[ApplicationRevision] = fields.ForeignKeyField(
        "models.ApplicationRevision", related_name="reviews", on_delete=fields.CASCADE
    )
    revision_id: int
    reviewer: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reviews", null=True, on_delete=fields.SET_NULL
    )
    reviewer_id: int | None
    decision = fields.CharEnumField(Decision, max_length=8)
    comment = fields.TextField(default="")
    # [{"field": [...], "message": "..."}], the auditor's own words per field.
    problems: list[dict[str, Any]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reviews"


class OwedStatus(StrEnum):
    OUTSTANDING = "OUTSTANDING"  # nothing handed in yet
    SUPPLIED = "SUPPLIED"  # handed in, waiting for the handler's or the desk's review
    ACCEPTED = "ACCEPTED"
    RETURNED = "RETURNED"  # refused with a reason: the enterprise supplies it again


class OwedMaterial(Model):
    """A deferred material (容缺) the enterprise promised to supply by a date.

    Only an ACCEPTED one is settled: the order cannot be completed before every one is.
    """

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="owed_materials", on_delete=fields.CASCADE
    )
    application_id: int
    kind = fields.CharField(max_length=50)
    due_on = fields.DateField()
    supplied_at = fields.DatetimeField(null=True)
    supplied_file: fields.ForeignKeyNullableRelation[StoredFile] = fields.ForeignKeyField(
        "models.StoredFile", related_name="owed_supplied", null=True, on_delete=fields.SET_NULL
    )
    supplied_file_id: int | None
    # For a kind whose form asks until when it is valid, as the supplier said.
    supplied_expires_on = fields.DateField(null=True)
    status = fields.CharEnumField(
        OwedStatus, max_length=12, default=OwedStatus.OUTSTANDING, db_default="OUTSTANDING"
    )
    supplied_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owed_materials_supplied", null=True, on_delete=fields.SET_NULL
    )
    supplied_by_id: int | None
    # The reviewer's words when RETURNED; kept (with the refused file) until it is supplied again.
    return_reason = fields.TextField(default="", db_default="")
    reviewed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owed_materials_reviewed", null=True, on_delete=fields.SET_NULL
    )
    reviewed_by_id: int | None
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "owed_materials"
        unique_together = (("application", "kind"),)


class IdempotencyKey(Model):
    """The first result of a create-or-submit call, replayed when its key is used again."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="idempotency_keys", on_delete=fields.CASCADE
    )
    user_id: int
    key = fields.CharField(max_length=100)
    operation = fields.CharField(max_length=50)
    # The aggregate the first call created or changed, to load and return again.
    result_type = fields.CharField(max_length=30, default="")
    result_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_keys"
        unique_together = (("user", "key"),)
