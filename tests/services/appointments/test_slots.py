"""Slots made from a plan on the park's working calendar; admins close one or change its
quota; a day that becomes a holiday closes its slots and tells those who booked."""

from __future__ import annotations

from datetime import date

import pytest

from backend.models.accounts import Notification
from backend.models.appointments import Appointment, AppointmentSlot, AppointmentStatus
from backend.models.calendar import CalendarDay, DayKind
from backend.models.jobs import Job
from backend.services.appointments import bookings, plans
from backend.services.calendar import calendar
from backend.services.core import clock
from backend.services.core.errors import Invalid, PermissionDenied
from tests.services.appointments.helpers import ADMIN, TZ, at, orders_of, plan_input, world
from tests.services.jobs.helpers import worker


async def _days(item_id: int) -> list[date]:
    return sorted(set(await AppointmentSlot.filter(item_id=item_id).values_list("day", flat=True)))


@pytest.mark.postgres
async def test_slots_skip_the_weekend_and_a_holiday_and_fall_on_a_make_up_day(db: str) -> None:
    w = await world()
    # National Day 2026: Thu 1 and Fri 2 Oct off; Sunday 27 Sep worked instead.
    await CalendarDay.create(day=date(2026, 10, 1), kind=DayKind.OFF, name_zh="国庆节")
    await CalendarDay.create(day=date(2026, 10, 2), kind=DayKind.OFF, name_zh="国庆节")
    await CalendarDay.create(day=date(2026, 9, 27), kind=DayKind.WORK, name_zh="国庆调休")
    with clock.moved_to(at("2026-09-23 10:00")):  # a Wednesday
        _, made = await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
    # From tomorrow to 14 days on (Thu 24 Sep .. Wed 7 Oct).
    expected = [
        date(2026, 9, 24), date(2026, 9, 25),  # Sat 26 off; Sun 27 the make-up day
        date(2026, 9, 27), date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
        date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7),  # 1, 2 holiday; 3, 4 weekend
    ]  # fmt: skip
    assert await _days(w.item.id) == expected
    assert made == len(expected) * 2  # two windows a day
    slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 9, 27), start="09:30")
    assert (slot.end, slot.quota, slot.booked, slot.is_open) == ("10:00", 10, 0, True)
    assert slot.starts_at == at("2026-09-27 09:30")

    # Making them again adds nothing and leaves a changed slot as it is.
    await plans.change_slot(ADMIN, slot.id, quota=3)
    with clock.moved_to(at("2026-09-23 11:00")):
        _, made = await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
    assert made == 0
    assert (await AppointmentSlot.get(id=slot.id)).quota == 3


async def test_a_plan_naming_weekdays_takes_only_those_working_days(db: str) -> None:
    w = await world()
    await CalendarDay.create(day=date(2026, 10, 5), kind=DayKind.OFF, name_zh="国庆节")
    with clock.moved_to(at("2026-09-23 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(weekdays=(1, 3)), timezone=TZ)
    # Mondays and Wednesdays; Monday 5 Oct is a holiday.
    assert await _days(w.item.id) == [date(2026, 9, 28), date(2026, 9, 30), date(2026, 10, 7)]


async def test_a_bad_plan_names_every_problem_and_only_admins_set_one(db: str) -> None:
    w = await world()
    bad = plan_input(
        windows=[
            plans.Window("09:00", "10:00", 0),
            plans.Window("09:30", "09:45", 5),
            plans.Window("25:00", "11:00", 5),
            plans.Window("12:00", "11:00", 5),
        ],
        days_ahead=0,
        location_zh=" ",
        weekdays=(8,),
    )
    with pytest.raises(Invalid) as refused:
        await plans.set_plan(ADMIN, w.item.id, bad, timezone=TZ)
    found = {(p.field, p.code) for p in refused.value.problems}
    assert found == {
        (("weekdays", "0"), "INVALID_WEEKDAY"),
        (("windows", "0", "quota"), "QUOTA_OUT_OF_RANGE"),
        (("windows", "1", "start"), "WINDOWS_OVERLAP"),
        (("windows", "2", "start"), "INVALID_TIME"),
        (("windows", "3", "end"), "WINDOW_ENDS_BEFORE_START"),
        (("daysAhead",), "DAYS_AHEAD_OUT_OF_RANGE"),
        (("locationZh",), "REQUIRED"),
    }
    with pytest.raises(PermissionDenied):
        await plans.set_plan(w.actor, w.item.id, plan_input(), timezone=TZ)


@pytest.mark.postgres
async def test_a_lowered_quota_keeps_its_bookings_and_takes_no_more(db: str) -> None:
    w = await world()
    orders = await orders_of(w, 4)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(quota=3), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 1), start="09:30")
        for order in orders[:3]:
            await bookings.book(w.actor, slot.id, order_id=order.id, timezone=TZ)
        await plans.change_slot(ADMIN, slot.id, quota=1)
        with pytest.raises(Invalid) as refused:
            await bookings.book(w.actor, slot.id, order_id=orders[3].id, timezone=TZ)
        assert refused.value.problems[0].code == "SLOT_FULL"
        stored = await AppointmentSlot.get(id=slot.id)
        assert (stored.quota, stored.booked) == (1, 3)
        assert await Appointment.filter(slot_id=slot.id, status="BOOKED").count() == 3

        # Closed by an admin: no more, and the bookings made are kept.
        await plans.change_slot(ADMIN, slot.id, quota=10, is_open=False)
        with pytest.raises(Invalid) as refused:
            await bookings.book(w.actor, slot.id, order_id=orders[3].id, timezone=TZ)
        assert refused.value.problems[0].code == "SLOT_CLOSED"
        assert await Appointment.filter(slot_id=slot.id, status="BOOKED").count() == 3


