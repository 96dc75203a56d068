"""Uploads: a file is judged by its bytes against the policy of what it is for, then stored.

The type is read from the content (`puremagic`), never from the name or the client's word; the
size is counted while reading, in chunks, and reading stops one byte past the limit. Each
purpose (a licence now; application attachments later) names the types and the size it takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import puremagic

from backend.i18n import N_
from backend.models.files import StoredFile
from backend.services.core import events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, register_messages
from backend.services.core.transactions import in_transaction
from backend.services.files import storage

register_messages(
    {
        "EMPTY_FILE": N_("The file is empty. Choose the scanned document again."),
        "FILE_TOO_LARGE": N_("The file is larger than {max_mb} MB. Upload a smaller scan."),
        "FILE_TYPE_NOT_ALLOWED": N_(
            "This kind of file is not accepted here. Upload one of: {allowed}."
        ),
    }
)

CHUNK = 64 * 1024
MB = 1024 * 1024


class UploadPurpose(StrEnum):
    LICENCE = "LICENCE"
    # A material of an application: types and size come from the kind in the item's form.
    ATTACHMENT = "ATTACHMENT"
    # A file on an order: a note's or a message's, an answer to the handler's question, a
    # result document (`orders.attachments`).
    ORDER_ATTACHMENT = "ORDER_ATTACHMENT"


@dataclass(frozen=True)
class UploadPolicy:
    """What a purpose accepts: MIME types (as judged from the bytes) and a size limit."""

    mime_types: dict[str, str]  # MIME type -> the name people know it by
    max_bytes: int

    def allowed_names(self) -> str:
        return ", ".join(self.mime_types.values())

    def accepts(self, mime: str | None) -> bool:
        """`mime` is one of the types (a type may end in `/*`: any subtype)."""
        return mime is not None and any(
            mime == allowed or (allowed.endswith("/*") and mime.startswith(allowed[:-1]))
            for allowed in self.mime_types
        )


LICENCE_POLICY = UploadPolicy(
    mime_types={"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"},
    max_bytes=10 * MB,
)

ORDER_ATTACHMENT_POLICY = UploadPolicy(
    mime_types={
        "application/pdf": "PDF",
        "image/jpeg": "JPEG",
        "image/png": "PNG",
        "application/zip": "ZIP",
    },
    max_bytes=20 * MB,
)

POLICIES: dict[UploadPurpose, UploadPolicy] = {
    UploadPurpose.LICENCE: LICENCE_POLICY,
    UploadPurpose.ORDER_ATTACHMENT: ORDER_ATTACHMENT_POLICY,
}


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def read_limited(source: Readable, max_bytes: int) -> bytes:
    """Reads at most `max_bytes`; more than that is FILE_TOO_LARGE, detected one chunk past."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = await source.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise Invalid.at("file", "FILE_TOO_LARGE", max_mb=max_bytes // MB)
        chunks.append(chunk)
    return b"".join(chunks)


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes show, or None when nothing is recognised."""
    try:
        mime = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return mime or None


def check(data: bytes, policy: UploadPolicy) -> str:
    """The file's MIME type if `policy` accepts these bytes; else the problem, at `file`."""
    if not data:
        raise Invalid.at("file", "EMPTY_FILE")
    if len(data) > policy.max_bytes:
        raise Invalid.at("file", "FILE_TOO_LARGE", max_mb=policy.max_bytes // MB)
    mime = sniff(data)
    if mime is None or not policy.accepts(mime):
        raise Invalid.at("file", "FILE_TYPE_NOT_ALLOWED", allowed=policy.allowed_names())
    return mime


async def upload(
    actor: Actor,
    storage_dir: Path,
    source: Readable,
    filename: str,
    purpose: UploadPurpose = UploadPurpose.LICENCE,
    policy: UploadPolicy | None = None,
) -> StoredFile:
    """Checks and stores one uploaded file; nothing is written unless it passes.

    A purpose without a fixed policy (ATTACHMENT) is judged by the `policy` the caller found.
    """
    user_id = require_user(actor)
    policy = policy or POLICIES.get(purpose)
    if policy is None:
        raise Invalid.at("purpose", "REQUIRED")
    data = await read_limited(source, policy.max_bytes)
    mime = check(data, policy)
    async with in_transaction() as conn:
        stored = await storage.store(
            storage_dir,
            data,
            mime_type=mime,
            original_name=filename or "file",
            uploaded_by_id=user_id,
            using_db=conn,
        )
        await events.record(
            conn,
            actor,
            "file",
            stored.id,
            "FILE_UPLOADED",
            {"purpose": purpose.value, "mimeType": mime, "size": stored.size},
        )
    return stored
