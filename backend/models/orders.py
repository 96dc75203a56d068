"""Orders: an approved application on its way through a handler (or a provider) to the end."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import Team, User
    from backend.models.applications import Application
    from backend.models.catalog import ServiceItem, ServiceItemVersion
    from backend.models.enterprises import Enterprise, Provider
    from backend.models.files import StoredFile


class OrderStatus(StrEnum):
    PENDING_ASSIGNMENT = "PENDING_ASSIGNMENT"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_ON_APPLICANT = "WAITING_ON_APPLICANT"
    COMPLETED = "COMPLETED"
    PENDING_FORWARD = "PENDING_FORWARD"
    FORWARDED = "FORWARDED"
    CANCELLED = "CANCELLED"


# Orders a handler still holds: what "load" counts when choosing who gets the next one.
OPEN_STATUSES = (OrderStatus.ASSIGNED, OrderStatus.IN_PROGRESS, OrderStatus.WAITING_ON_APPLICANT)


class Order(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    application: fields.OneToOneRelation[Application] = fields.OneToOneField(
        "models.Application", related_name="order", on_delete=fields.RESTRICT
    )
    application_id: int
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="orders", on_delete=fields.RESTRICT
    )
    item_id: int
    item_version: fields.ForeignKeyRelation[ServiceItemVersion] = fields.ForeignKeyField(
        "models.ServiceItemVersion", related_name="orders", on_delete=fields.RESTRICT
    )
    item_version_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="orders", on_delete=fields.RESTRICT
    )
    enterprise_id: int
    applicant: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders_applied", on_delete=fields.RESTRICT
    )
    applicant_id: int
    # Who approved it (the patent's "auditor" column); NULL for instant approval.
    auditor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders_audited", null=True, on_delete=fields.SET_NULL
    )
    auditor_id: int | None
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="orders_assigned", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    provider_id: int | None
    status = fields.CharEnumField(
        OrderStatus, max_length=20, default=OrderStatus.PENDING_ASSIGNMENT, db_index=True
    )
    # Who was eligible, their loads, and why this one: words a supervisor can check.
    assignment_reason: dict[str, Any] = fields.JSONField(default=dict)
    due_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    assigned_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    # Handlers who handed it back (user ids): the automatic choice never gives it to them again.
    declined_by: list[int] = fields.JSONField(default=list, db_default=[])
    # The start of the pause under way while WAITING_ON_APPLICANT, else NULL. With `due_at`
    # (every finished pause counted) it tells whether the order is overdue without the calendar.
    waiting_since = fields.DatetimeField(null=True)
    # The moment the order becomes due soon: the start (park time) of the working day
    # `SERVICEHALL_DUE_SOON_WORKING_DAYS` working days before the due day, set wherever
    # `due_at` is set or moved (`time_limits.due_soon_at`); NULL for orders opened before it
    # existed (never due soon). With `due_at` and `waiting_since` it answers "due soon" in SQL.
    due_soon_at = fields.DatetimeField(null=True)
    # The result in the handler's words, once completed.
    result = fields.TextField(default="", db_default="")
    # Who at the provider handles it, in the provider's words (named when it accepts).
    provider_staff = fields.CharField(max_length=100, default="", db_default="")
    # Once completed: the working days it took, pauses left out, worked out on the working
    # calendar in the completing transaction (`time_limits.processing_days`), so the cockpit
    # averages them in SQL without the calendar. NULL for orders completed before it was kept.
    processing_days = fields.IntField(null=True)

    class Meta:
        table = "orders"
        # The lists' orderings under their common filters (a status such as the unassigned,
        # an enterprise's own, one item's), each ending in the key so a page stops early (a
        # handler's queue does with `assignee_id, status`, measured); the number's trigram
        # index for search is PostgreSQL-only (migration 0010).
        indexes = (
            ("assignee_id", "status"),
            ("status", "created_at", "id"),
            ("enterprise_id", "created_at", "id"),
            ("item_id", "created_at", "id"),
            ("due_at", "id"),
            # The cockpit: orders completed in a range of days with their working days, in
            # index-only scans (`services/dashboard`; opened ones use `created_at`'s index, by
            # status `(status, created_at, id)`: measured in docs/benchmarks.md).
            ("completed_at", "processing_days"),
            # The queue filtered by a team or a provider (the cockpit links there): a small
            # team's or provider's page would otherwise walk every order newest first, and its
            # bounded count scan the table (measured in docs/benchmarks.md).
            ("team_id", "created_at", "id"),
            ("provider_id", "created_at", "id"),
        )


# -- processing: what the handler reports, and the conversation with the enterprise ---------------


class OrderUpdateKind(StrEnum):
    PROGRESS = "PROGRESS"  # processing information the applicant reads
    INTERNAL = "INTERNAL"  # for park staff who can see the order: never the applicant or a provider


class OrderUpdate(Model):
    """Processing information on an order (a progress note or an internal note)."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="updates", on_delete=fields.CASCADE
    )
    order_id: int
    kind = fields.CharEnumField(OrderUpdateKind, max_length=10)
    body = fields.TextField()
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="order_updates", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    attachments: fields.ReverseRelation[OrderAttachment]

    class Meta:
        table = "order_updates"
        indexes = (("order_id", "id"),)


class ConversationSide(StrEnum):
    ENTERPRISE = "ENTERPRISE"  # any member of the enterprise that applied
    HANDLER = "HANDLER"  # the order's assignee