@pytest.mark.postgres
async def test_a_day_that_becomes_a_holiday_closes_its_slots_and_tells_the_bookers(
    db: str,
) -> None:
    w = await world()
    (order,) = await orders_of(w, 1)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        slot = await AppointmentSlot.get(item_id=w.item.id, day=date(2026, 12, 2), start="09:30")
        booked = await bookings.book(w.actor, slot.id, order_id=order.id, timezone=TZ)
        await calendar.set_day(ADMIN, date(2026, 12, 2), DayKind.OFF, "临时休息日", "Day off")

        closed = await Appointment.get(id=booked.appointment.id)
        assert closed.status is AppointmentStatus.CLOSED and closed.holder is None
        day_slots = await AppointmentSlot.filter(item_id=w.item.id, day=date(2026, 12, 2))
        assert {(s.is_open, s.closed_by.value) for s in day_slots} == {(False, "HOLIDAY")}
        other = await AppointmentSlot.filter(item_id=w.item.id, day=date(2026, 12, 3)).first()
        assert other is not None and other.is_open
        (notice,) = await Notification.filter(user_id=w.applicant.id, kind="APPOINTMENT_CLOSED")
        assert notice.params["queueNumber"] == "0930-01"
        assert notice.link == f"/orders/{order.number}"
        # The order is free to book another time.
        again = await bookings.book(w.actor, other.id, order_id=order.id, timezone=TZ)
        assert again.appointment.queue_number == "0930-01"


async def test_each_night_the_day_come_within_reach_gets_its_slots(db: str) -> None:
    w = await world()
    with clock.moved_to(at("2026-09-23 10:00")) as moved:  # Wednesday; 14 days: to Wed 7 Oct
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        assert max(await _days(w.item.id)) == date(2026, 10, 7)
        # A make-up Saturday entered later, beyond the reach then.
        await CalendarDay.create(day=date(2026, 10, 10), kind=DayKind.WORK, name_zh="调休")
        run = worker({plans.MAKE_SLOTS: plans._make_slots_job})
        moved.set(at("2026-09-24 00:05"))
        await run.tick()
        assert max(await _days(w.item.id)) == date(2026, 10, 8)
        moved.set(at("2026-09-26 00:05"))  # the job of the 25th ran late: it catches up
        await run.tick()
        await run.tick()
        assert date(2026, 10, 10) in await _days(w.item.id)
        # And the next night's run is waiting.
        assert await Job.filter(key=f"{plans.MAKE_SLOTS}:{w.item.id}:2026-09-27").exists()


async def test_places_left_is_the_rule_book_refuses_by(db: str) -> None:
    """What `AppointmentSlot.left` shows: nothing once closed or begun, never below nothing."""
    now = at("2026-09-23 10:00")

    def slot(starts: str, *, is_open: bool = True, booked: int = 1) -> AppointmentSlot:
        return AppointmentSlot(starts_at=at(starts), is_open=is_open, quota=3, booked=booked)

    assert bookings.places_left(slot("2026-09-24 09:30"), now) == 2
    assert bookings.places_left(slot("2026-09-24 09:30", booked=5), now) == 0  # quota lowered
    assert bookings.places_left(slot("2026-09-24 09:30", is_open=False), now) == 0
    assert bookings.places_left(slot("2026-09-23 10:00"), now) == 0  # begins now
    assert bookings.places_left(slot("2026-09-23 09:30"), now) == 0
