"""`appointmentPlan`, `appointmentSlots(serviceItemId, from, to)` and the handler's
`appointmentDay(day)`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import strawberry

from backend.models.appointments import AppointmentPlan, AppointmentSlot
from backend.models.catalog import ItemStatus, ServiceItem
from backend.schema.appointments.types import (
    AppointmentDayEntryType,
    AppointmentPlanType,
    AppointmentSlotType,
    AppointmentType,
)
from backend.schema.context import context_of, viewer_reach
from backend.schema.loading import in_language
from backend.schema.relay import BadRequest, decode_id_of
from backend.services.appointments import bookings
from backend.services.appointments.policies import can_manage_plans, can_see_day_lists
from backend.services.appointments.states import actions_for
from backend.services.core import clock

MAX_DAYS = 62


@strawberry.type(name="AppointmentChoices")
class AppointmentChoicesType:
    plan: AppointmentPlanType
    slots: list[AppointmentSlotType] = strawberry.field(
        description="The slots still ahead within the plan's reach, with what is left."
    )
    viewer_may_book: bool = strawberry.field(
        description="The viewer may book one for the order now (its enterprise's member, the "
        "order open, no booking holding a place)."
    )


async def _item_seen(item_id: int | None, admin: bool) -> bool:
    """An item anyone may book for is a published one; admins see their drafts' too."""
    if item_id is None:
        return False
    query = ServiceItem.filter(id=item_id)
    if not admin:
        query = query.filter(status=ItemStatus.PUBLISHED)
    return await query.exists()


@strawberry.type
class AppointmentQueries:
    @strawberry.field(description="The item's appointment plan; null when it has none.")
    async def appointment_plan(
        self, info: strawberry.Info, service_item_id: strawberry.ID
    ) -> AppointmentPlanType | None:
        actor = context_of(info).actor
        item_id = decode_id_of(service_item_id, "ServiceItem")
        if actor.user_id is None or not await _item_seen(item_id, can_manage_plans(actor)):
            return None
        plan = await AppointmentPlan.get_or_none(item_id=item_id)
        return AppointmentPlanType.of(plan, actor.language) if plan else None

    @strawberry.field(
        description="The item's slots from `from` to `to` (at most 62 days), with what is left "
        "in each; signed-in callers, published items (admins: any)."
    )
    async def appointment_slots(
        self,
        info: strawberry.Info,
        service_item_id: strawberry.ID,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> list[AppointmentSlotType]:
        actor = context_of(info).actor
        if to < from_ or to - from_ > timedelta(days=MAX_DAYS):
            raise BadRequest("`to` must be on or after `from`, at most 62 days on.", "BAD_RANGE")
        item_id = decode_id_of(service_item_id, "ServiceItem")
        if actor.user_id is None or not await _item_seen(item_id, can_manage_plans(actor)):
            return []
        slots = await AppointmentSlot.filter(item_id=item_id, day__gte=from_, day__lte=to).order_by(
            "day", "start"
        )
        now = clock.now()
        return [AppointmentSlotType.of(slot, now) for slot in slots]

    @strawberry.field(
        description="What an order's page (or an application's, for items that take "
        "appointments before review) offers for booking: null when the viewer may not see it "
        "or its item takes no appointments. Give one of the two ids."
    )
    async def appointment_choices(
        self,
        info: strawberry.Info,
        order_id: strawberry.ID | None = None,
        application_id: strawberry.ID | None = None,
    ) -> AppointmentChoicesType | None:
        context = context_of(info)
        order_pk = decode_id_of(order_id, "Order") if order_id else None
        application_pk = decode_id_of(application_id, "Application") if application_id else None
        if (order_pk is None) == (application_pk is None):
            return None
        found = await bookings.choices_for(
            context.actor,
            order_id=order_pk,
            application_id=application_pk,
            timezone=context.settings.timezone,
        )
        if found is None:
            return None
        now = clock.now()
        return AppointmentChoicesType(
            plan=AppointmentPlanType.of(found.plan, context.language),
            slots=[AppointmentSlotType.of(slot, now) for slot in found.slots],
            viewer_may_book=found.may_book,
        )

    @strawberry.field(
        description="Who is booked on `day` and who has come, by window and queue number: "
        "handlers, supervisors, admins (else empty)."
    )
    async def appointment_day(
        self, info: strawberry.Info, day: date, service_item_id: strawberry.ID | None = None
    ) -> list[AppointmentDayEntryType]:
        actor = context_of(info).actor
        if not can_see_day_lists(actor):
            return []
        item_id = decode_id_of(service_item_id, "ServiceItem") if service_item_id else None
        entries = await bookings.day_list(actor, day, item_id)
        reach = await viewer_reach(info)
        locations = await bookings.locations_of({e.slot.item_id for e in entries})
        return [
            AppointmentDayEntryType(
                appointment=AppointmentType.of(
                    e.appointment,
                    e.slot,
                    actions_for(actor, e.appointment, reach),
                    in_language(actor.language, *locations.get(e.slot.item_id, ("", ""))),
                ),
                service_item_name=in_language(actor.language, e.item_name_zh, e.item_name_en),
                enterprise_name=e.enterprise_name,
                number=e.number,
                order_number=e.appointment.order.number if e.appointment.order else None,
            )
            for e in entries
        ]
