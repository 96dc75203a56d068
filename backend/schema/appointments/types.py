"""Appointment plans, slots and bookings as the schema shows them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from backend.models.appointments import Appointment as AppointmentModel
from backend.models.appointments import AppointmentPlan as PlanModel
from backend.models.appointments import AppointmentSlot as SlotModel
from backend.models.appointments import AppointmentStatus, SlotClosedBy
from backend.schema.loading import in_language
from backend.schema.nodes import global_id
from backend.services.appointments.bookings import places_left
from backend.services.appointments.states import AppointmentActions

strawberry.enum(
    AppointmentStatus,
    name="AppointmentStatus",
    description="BOOKED holds a place; CHECKED_IN came; CANCELLED freed it; CLOSED: its slot "
    "closed for a holiday, or left the item's plan.",
)
strawberry.enum(
    SlotClosedBy,
    name="AppointmentSlotClosedBy",
    description="OPEN; ADMIN: closed by an admin (bookings kept); HOLIDAY: its day became one "
    "(reopens if the holiday is cleared); PLAN: the item's plan dropped its window or weekday.",
)


@strawberry.type(name="AppointmentWindow")
class AppointmentWindowType:
    start: str = strawberry.field(description="HH:MM, park time.")
    end: str
    quota: int


@strawberry.type(name="AppointmentPlan")
class AppointmentPlanType:
    id: strawberry.ID
    weekdays: list[int] = strawberry.field(
        description="ISO weekdays (1 Monday … 7 Sunday); empty: every working day. Slots fall "
        "only on the park's working days either way."
    )
    windows: list[AppointmentWindowType]
    days_ahead: int = strawberry.field(description="How many days ahead one may book.")
    location: str = strawberry.field(description="The handling location, in the viewer's language.")
    location_zh: str
    location_en: str
    before_review: bool = strawberry.field(
        description="Applicants book when the application is under review, before the desk's "
        "decision (else for the order, once it opens)."
    )
    version: int

    @classmethod
    def of(cls, plan: PlanModel, language: str) -> AppointmentPlanType:
        return cls(
            id=global_id("AppointmentPlan", plan.id),
            weekdays=list(plan.weekdays),
            windows=[AppointmentWindowType(**w) for w in plan.windows],
            days_ahead=plan.days_ahead,
            location=in_language(language, plan.location_zh, plan.location_en),
            location_zh=plan.location_zh,
            location_en=plan.location_en,
            before_review=plan.before_review,
            version=plan.version,
        )


@strawberry.type(name="AppointmentSlot")
class AppointmentSlotType:
    id: strawberry.ID
    day: date
    start: str
    end: str
    starts_at: datetime
    quota: int
    booked: int = strawberry.field(description="Places taken now (may exceed a lowered quota).")
    left: int = strawberry.field(description="Places still free; 0 when closed or past.")
    is_open: bool
    closed_by: SlotClosedBy
    version: int

    @classmethod
    def of(cls, slot: SlotModel, now: datetime) -> AppointmentSlotType:
        return cls(
            id=global_id("AppointmentSlot", slot.id),
            day=slot.day,
            start=slot.start,
            end=slot.end,
            starts_at=slot.starts_at,
            quota=slot.quota,
            booked=slot.booked,
            left=places_left(slot, now),
            is_open=slot.is_open,
            closed_by=slot.closed_by,
            version=slot.version,
        )


@strawberry.type(name="AppointmentViewerCan")
class AppointmentViewerCan:
    cancel: bool
    check_in: bool


@strawberry.type(name="Appointment")
class AppointmentType:
    id: strawberry.ID
    queue_number: str = strawberry.field(
        description="The window's start and the slot's number (`0930-07`), never given twice."
    )
    status: AppointmentStatus
    day: date
    start: str
    end: str
    starts_at: datetime
    location: str = strawberry.field(description="Where to come, in the viewer's language.")
    booked_at: datetime
    checked_in_at: datetime | None
    version: int
    viewer_can: AppointmentViewerCan

    @classmethod
    def of(
        cls, row: AppointmentModel, slot: SlotModel, actions: AppointmentActions, location: str
    ) -> AppointmentType:
        return cls(
            id=global_id("Appointment", row.id),
            queue_number=row.queue_number,
            status=row.status,
            day=slot.day,
            start=slot.start,
            end=slot.end,
            starts_at=slot.starts_at,
            location=location,
            booked_at=row.booked_at,
            checked_in_at=row.checked_in_at,
            version=row.version,
            viewer_can=AppointmentViewerCan(cancel=actions.cancel, check_in=actions.check_in),
        )


@strawberry.type(name="AppointmentDayEntry")
class AppointmentDayEntryType:
    appointment: AppointmentType
    service_item_name: str
    enterprise_name: str
    number: str = strawberry.field(description="The order's (or the application's) number.")
    order_number: str | None
