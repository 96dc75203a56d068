"""Files on an order: attached to a note, a message, an answer or the result, or supplied as an
owed material.

A file comes in through `uploadFile` (judged by its bytes there, purpose `ORDER_ATTACHMENT`)
and is attached by id. Attaching checks it again, from what was stored: only one's own uploads,
of the types and size the step takes (an answer: the types the handler asked for), a few at a
time, each once, and none already on an order. Who may download it follows what it is attached
to (`AttachmentAudience`), as a query the download route and the `File` type share through
`files.policies.files_visible_to`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, Subquery

from backend.i18n import N_
from backend.models.applications import ApplicationAttachment, OwedMaterial
from backend.models.files import StoredFile
from backend.models.orders import AttachedTo, AttachmentAudience, Order, OrderAttachment
from backend.services.core.actors import Actor
from backend.services.core.errors import Problems, register_messages
from backend.services.files.uploads import MB, ORDER_ATTACHMENT_POLICY, UploadPolicy
from backend.services.orders.parties import conversations_readable_by
from backend.services.orders.policies import orders_visible_to

register_messages(
    {
        "ATTACHMENT_NOT_YOURS": N_("Choose a file you uploaded yourself."),
        "TOO_MANY_ATTACHMENTS": N_("Attach at most {max} files."),
        "DUPLICATE_ATTACHMENT": N_("This file is attached twice."),
        "FILE_ALREADY_USED": N_("This file is already attached to an order. Upload it again."),
    }
)

MAX_ATTACHMENTS = 10


def file_problems(
    problems: Problems,
    at: tuple[str, ...],
    stored: StoredFile | None,
    actor: Actor,
    policy: UploadPolicy,
    allowed: str | None = None,
) -> None:
    """What is wrong with attaching `stored` at `at` (added to `problems`)."""
    if stored is None or stored.uploaded_by_id != actor.user_id:
        problems.add(at, "ATTACHMENT_NOT_YOURS")
        return
    if stored.size == 0:
        problems.add(at, "EMPTY_FILE")
    elif stored.size > policy.max_bytes:
        problems.add(at, "FILE_TOO_LARGE", max_mb=round(policy.max_bytes / MB, 1))
    if not policy.accepts(stored.mime_type):
        problems.add(at, "FILE_TYPE_NOT_ALLOWED", allowed=allowed or policy.allowed_names())


async def checked_files(
    actor: Actor,
    file_ids: Sequence[int | None],
    field: str = "attachmentIds",
    *,
    policy: UploadPolicy = ORDER_ATTACHMENT_POLICY,
    conn: BaseDBAsyncClient | None = None,
) -> list[StoredFile]:
    """The files to attach, in the order given; every problem with them at once. `policy`
    narrows the types (an answer takes those the handler asked for); `conn`: the attaching
    transaction, when the checks run in it.

    An id of another type arrives as None (it names no file of the actor's).
    """
    problems = Problems()
    if len(file_ids) > MAX_ATTACHMENTS:
        problems.add(field, "TOO_MANY_ATTACHMENTS", max=MAX_ATTACHMENTS)
        problems.raise_if_any()
    wanted = [i for i in file_ids if i is not None]
    found: dict[int, StoredFile] = {}
    used: set[int] = set()
    if wanted:
        found = {f.id: f for f in await StoredFile.filter(id__in=wanted).using_db(conn)}
        used = {
            int(str(i))
            for i in await OrderAttachment.filter(file_id__in=wanted)
            .using_db(conn)
            .values_list("file_id", flat=True)
        }
    seen: set[int] = set()
    for position, file_id in enumerate(file_ids):
        at = (field, str(position))
        if file_id is not None and file_id in seen:
            problems.add(at, "DUPLICATE_ATTACHMENT")
            continue
        if file_id is not None:
            seen.add(file_id)
        stored = found.get(file_id) if file_id is not None else None
        before = len(problems.items)
        file_problems(problems, at, stored, actor, policy)
        if len(problems.items) == before and file_id in used:
            problems.add(at, "FILE_ALREADY_USED")
    problems.raise_if_any()
    return [found[i] for i in wanted]


async def attach(
    conn: BaseDBAsyncClient,
    order_id: int,
    files: Sequence[StoredFile],
    attached_to: AttachedTo,
    audience: AttachmentAudience,
    *,
    update_id: int | None = None,
    message_id: int | None = None,
    request_id: int | None = None,
) -> None:
    for position, stored in enumerate(files):
        await OrderAttachment.create(
            order_id=order_id, file_id=stored.id, attached_to=attached_to,
            order_update_id=update_id, message_id=message_id, request_id=request_id,
            audience=audience, position=position, using_db=conn,
        )  # fmt: skip


def order_files_visible_to(actor: Actor) -> Q:
    """Stored files `actor` may download because of an order (a condition on `StoredFile`):

    - a progress note's, an answer's, a result document, and a supplied owed material, to
      whoever may see the order;
    - an internal note's, to park staff who may see it;
    - a message's, to whoever may read the conversation, and to the provider the order is
      forwarded to (who is sent the applicant's messages);
    - the application's materials, to the provider the order is forwarded to (its payload
      names them; the provider fetches them with its token).
    """
    if actor.user_id is None:
        return Q(id=-1)
    visible = orders_visible_to(actor)
    audiences = [AttachmentAudience.ORDER_VIEWERS]
    if actor.is_park_staff:
        audiences.append(AttachmentAudience.PARK_STAFF)
    noted = OrderAttachment.filter(
        order_id__in=Subquery(visible.values("id")), audience__in=audiences
    )
    said = OrderAttachment.filter(
        order_id__in=Subquery(conversations_readable_by(actor).values("id")),
        audience=AttachmentAudience.CONVERSATION,
    )
    owed = OwedMaterial.filter(
        application_id__in=Subquery(visible.values("application_id")),
        supplied_file_id__isnull=False,
    )
    found = (
        Q(id__in=Subquery(noted.values("file_id")))
        | Q(id__in=Subquery(said.values("file_id")))
        | Q(id__in=Subquery(owed.values("supplied_file_id")))
    )
    provider_id = actor.speaks_for_provider
    if provider_id is not None:
        theirs = Order.filter(provider_id=provider_id)
        materials = ApplicationAttachment.filter(
            application_id__in=Subquery(theirs.values("application_id"))
        )
        told = OrderAttachment.filter(
            order_id__in=Subquery(theirs.values("id")), audience=AttachmentAudience.CONVERSATION
        )
        found = (
            found
            | Q(id__in=Subquery(materials.values("file_id")))
            | Q(id__in=Subquery(told.values("file_id")))
        )
    return found
