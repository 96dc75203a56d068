"""Appointments (预约号管理): an item's plan, the slots made from it, and the bookings.

The plan belongs to the item, not to an item version: it is how the hall works this month, not
part of what an applicant agreed to. A slot holds its own counts: `booked` (places taken now)
and `issued` (queue numbers ever given out). Booking raises both in one conditional UPDATE
(`booked < quota AND is_open`), so the database, not Python, keeps a slot from being
overbooked, and a queue number is never given twice, even after a cancellation.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import User
    from backend.models.applications import Application
    from backend.models.catalog import ServiceItem
    from backend.models.enterprises import Enterprise
    from backend.models.orders import Order


class AppointmentPlan(Model):
    """How an item takes appointments: its days, time windows, quotas and place. One per item."""

    id = fields.BigIntField(primary_key=True)
    item: fields.OneToOneRelation[ServiceItem] = fields.OneToOneField(
        "models.ServiceItem", related_name="appointment_plan", on_delete=fields.CASCADE
    )
    item_id: int
    # ISO weekdays (1 Monday ... 7 Sunday) it takes appointments on; empty: every working day.
    # Either way only on the park's working days (a make-up Saturday counts, a holiday not).
    weekdays: list[int] = fields.JSONField(default=list)
    # [{"start": "09:30", "end": "10:00", "quota": 10}], in order of the day.
    windows: list[dict[str, Any]] = fields.JSONField(default=list)
    # Slots are made, and may be booked, from tomorrow up to this many days ahead.
    days_ahead = fields.IntField(default=14)
    location_zh = fields.TextField(default="")
    location_en = fields.TextField(default="")
    # The applicant books before the desk reviews the application (not after the order opens).
    before_review = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "appointment_plans"


class SlotClosedBy(StrEnum):
    OPEN = "OPEN"
    ADMIN = "ADMIN"  # an admin closed it: no more bookings, those made are kept
    HOLIDAY = "HOLIDAY"  # its day became a holiday: its bookings were closed and told
    PLAN = "PLAN"  # the plan dropped its window (or weekday): its bookings were closed and told


class AppointmentSlot(Model):
    """One time window on one day of an item, with its quota and what is taken."""

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="appointment_slots", on_delete=fields.CASCADE
    )
    item_id: int
    day = fields.DateField()
    start = fields.CharField(max_length=5)  # "09:30", park time
    end = fields.CharField(max_length=5)
    starts_at = fields.DatetimeField()  # the day and start in the park's zone, as an instant
    quota = fields.IntField()
    booked = fields.IntField(default=0)
    issued = fields.IntField(default=0)
    is_open = fields.BooleanField(default=True)
    closed_by = fields.CharEnumField(SlotClosedBy, max_length=10, default=SlotClosedBy.OPEN)
    version = fields.IntField(default=1)

    class Meta:
        table = "appointment_slots"
        unique_together = (("item", "day", "start"),)
        indexes = (("day", "item_id"),)


class AppointmentStatus(StrEnum):
    BOOKED = "BOOKED"
    CHECKED_IN = "CHECKED_IN"
    CANCELLED = "CANCELLED"  # by the applicant (or the park): the place is free again
    CLOSED = "CLOSED"  # its slot closed for a holiday


class Appointment(Model):
    """A booked place in a slot, for an order or (before review) an application."""

    id = fields.BigIntField(primary_key=True)
    slot: fields.ForeignKeyRelation[AppointmentSlot] = fields.ForeignKeyField(
        "models.AppointmentSlot", related_name="appointments", on_delete=fields.RESTRICT
    )
    slot_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="appointments", null=True, on_delete=fields.CASCADE
    )
    order_id: int | None
    application: fields.ForeignKeyNullableRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="appointments", null=True, on_delete=fields.CASCADE
    )
    application_id: int | None
    # Whose booking it is (the order's or the application's enterprise): what the rules read.
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="appointments", on_delete=fields.CASCADE
    )
    enterprise_id: int
    # `order:<id>` or `application:<id>` while the booking holds a place, NULL once cancelled
    # or closed: the one booking per order or application, enforced by the database.
    holder = fields.CharField(max_length=40, null=True, unique=True)
    number = fields.IntField()  # the slot's `issued` when it was booked
    queue_number = fields.CharField(max_length=12)  # "0930-07"
    status = fields.CharEnumField(
        AppointmentStatus, max_length=10, default=AppointmentStatus.BOOKED
    )
    booked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointments_booked", null=True, on_delete=fields.SET_NULL
    )
    booked_by_id: int | None
    booked_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    checked_in_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appointments_checked_in", null=True,
        on_delete=fields.SET_NULL,
    )  # fmt: skip
    checked_in_by_id: int | None
    version = fields.IntField(default=1)

    class Meta:
        table = "appointments"
        unique_together = (("slot", "number"),)
        indexes = (("order_id",), ("application_id",))
