"""Who may download a stored file."""

from __future__ import annotations

from collections.abc import Collection

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.applications import ApplicationAttachment
from backend.models.enterprises import Enterprise
from backend.models.files import StoredFile
from backend.services.applications.policies import applications_visible_to
from backend.services.core.actors import Actor
from backend.services.enterprises.policies import can_download_licence
from backend.services.orders.attachments import order_files_visible_to


def can_download_file(
    actor: Actor,
    file: StoredFile,
    licence_of: Collection[int],
    member_of: Collection[int],
    attached_to_visible: bool = False,
) -> bool:
    """Its uploader; for a licence (`licence_of`: the enterprises it licenses), as above; for
    a material of an application or a file on an order (`attached_to_visible`), whoever may
    see what it is attached to (`files_visible_to` says who, as a query)."""
    if actor.user_id is None:
        return False
    if file.uploaded_by_id == actor.user_id or attached_to_visible:
        return True
    return any(can_download_licence(actor, e, member_of) for e in licence_of)


def files_visible_to(actor: Actor) -> QuerySet[StoredFile]:
    """The same rule as `can_download_file`, as a query; and files on orders, as what they are
    attached to allows (`orders.attachments.order_files_visible_to`)."""
    if actor.user_id is None:
        return StoredFile.filter(id=-1)
    licences = Enterprise.filter(licence_id__isnull=False)
    if not actor.has(Role.ADMIN):
        licences = licences.filter(memberships__user_id=actor.user_id)
    visible = Subquery(applications_visible_to(actor).values("id"))
    attached = ApplicationAttachment.filter(application_id__in=visible).values("file_id")
    return StoredFile.filter(
        Q(uploaded_by_id=actor.user_id)
        | Q(id__in=Subquery(licences.values("licence_id")))
        | Q(id__in=Subquery(attached))
        | order_files_visible_to(actor)
    )
