"""`File` and `uploadFile`: uploads are judged by their bytes; links are minted per viewer."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from tortoise.expressions import Subquery

from backend.models.applications import ApplicationAttachment
from backend.models.enterprises import Enterprise
from backend.models.files import StoredFile
from backend.schema.context import context_of
from backend.schema.enterprises.errors import FileError
from backend.schema.errors import run_mutation
from backend.schema.nodes import Node, global_id, register
from backend.schema.relay import decode_id_of
from backend.services.applications import applications
from backend.services.applications.policies import applications_visible_to
from backend.services.core.actors import Actor
from backend.services.core.errors import Invalid
from backend.services.enterprises import enterprises
from backend.services.files import storage, uploads
from backend.services.files.policies import can_download_file, files_visible_to
from backend.services.orders.attachments import order_files_visible_to

strawberry.enum(uploads.UploadPurpose, name="UploadPurpose", description="What a file is for.")


@strawberry.type(name="File", description="An uploaded file (a licence, an attachment).")
class FileType(Node):
    name: str
    size: int = strawberry.field(description="In bytes.")
    mime_type: str = strawberry.field(description="As judged from the content on upload.")
    created_at: datetime
    _model: strawberry.Private[StoredFile]
    _downloadable: strawberry.Private[bool]

    @classmethod
    def of(cls, stored: StoredFile, downloadable: bool) -> FileType:
        return cls(
            id=global_id("File", stored.id),
            name=stored.original_name,
            size=stored.size,
            mime_type=stored.mime_type,
            created_at=stored.created_at,
            _model=stored,
            _downloadable=downloadable,
        )

    @strawberry.field(
        description="A short-lived link to the bytes; null unless the viewer may download it."
    )
    def download_url(self, info: strawberry.Info) -> str | None:
        context = context_of(info)
        user_id = context.actor.user_id
        if not self._downloadable or user_id is None:
            return None
        token = storage.download_token(context.settings.secret_key, self._model.id, user_id=user_id)
        return f"/files/{token}"


async def files_as_types(actor: Actor, files: Sequence[StoredFile]) -> list[FileType]:
    """Files with whether the viewer may download each, in two queries at most."""
    licence_of: dict[int, list[int]] = {f.id: [] for f in files}
    rows = await Enterprise.filter(licence_id__in=list(licence_of)).values_list("licence_id", "id")
    for licence_id, enterprise_id in rows:
        licence_of[int(str(licence_id))].append(int(str(enterprise_id)))
    member_of: Collection[int] = (
        await enterprises.member_of(actor) if any(licence_of.values()) else ()
    )
    visible = Subquery(applications_visible_to(actor).values("id"))
    attached = set(
        await ApplicationAttachment.filter(
            file_id__in=list(licence_of), application_id__in=visible
        ).values_list("file_id", flat=True)
    )
    attached.update(
        await StoredFile.filter(order_files_visible_to(actor), id__in=list(licence_of))
        .values_list("id", flat=True)
    )  # fmt: skip
    return [
        FileType.of(
            f,
            can_download_file(
                actor, f, licence_of[f.id], member_of, attached_to_visible=f.id in attached
            ),
        )
        for f in files
    ]


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    files = await files_visible_to(actor).filter(id__in=list(pks))
    return {t._model.id: t for t in await files_as_types(actor, files)}


register("File", _load, "files:read")


@strawberry.input
class UploadFileInput:
    file: Upload
    purpose: uploads.UploadPurpose = uploads.UploadPurpose.LICENCE
    service_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an ATTACHMENT: the item whose form names the kind."
    )
    attachment_kind: str | None = strawberry.field(
        default=None, description="For an ATTACHMENT: the kind of material (its types and size)."
    )


@strawberry.type
class UploadFilePayload:
    file: FileType | None
    user_errors: list[FileError]


@strawberry.type
class FileMutations:
    @strawberry.mutation(
        description="Uploads one file (multipart request); its type is judged from its bytes."
    )
    async def upload_file(self, info: strawberry.Info, input: UploadFileInput) -> UploadFilePayload:
        context = context_of(info)
        source = input.file

        async def change() -> UploadFilePayload:
            if not isinstance(source, UploadFile):
                # A JSON request cannot carry a file: the variable must come from the multipart map.
                raise Invalid.at("file", "REQUIRED")
            policy = None
            if input.purpose is uploads.UploadPurpose.ATTACHMENT:
                item = (
                    decode_id_of(input.service_item_id, "ServiceItem")
                    if input.service_item_id
                    else None
                )
                policy = await applications.attachment_policy(item, input.attachment_kind)
            stored = await uploads.upload(
                context.actor,
                context.settings.storage_dir,
                source,
                source.filename or "file",
                input.purpose,
                policy,
            )
            return UploadFilePayload(file=FileType.of(stored, downloadable=True), user_errors=[])

        return await run_mutation(
            info, FileError, change, lambda errors: UploadFilePayload(file=None, user_errors=errors)
        )
