"""Stored files (licences, attachments): bytes on disk by their SHA-256, metadata here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import User


class StoredFile(Model):
    id = fields.BigIntField(primary_key=True)
    # The same bytes uploaded twice are stored once; each upload still gets its own row,
    # because who uploaded it and under which name differ.
    sha256 = fields.CharField(max_length=64, db_index=True)
    size = fields.BigIntField()
    mime_type = fields.CharField(max_length=100)
    original_name = fields.CharField(max_length=255)
    uploaded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="files", null=True, on_delete=fields.SET_NULL
    )
    uploaded_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stored_files"
