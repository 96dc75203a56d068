"""Booking places: never more than the quota, whatever the crowd; queue numbers never given
twice; one booking per order; the reminder the working day before; the day's check-in."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from backend.models.accounts import Notification, Role
from backend.models.applications import Application, ApplicationStatus
from backend.models.appointments import Appointment, AppointmentSlot, AppointmentStatus
from backend.models.calendar import CalendarDay, DayKind
from backend.models.jobs import Job
from backend.services.appointments import bookings, plans, reminders
from backend.services.core import clock
from backend.services.core.actors import Actor
from backend.services.core.errors import (
    ForbiddenTransition,
    Invalid,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from backend.services.jobs.jobs import JobRun
from backend.services.notifications.notifications import render
from tests import builders
from tests.services.appointments.helpers import ADMIN, TZ, at, orders_of, plan_input, world
from tests.services.jobs.helpers import worker


@pytest.mark.postgres
async def test_two_hundred_at_once_for_ten_places_make_ten_bookings(db: str) -> None:
    w = await world()
    orders = await orders_of(w, 200)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=10), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="09:30")

        async def attempt(order_id: int) -> str | bookings.Booked:
            try:
                return await bookings.book(w.actor, slot.id, order_id=order_id, timezone=TZ)
            except ServiceError as exc:
                return ",".join(p.code for p in exc.problems)

        results = await asyncio.gather(*(attempt(o.id) for o in orders))
    booked = [r for r in results if isinstance(r, bookings.Booked)]
    refused = [r for r in results if not isinstance(r, bookings.Booked)]
    assert len(booked) == 10
    assert refused == ["SLOT_FULL"] * 190
    stored = await AppointmentSlot.get(id=slot.id)
    assert (stored.booked, stored.issued) == (10, 10)
    assert sorted(b.appointment.queue_number for b in booked) == [
        f"0930-{n:02d}" for n in range(1, 11)
    ]
    assert await Appointment.filter(slot_id=slot.id).count() == 10


@pytest.mark.postgres
async def test_a_cancelled_place_is_bookable_again_under_a_new_number(db: str) -> None:
    w = await world()
    orders = await orders_of(w, 3)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=2), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="09:30")
        first = await bookings.book(w.actor, slot.id, order_id=orders[0].id, timezone=TZ)
        await bookings.book(w.actor, slot.id, order_id=orders[1].id, timezone=TZ)
        with pytest.raises(Invalid):
            await bookings.book(w.actor, slot.id, order_id=orders[2].id, timezone=TZ)

        cancelled = await bookings.cancel(w.actor, first.appointment.id)
        assert cancelled.appointment.status is AppointmentStatus.CANCELLED
        assert (await AppointmentSlot.get(id=slot.id)).booked == 1
        third = await bookings.book(w.actor, slot.id, order_id=orders[2].id, timezone=TZ)
        # The place came back; the number did not: 0930-01 stays the cancelled one's.
        assert third.appointment.queue_number == "0930-03"
        # And the cancelled order may book again (its holder was cleared).
        later = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="10:00")
        again = await bookings.book(w.actor, later.id, order_id=orders[0].id, timezone=TZ)
        assert again.appointment.queue_number == "1000-01"
        with pytest.raises(ForbiddenTransition):
            await bookings.cancel(w.actor, first.appointment.id)


@pytest.mark.postgres
async def test_bad_bookings_each_get_their_own_clear_problem(db: str) -> None:
    w = await world()
    orders = await orders_of(w, 2)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=1), timezone=TZ)
        tomorrow = await AppointmentSlot.get(
            item_id=w.item.id, day=date(2026, 12, 1), start="09:30"
        )
        await bookings.book(w.actor, tomorrow.id, order_id=orders[0].id, timezone=TZ)
    later = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="10:00")

    async def problem(slot_id: int, order_id: int) -> tuple[tuple[str, ...], str]:
        with pytest.raises(ServiceError) as refused:
            await bookings.book(w.actor, slot_id, order_id=order_id, timezone=TZ)
        (found,) = refused.value.problems
        return found.field, found.code

    with clock.moved_to(at("2026-11-30 11:00")):
        assert await problem(tomorrow.id, orders[1].id) == (("slotId",), "SLOT_FULL")
        assert await problem(later.id, orders[0].id) == (("slotId",), "ALREADY_BOOKED")
        await plans.change_slot(ADMIN, later.id, is_open=False)
        assert await problem(later.id, orders[1].id) == (("slotId",), "SLOT_CLOSED")
        assert await problem(10**9, orders[1].id) == (("slotId",), "NOT_FOUND")
    with clock.moved_to(at("2026-12-01 09:31")):
        assert await problem(tomorrow.id, orders[1].id) == (("slotId",), "SLOT_IN_THE_PAST")
    # A plan that now reaches less far: the slots made before stay, but cannot be booked yet.
    with clock.moved_to(at("2026-11-30 11:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=1, days_ahead=2), timezone=TZ)
        far = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 10), start="09:30")
        assert await problem(far.id, orders[1].id) == (("slotId",), "SLOT_TOO_FAR_AHEAD")

    # Someone else's order is not found; a slot of another item is not this order's.
    stranger = await builders.user(Role.APPLICANT, "路人")
    with clock.moved_to(at("2026-11-30 11:00")), pytest.raises(NotFound):
        await bookings.book(
            Actor(user_id=stranger.id, roles=frozenset({Role.APPLICANT})),
            tomorrow.id, order_id=orders[1].id, timezone=TZ,
        )  # fmt: skip
    other = await world()
    with clock.moved_to(at("2026-11-30 11:00")):
        await plans.set_plan(ADMIN, other.item.id, plan_input(), timezone=TZ)
        foreign = await AppointmentSlot.get(
            item_id=other.item.id, day=date(2026, 12, 1), start="09:30"
        )
        assert await problem(foreign.id, orders[1].id) == (("slotId",), "SLOT_OF_ANOTHER_ITEM")


async def test_the_reminder_comes_at_nine_on_the_working_day_before(db: str) -> None:
    w = await world()
    (order,) = await orders_of(w, 1)
    # Monday 7 Dec; Friday 4 Dec is a holiday, so the working day before is Thursday 3 Dec.
    await CalendarDay.create(day=date(2026, 12, 4), kind=DayKind.OFF, name_zh="测试假日")
    with clock.moved_to(at("2026-11-30 10:00")) as moved:
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 7), start="10:00")
        booked = await bookings.book(w.actor, slot.id, order_id=order.id, timezone=TZ)
        job = await Job.get(key=f"{bookings.REMIND}:{booked.appointment.id}")
        assert job.run_at == at("2026-12-03 09:00")

        run = worker({bookings.REMIND: reminders.remind, plans.MAKE_SLOTS: plans._make_slots_job})
        moved.set(at("2026-12-03 08:59"))
        await run.tick()
        assert not await Notification.filter(kind="APPOINTMENT_REMINDER").exists()  # not yet
        moved.set(at("2026-12-03 09:00"))
        await run.tick()
        assert (await Job.get(id=job.id)).status.value == "DONE"
    (notice,) = await Notification.filter(user_id=w.applicant.id, kind="APPOINTMENT_REMINDER")
    assert notice.params["queueNumber"] == "1000-01"
    assert notice.params["day"] == "2026-12-07" and notice.params["start"] == "10:00"
    assert notice.link == f"/orders/{order.number}"
    assert render(notice, "zh-CN") == (
        "提醒：您的预约（排队号 1000-01）在 2026-12-07 10:00，地点：政务服务大厅 3 号窗口。"
    )
    assert "at Service hall, window 3." in render(notice, "en")
    # Run twice (a worker that died after the work): still one notice.
    await reminders.remind(JobRun(job.id, job.kind, job.payload, 2, run.settings))
    assert await Notification.filter(kind="APPOINTMENT_REMINDER").count() == 1


async def test_a_handler_checks_the_person_in_on_the_day(db: str) -> None:
    w = await world()
    (order,) = await orders_of(w, 1)
    handler = w.handler  # of the order's team
    handler_actor = Actor(user_id=handler.id, roles=frozenset({Role.HANDLER}))
    _, (stranger,) = await builders.team_with_handlers(1, "办理二组")
    other_handler = Actor(user_id=stranger.id, roles=frozenset({Role.HANDLER}))
    supervisor = Actor(user_id=stranger.id, roles=frozenset({Role.SUPERVISOR}))
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="09:30")
        booked = await bookings.book(w.actor, slot.id, order_id=order.id, timezone=TZ)
        with pytest.raises(Invalid) as refused:
            await bookings.check_in(handler_actor, booked.appointment.id, TZ)
        assert refused.value.problems[0].code == "NOT_ON_THE_DAY"
    with clock.moved_to(at("2026-12-01 09:20")):
        with pytest.raises(PermissionDenied):
            await bookings.check_in(w.actor, booked.appointment.id, TZ)
        (entry,) = await bookings.day_list(handler_actor, date(2026, 12, 1))
        assert (entry.number, entry.appointment.queue_number) == (order.number, "0930-01")
        assert entry.enterprise_name == w.enterprise.name
        # Another team's handler: not theirs to see, nor to check in; a supervisor sees all.
        assert await bookings.day_list(other_handler, date(2026, 12, 1)) == []
        with pytest.raises(NotFound):
            await bookings.check_in(other_handler, booked.appointment.id, TZ)
        assert len(await bookings.day_list(supervisor, date(2026, 12, 1))) == 1
        done = await bookings.check_in(handler_actor, booked.appointment.id, TZ)
    assert done.appointment.status is AppointmentStatus.CHECKED_IN
    stored = await Appointment.get(id=booked.appointment.id)
    assert stored.checked_in_by_id == handler.id
    with pytest.raises(PermissionDenied):
        await bookings.day_list(w.actor, date(2026, 12, 1))


async def test_an_application_under_review_books_when_the_plan_asks_before_review(
    db: str,
) -> None:
    w = await world()
    application = await builders.approved_application(w.item, w.version, w.enterprise, w.applicant)
    await Application.filter(id=application.id).update(status=ApplicationStatus.UNDER_REVIEW)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="09:30")
        # The plan books for orders: an application may not.
        with pytest.raises(Invalid) as refused:
            await bookings.book(w.actor, slot.id, application_id=application.id, timezone=TZ)
        assert refused.value.problems[0].field == ("applicationId",)
        assert refused.value.problems[0].code == "NOT_BOOKABLE"
        await plans.set_plan(ADMIN, w.item.id, plan_input(before_review=True), timezone=TZ)
        booked = await bookings.book(w.actor, slot.id, application_id=application.id, timezone=TZ)
        assert booked.appointment.queue_number == "0930-01"
        assert booked.appointment.holder == f"application:{application.id}"
        with pytest.raises(Invalid) as refused:
            await bookings.book(w.actor, slot.id, application_id=application.id, timezone=TZ)
        assert refused.value.problems[0].code == "ALREADY_BOOKED"
        # Once decided, an application books no more.
        await bookings.cancel(w.actor, booked.appointment.id)
        await Application.filter(id=application.id).update(status=ApplicationStatus.APPROVED)
        with pytest.raises(Invalid) as refused:
            await bookings.book(w.actor, slot.id, application_id=application.id, timezone=TZ)
        assert refused.value.problems[0].code == "NOT_BOOKABLE"


@pytest.mark.postgres
async def test_one_order_booked_twenty_times_at_once_holds_one_place(db: str) -> None:
    w = await world()
    (order,) = await orders_of(w, 1)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=30), timezone=TZ)
        slots = await AppointmentSlot.filter(item_id=w.item.id).order_by("day", "start").limit(4)

        async def attempt(n: int) -> str:
            try:
                await bookings.book(w.actor, slots[n % 4].id, order_id=order.id, timezone=TZ)
            except ServiceError as exc:
                return ",".join(p.code for p in exc.problems)
            return "BOOKED"

        results = await asyncio.gather(*(attempt(n) for n in range(20)))
    assert sorted(results) == ["ALREADY_BOOKED"] * 19 + ["BOOKED"]
    assert await Appointment.filter(order_id=order.id).count() == 1
    # The refused ones took no place: only the booked slot counts one.
    counts = await AppointmentSlot.filter(id__in=[s.id for s in slots]).values_list(
        "booked", flat=True
    )
    assert sorted(counts) == [0, 0, 0, 1]
