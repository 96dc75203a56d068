"""Content-addressed file storage outside the web root, and short-lived signed download links.

Bytes live at `<storage_dir>/<aa>/<bb>/<sha256>`; nothing serves that folder directly. The
only way in is `/files/<signed token>`, and only a permission-checked GraphQL field mints
tokens (`download_token`), each valid for `settings.download_url_seconds` and only for the
person it was made for: a link passed on (or leaked in a log or a referrer) serves no one else.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.files import StoredFile

_SALT = "servicehall.download"


def blob_path(storage_dir: Path, sha256: str) -> Path:
    return storage_dir / sha256[:2] / sha256[2:4] / sha256


async def store(
    storage_dir: Path,
    data: bytes,
    *,
    mime_type: str,
    original_name: str,
    uploaded_by_id: int | None,
    using_db: BaseDBAsyncClient | None = None,
) -> StoredFile:
    """Writes the bytes once (atomically, by rename) and records this upload.

    Pass the caller's transaction as `using_db` so the row commits with the caller's event;
    bytes left behind by a rolled-back upload are harmless (content-addressed, unreferenced).
    """
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(storage_dir, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    name = Path(original_name.replace("\\", "/")).name[:255] or "file"
    return await StoredFile.create(
        sha256=digest,
        size=len(data),
        mime_type=mime_type,
        original_name=name,
        uploaded_by_id=uploaded_by_id,
        using_db=using_db,
    )


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def download_token(secret_key: str, file_id: int, *, user_id: int) -> str:
    """A token for `/files/<token>` that only `user_id` may use; call only after checking that
    this user may see the file."""
    return _serializer(secret_key).dumps({"f": file_id, "u": user_id})


@dataclass(frozen=True)
class DownloadRefused(Exception):
    reason: str


@dataclass(frozen=True)
class DownloadLink:
    file_id: int
    user_id: int


def read_download_token(secret_key: str, token: str, max_age_seconds: int) -> DownloadLink:
    try:
        payload = _serializer(secret_key).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise DownloadRefused("expired") from exc
    except BadSignature as exc:
        raise DownloadRefused("invalid") from exc
    if not isinstance(payload, dict):
        raise DownloadRefused("invalid")
    file_id, user_id = payload.get("f"), payload.get("u")
    if not isinstance(file_id, int) or not isinstance(user_id, int):
        raise DownloadRefused("invalid")
    return DownloadLink(file_id, user_id)
