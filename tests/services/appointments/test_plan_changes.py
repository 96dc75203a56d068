"""A changed plan and a cleared holiday: the future slots follow them.

A window the plan drops takes its future slots with it (deleted where nobody ever booked, closed
with their bookings, each booker told, where someone did); today's stay. A window that comes
back opens what the plan closed. Clearing a holiday opens the slots the holiday closed, never
those an admin closed."""

from __future__ import annotations

from datetime import date

import pytest

from backend.models.accounts import Notification
from backend.models.appointments import Appointment, AppointmentSlot, AppointmentStatus
from backend.models.calendar import DayKind
from backend.services.appointments import bookings, plans
from backend.services.calendar import calendar
from backend.services.core import clock
from backend.services.core.errors import Invalid
from backend.services.notifications.notifications import render
from tests.services.appointments.helpers import ADMIN, TZ, at, orders_of, plan_input, world

pytestmark = pytest.mark.postgres

TUE, WED, THU, FRI = (date(2026, 12, d) for d in (1, 2, 3, 4))


async def _slots(item_id: int, start: str) -> dict[date, AppointmentSlot]:
    return {s.day: s for s in await AppointmentSlot.filter(item_id=item_id, start=start)}


async def test_a_dropped_window_takes_its_future_slots_and_tells_who_booked(db: str) -> None:
    w = await world()
    today_order, wed_order, thu_order = await orders_of(w, 3)
    with clock.moved_to(at("2026-11-30 10:00")) as moved:  # Monday
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        early = await _slots(w.item.id, "09:30")
        await bookings.book(w.actor, early[TUE].id, order_id=today_order.id, timezone=TZ)
        held = await bookings.book(w.actor, early[WED].id, order_id=wed_order.id, timezone=TZ)
        gone = await bookings.book(w.actor, early[THU].id, order_id=thu_order.id, timezone=TZ)
        await bookings.cancel(w.actor, gone.appointment.id)

        moved.set(at("2026-12-01 08:00"))  # Tuesday: its slots are today's now
        windows = [plans.Window("10:00", "10:45", 5)]  # 09:30 dropped; 10:00 ends later
        await plans.set_plan(
            ADMIN, w.item.id, plan_input(windows=windows), timezone=TZ, expected_version=1
        )

        after = await _slots(w.item.id, "09:30")
        # Today's slot stays as it was, its booking with it.
        assert after[TUE].is_open and after[TUE].booked == 1
        # Booked (now or once): closed, not deleted; the rest of the window is gone.
        assert set(after) == {TUE, WED, THU}
        assert (after[WED].is_open, after[WED].closed_by.value, after[WED].booked) == (
            False, "PLAN", 0,
        )  # fmt: skip
        assert (after[THU].is_open, after[THU].closed_by.value) == (False, "PLAN")
        closed = await Appointment.get(id=held.appointment.id)
        assert closed.status is AppointmentStatus.CLOSED and closed.holder is None
        (notice,) = await Notification.filter(user_id=w.applicant.id, kind="APPOINTMENT_WITHDRAWN")
        assert (notice.params["queueNumber"], notice.params["day"]) == ("0930-01", "2026-12-02")
        assert notice.params["start"] == "09:30"
        assert notice.link == f"/orders/{wed_order.number}"
        assert render(notice, "zh-CN") == (
            "2026-12-02 09:30 的预约时段已不再开放，您的预约 0930-01 已取消，请另约时间。"
        )
        # The cancelled booking's booker hears nothing; nobody hears of a holiday.
        assert await Notification.filter(kind__in=["APPOINTMENT_WITHDRAWN",
                                                   "APPOINTMENT_CLOSED"]).count() == 1  # fmt: skip
        # The kept window's future slots end at its new end; today's keeps its own.
        late = await _slots(w.item.id, "10:00")
        assert {s.end for d, s in late.items() if d > TUE} == {"10:45"}
        assert late[TUE].end == "10:30"
        assert all(s.is_open for s in late.values())
        # The order whose booking closed books another time.
        again = await bookings.book(w.actor, late[WED].id, order_id=wed_order.id, timezone=TZ)
        assert again.appointment.queue_number == "1000-01"
        with pytest.raises(Invalid) as refused:
            await bookings.book(w.actor, after[THU].id, order_id=thu_order.id, timezone=TZ)
        assert refused.value.problems[0].code == "SLOT_CLOSED"

        # The window back: what the plan closed opens, what it deleted is made again.
        await plans.set_plan(
            ADMIN, w.item.id, plan_input(windows=[plans.Window("09:30", "10:00", 10), *windows]),
            timezone=TZ, expected_version=2,
        )  # fmt: skip
        back = await _slots(w.item.id, "09:30")
        assert back[WED].is_open and back[THU].is_open and FRI in back
        assert back[WED].closed_by.value == "OPEN"
        # The booking it closed stays closed; its place is free.
        assert (await Appointment.get(id=held.appointment.id)).status is AppointmentStatus.CLOSED
        assert back[WED].booked == 0