class OrderMessage(Model):
    """One message of the conversation on an order, numbered 1, 2, 3, ... per order."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="messages", on_delete=fields.CASCADE
    )
    order_id: int
    # From the order's own message counter (`counters` row `message:order:<id>`): concurrent
    # senders get distinct, gapless numbers, and the order's version is never touched.
    sequence = fields.IntField()
    side = fields.CharEnumField(ConversationSide, max_length=10)
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="order_messages", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    body = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    attachments: fields.ReverseRelation[OrderAttachment]

    class Meta:
        table = "order_messages"
        unique_together = (("order", "sequence"),)


class OrderReadMark(Model):
    """How far one side of an order's conversation has read: a message sequence that only grows."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="read_marks", on_delete=fields.CASCADE
    )
    order_id: int
    side = fields.CharEnumField(ConversationSide, max_length=10)
    last_read_sequence = fields.IntField(default=0)
    read_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="order_read_marks", null=True, on_delete=fields.SET_NULL
    )
    read_by_id: int | None
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "order_read_marks"
        unique_together = (("order", "side"),)


# -- the steps: questions to the applicant, pauses of the clock ----------------------------------


class OrderInformationRequest(Model):
    """The handler's question to the applicant, and the enterprise's answer."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="information_requests", on_delete=fields.CASCADE
    )
    order_id: int
    question = fields.TextField()
    # MIME types of the files wanted; empty: words are enough.
    file_types: list[str] = fields.JSONField(default=list)
    asked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="information_asked", null=True, on_delete=fields.SET_NULL
    )
    asked_by_id: int | None
    asked_at = fields.DatetimeField()
    answer = fields.TextField(default="")
    answered_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="information_answered", null=True, on_delete=fields.SET_NULL
    )
    answered_by_id: int | None
    answered_at = fields.DatetimeField(null=True)

    attachments: fields.ReverseRelation[OrderAttachment]

    class Meta:
        table = "order_information_requests"


class OrderPause(Model):
    """A stretch of time the order waited on the applicant: its clock stood still."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="pauses", on_delete=fields.CASCADE
    )
    order_id: int
    request: fields.ForeignKeyNullableRelation[OrderInformationRequest] = fields.ForeignKeyField(
        "models.OrderInformationRequest", related_name="pauses", null=True,
        on_delete=fields.SET_NULL,
    )  # fmt: skip
    request_id: int | None
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    # Working days the due date moved when the pause ended (kept: a later change of the
    # calendar does not rewrite a due date already moved); NULL while it lasts.
    working_days = fields.IntField(null=True)

    class Meta:
        table = "order_pauses"


# -- files on an order ----------------------------------------------------------------------------


class AttachedTo(StrEnum):
    """What on an order a file hangs on."""

    UPDATE = "UPDATE"  # a progress or an internal note (`order_update`)
    MESSAGE = "MESSAGE"  # a message of the conversation (`message`)
    ANSWER = "ANSWER"  # the applicant's answer to a handler's question (`request`)
    RESULT = "RESULT"  # the result of the completed order


class AttachmentAudience(StrEnum):
    """Who may download a file attached to an order, as the thing it is attached to says."""

    # A progress note's, an answer's, a result document: whoever may see the order.
    ORDER_VIEWERS = "ORDER_VIEWERS"
    PARK_STAFF = "PARK_STAFF"  # an internal note's
    CONVERSATION = "CONVERSATION"  # a message's: the enterprise, the assignee, supervisors


class OrderAttachment(Model):
    """A stored file on an order: on a note, a message, an answer, or the result.

    Uploaded with purpose ORDER_ATTACHMENT, and attached to one thing only."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="attachments", on_delete=fields.CASCADE
    )
    order_id: int
    file: fields.ForeignKeyRelation[StoredFile] = fields.ForeignKeyField(
        "models.StoredFile", related_name="order_attachments", on_delete=fields.RESTRICT
    )
    file_id: int
    attached_to = fields.CharEnumField(AttachedTo, max_length=10)
    order_update: fields.ForeignKeyNullableRelation[OrderUpdate] = fields.ForeignKeyField(
        "models.OrderUpdate", related_name="attachments", null=True, on_delete=fields.CASCADE
    )
    order_update_id: int | None
    message: fields.ForeignKeyNullableRelation[OrderMessage] = fields.ForeignKeyField(
        "models.OrderMessage", related_name="attachments", null=True, on_delete=fields.CASCADE
    )
    message_id: int | None
    request: fields.ForeignKeyNullableRelation[OrderInformationRequest] = fields.ForeignKeyField(
        "models.OrderInformationRequest", related_name="attachments", null=True,
        on_delete=fields.CASCADE,
    )  # fmt: skip
    request_id: int | None
    audience = fields.CharEnumField(AttachmentAudience, max_length=15)
    position = fields.IntField(default=0)

    class Meta:
        table = "order_attachments"
        indexes = (("order_id", "audience"), ("file_id",))


class OrderDayCount(Model):
    """The orders of one park day (the park's time zone when counted): opened that day, completed
    that day, and of those opened that day how many are now completed or cancelled.

    The cockpit sums a range of these rather than counting orders, so a year reads 366 rows
    whatever the traffic. Opening, completing and cancelling an order add to them in their own
    transactions (`services/orders/day_counts.py`), which recounts them from the orders too.
    """

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField(unique=True)
    opened = fields.IntField(default=0)
    completed = fields.IntField(default=0)
    opened_completed = fields.IntField(default=0)
    opened_cancelled = fields.IntField(default=0)

    class Meta:
        table = "order_day_counts"


class OrderProcessingCount(Model):
    """How many orders completed on one park day took a number of working days
    (`Order.processing_days`, recorded ones only): the cockpit's processing time over a range
    sums these rather than reading every completed order.
    """

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    working_days = fields.IntField()
    orders = fields.IntField(default=0)

    class Meta:
        table = "order_processing_counts"
        unique_together = (("day", "working_days"),)
