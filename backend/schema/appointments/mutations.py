"""The appointment mutations: admins keep plans and slots; applicants book and cancel;
handlers check people in."""

from __future__ import annotations

import strawberry

from backend.schema.appointments.errors import AppointmentError
from backend.schema.appointments.types import (
    AppointmentPlanType,
    AppointmentSlotType,
    AppointmentType,
)
from backend.schema.context import context_of, viewer_reach
from backend.schema.errors import run_mutation
from backend.schema.loading import in_language
from backend.schema.relay import input_pk, optional_input_pk
from backend.services.appointments import bookings, plans
from backend.services.appointments.states import actions_for
from backend.services.core import clock
from backend.services.core.errors import Invalid


@strawberry.input
class AppointmentWindowInput:
    start: str = strawberry.field(description="HH:MM, park time.")
    end: str
    quota: int


@strawberry.input
class SetAppointmentPlanInput:
    service_item_id: strawberry.ID
    weekdays: list[int] = strawberry.field(default_factory=list)
    windows: list[AppointmentWindowInput]
    days_ahead: int = 14
    location_zh: str
    location_en: str = ""
    before_review: bool = False
    expected_version: int | None = None


@strawberry.type
class SetAppointmentPlanPayload:
    plan: AppointmentPlanType | None
    slots_made: int
    user_errors: list[AppointmentError]


@strawberry.input
class UpdateAppointmentSlotInput:
    slot_id: strawberry.ID
    quota: int | None = None
    is_open: bool | None = None
    expected_version: int | None = None


@strawberry.type
class UpdateAppointmentSlotPayload:
    slot: AppointmentSlotType | None
    user_errors: list[AppointmentError]


@strawberry.input
class BookAppointmentInput:
    slot_id: strawberry.ID
    order_id: strawberry.ID | None = None
    application_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Instead of an order: an application under review, when the "
        "item's plan asks for an appointment before review.",
    )


@strawberry.input
class AppointmentIdInput:
    appointment_id: strawberry.ID


@strawberry.type
class AppointmentPayload:
    appointment: AppointmentType | None
    user_errors: list[AppointmentError]


async def _payload(info: strawberry.Info, booking: bookings.Booked) -> AppointmentPayload:
    actor = context_of(info).actor
    locations = await bookings.locations_of({booking.slot.item_id})
    location = in_language(actor.language, *locations.get(booking.slot.item_id, ("", "")))
    actions = actions_for(actor, booking.appointment, await viewer_reach(info))
    return AppointmentPayload(
        appointment=AppointmentType.of(booking.appointment, booking.slot, actions, location),
        user_errors=[],
    )


def _failed(errors: list[AppointmentError]) -> AppointmentPayload:
    return AppointmentPayload(appointment=None, user_errors=errors)


@strawberry.type
class AppointmentMutations:
    @strawberry.mutation(
        description="Admins: set an item's appointment plan and make the slots it calls for."
    )
    async def set_appointment_plan(
        self, info: strawberry.Info, input: SetAppointmentPlanInput
    ) -> SetAppointmentPlanPayload:
        context = context_of(info)

        async def change() -> SetAppointmentPlanPayload:
            item_id = input_pk(input.service_item_id, "ServiceItem", "serviceItemId")
            plan, made = await plans.set_plan(
                context.actor,
                item_id,
                plans.PlanInput(
                    weekdays=input.weekdays,
                    windows=[plans.Window(w.start, w.end, w.quota) for w in input.windows],
                    days_ahead=input.days_ahead,
                    location_zh=input.location_zh,
                    location_en=input.location_en,
                    before_review=input.before_review,
                ),
                timezone=context.settings.timezone,
                expected_version=input.expected_version,
            )
            return SetAppointmentPlanPayload(
                plan=AppointmentPlanType.of(plan, context.language),
                slots_made=made,
                user_errors=[],
            )

        return await run_mutation(
            info,
            AppointmentError,
            change,
            lambda errors: SetAppointmentPlanPayload(plan=None, slots_made=0, user_errors=errors),
        )

    @strawberry.mutation(description="Admins: close or open one slot, or change its quota.")
    async def update_appointment_slot(
        self, info: strawberry.Info, input: UpdateAppointmentSlotInput
    ) -> UpdateAppointmentSlotPayload:
        context = context_of(info)

        async def change() -> UpdateAppointmentSlotPayload:
            slot = await plans.change_slot(
                context.actor,
                input_pk(input.slot_id, "AppointmentSlot", "slotId"),
                quota=input.quota,
                is_open=input.is_open,
                expected_version=input.expected_version,
            )
            return UpdateAppointmentSlotPayload(
                slot=AppointmentSlotType.of(slot, clock.now()), user_errors=[]
            )

        return await run_mutation(
            info,
            AppointmentError,
            change,
            lambda errors: UpdateAppointmentSlotPayload(slot=None, user_errors=errors),
        )

    @strawberry.mutation(
        description="Book a place in a slot for an order (or an application under review) and "
        "get its queue number; one booking per order or application."
    )
    async def book_appointment(
        self, info: strawberry.Info, input: BookAppointmentInput
    ) -> AppointmentPayload:
        context = context_of(info)

        async def change() -> AppointmentPayload:
            slot_id = input_pk(input.slot_id, "AppointmentSlot", "slotId")
            order_id = optional_input_pk(input.order_id, "Order", "orderId")
            application_id = optional_input_pk(input.application_id, "Application", "applicationId")
            if order_id is not None and application_id is not None:
                raise Invalid.at("applicationId", "INVALID")
            booked = await bookings.book(
                context.actor,
                slot_id,
                order_id=order_id,
                application_id=application_id,
                timezone=context.settings.timezone,
            )
            return await _payload(info, booked)

        return await run_mutation(info, AppointmentError, change, _failed)

    @strawberry.mutation(description="Cancel a booking: the place is free again.")
    async def cancel_appointment(
        self, info: strawberry.Info, input: AppointmentIdInput
    ) -> AppointmentPayload:
        context = context_of(info)

        async def change() -> AppointmentPayload:
            appointment_id = input_pk(input.appointment_id, "Appointment", "appointmentId")
            booked = await bookings.cancel(context.actor, appointment_id)
            return await _payload(info, booked)

        return await run_mutation(info, AppointmentError, change, _failed)

    @strawberry.mutation(description="Handlers: the person came, on the day of the booking.")
    async def check_in_appointment(
        self, info: strawberry.Info, input: AppointmentIdInput
    ) -> AppointmentPayload:
        context = context_of(info)

        async def change() -> AppointmentPayload:
            appointment_id = input_pk(input.appointment_id, "Appointment", "appointmentId")
            booked = await bookings.check_in(
                context.actor, appointment_id, context.settings.timezone
            )
            return await _payload(info, booked)

        return await run_mutation(info, AppointmentError, change, _failed)