async def test_dropping_a_weekday_takes_that_days_slots(db: str) -> None:
    w = await world()
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        await plans.set_plan(
            ADMIN, w.item.id, plan_input(weekdays=(1, 3, 5)), timezone=TZ, expected_version=1
        )
        days = set(await AppointmentSlot.filter(item_id=w.item.id).values_list("day", flat=True))
        assert days and {d.isoweekday() for d in days} == {1, 3, 5}


async def test_clearing_a_holiday_reopens_what_it_closed_not_what_an_admin_closed(
    db: str,
) -> None:
    w = await world()
    first, second = await orders_of(w, 2)
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        early = (await _slots(w.item.id, "09:30"))[WED]
        late = (await _slots(w.item.id, "10:00"))[WED]
        in_early = await bookings.book(w.actor, early.id, order_id=first.id, timezone=TZ)
        in_late = await bookings.book(w.actor, late.id, order_id=second.id, timezone=TZ)
        await plans.change_slot(ADMIN, late.id, is_open=False)  # an admin's: no more bookings

        await calendar.set_day(ADMIN, WED, DayKind.OFF, "临时休息日", "Day off")
        closed = {s.start: s for s in await AppointmentSlot.filter(item_id=w.item.id, day=WED)}
        assert closed["09:30"].closed_by.value == "HOLIDAY"
        assert closed["10:00"].closed_by.value == "ADMIN"  # the admin's reason stays
        # Both bookings close (the admin-closed slot's people would still have come).
        for booking in (in_early, in_late):
            stored = await Appointment.get(id=booking.appointment.id)
            assert stored.status is AppointmentStatus.CLOSED
        told = await Notification.filter(user_id=w.applicant.id, kind="APPOINTMENT_CLOSED")
        assert sorted(n.params["queueNumber"] for n in told) == ["0930-01", "1000-01"]

        await calendar.clear_day(ADMIN, WED)
        reopened = {s.start: s for s in await AppointmentSlot.filter(item_id=w.item.id, day=WED)}
        assert (reopened["09:30"].is_open, reopened["09:30"].closed_by.value) == (True, "OPEN")
        assert (reopened["10:00"].is_open, reopened["10:00"].closed_by.value) == (False, "ADMIN")
        # The reopened slot takes bookings again, its place free, its numbers never reused.
        again = await bookings.book(w.actor, early.id, order_id=first.id, timezone=TZ)
        assert again.appointment.queue_number == "0930-02"
        assert (await AppointmentSlot.get(id=early.id)).booked == 1


async def test_clearing_a_working_day_entry_opens_nothing(db: str) -> None:
    w = await world()
    with clock.moved_to(at("2026-11-30 10:00")):
        await plans.set_plan(ADMIN, w.item.id, plan_input(), timezone=TZ)
        slot = (await _slots(w.item.id, "09:30"))[WED]
        await calendar.set_day(ADMIN, WED, DayKind.OFF, "临时休息日", "")
        await calendar.set_day(ADMIN, date(2026, 12, 5), DayKind.WORK, "调休", "")
        await calendar.clear_day(ADMIN, date(2026, 12, 5))
        assert not (await AppointmentSlot.get(id=slot.id)).is_open
