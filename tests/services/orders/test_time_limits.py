"""The pause arithmetic: one working day for each working day at whose end the order still waited
on the applicant, on the park's calendar (weekends, public holidays, make-up working days), in
park time; the due date, the remaining working days and overdue, the pauses counted.

2027-03-05 is a Friday; 03-06/07 the weekend; 03-08 Monday ... 03-12 Friday.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.models.calendar import DayKind
from backend.models.orders import Order, OrderPause, OrderStatus
from backend.services.calendar.calendar import WorkingCalendar
from backend.services.core import clock
from backend.services.orders import steps, time_limits
from tests.services.orders.helpers import (
    PARK,
    TZ,
    at,
    day_off,
    end_of,
    makeup_day,
    open_order,
    stored,
    world,
)

pytestmark = pytest.mark.postgres


def calendar(overrides: dict[str, DayKind] | None = None) -> WorkingCalendar:
    days = {date.fromisoformat(k): v for k, v in (overrides or {}).items()}
    return WorkingCalendar(PARK, date(2027, 1, 1), date(2027, 12, 31), days)


# -- the arithmetic itself, on a calendar given as data ------------------------------------------

PAUSES = [
    # (what, asked, answered, calendar overrides, working days the due date moves)
    ("within one working day", at("2027-03-09", 9), at("2027-03-09", 17, 30), {}, 0),
    ("overnight: Tuesday's end passed", at("2027-03-09", 16), at("2027-03-10", 9), {}, 1),
    ("over a weekend: only Friday's end", at("2027-03-05", 15), at("2027-03-08", 10), {}, 1),
    ("over a whole week and its weekend", at("2027-03-05", 15), at("2027-03-12", 10), {}, 5),
    (
        "over a public holiday on Thursday",
        at("2027-03-10", 14),
        at("2027-03-12", 10),
        {"2027-03-11": DayKind.OFF},
        1,
    ),
    (
        "over a weekend with a make-up working Sunday",
        at("2027-03-05", 15),
        at("2027-03-08", 10),
        {"2027-03-07": DayKind.WORK},
        2,
    ),
    ("asked and answered on a weekend", at("2027-03-06", 10), at("2027-03-07", 18), {}, 0),
]


@pytest.mark.parametrize(
    ("asked", "answered", "overrides", "days"),
    [p[1:] for p in PAUSES],
    ids=[p[0] for p in PAUSES],
)
def test_a_pause_costs_the_working_days_whose_end_it_spans(
    asked, answered, overrides, days
) -> None:
    assert calendar(overrides).working_days_ended(asked, answered) == days


def test_the_end_of_a_day_is_the_parks_not_utc() -> None:
    cal = calendar()
    # 23:30 in Shanghai is 15:30 UTC: the park's Tuesday has not ended, UTC's would not either;
    # 00:30 Wednesday in Shanghai is still Tuesday in UTC, but the park's Tuesday has ended.
    assert cal.working_days_ended(at("2027-03-09", 10), at("2027-03-09", 23, 30)) == 0
    assert cal.working_days_ended(at("2027-03-09", 10), at("2027-03-10", 0, 30)) == 1


def test_moving_a_due_date_skips_weekends_and_holidays_and_takes_make_up_days() -> None:
    friday = end_of("2027-03-05")
    assert calendar().add_working_days(friday, 0) == friday
    assert calendar().add_working_days(friday, 1) == end_of("2027-03-08")
    assert calendar({"2027-03-08": DayKind.OFF}).add_working_days(friday, 1) == end_of("2027-03-09")
    assert calendar({"2027-03-06": DayKind.WORK}).add_working_days(friday, 1) == end_of(
        "2027-03-06"
    )
    assert calendar().add_working_days(friday, 5) == end_of("2027-03-12")


def test_working_days_left_count_from_today_and_go_negative_once_past() -> None:
    cal = calendar()
    monday = at("2027-03-08", 10)
    assert cal.working_days_left(monday, end_of("2027-03-08")) == 0
    assert cal.working_days_left(monday, end_of("2027-03-10")) == 2
    assert cal.working_days_left(at("2027-03-05", 10), end_of("2027-03-08")) == 1
    # Past due on Friday night: on Saturday (no working day since) still -1, on Monday -1,
    # on Tuesday -2.
    assert cal.working_days_left(at("2027-03-06", 10), end_of("2027-03-05")) == -1
    assert cal.working_days_left(monday, end_of("2027-03-05")) == -1
    assert cal.working_days_left(at("2027-03-09", 10), end_of("2027-03-05")) == -2


def test_asking_about_a_day_outside_the_loaded_window_is_a_bug() -> None:
    with pytest.raises(ValueError, match="outside the loaded calendar"):
        calendar().is_working(date(2028, 1, 3))


# -- through the service, with the clock moved ------------------------------------------------


async def _in_progress(due: str):  # type: ignore[no-untyped-def]
    w = await world()
    order = await open_order(w)
    await steps.accept(w.handler(order), order.id, order.version)
    await Order.filter(id=order.id).update(due_at=end_of(due))
    return w, await stored(order)


async def _ask(w, order, moment) -> Order:  # type: ignore[no-untyped-def]
    with clock.moved_to(moment):
        return await steps.request_information(
            w.handler(order), order.id, "请补充近三个月的财务报表", [], order.version
        )


async def _answer(w, order, moment) -> Order:  # type: ignore[no-untyped-def]
    with clock.moved_to(moment):
        return await steps.answer_information(
            w.applicant_actor,
            order.id,
            "已补充，见附言",
            [],
            order.version,
            timezone=TZ,
        )


@pytest.mark.parametrize(
    ("asked", "answered", "calendar_days", "due_after"),
    [
        (at("2027-03-09", 9), at("2027-03-09", 17), {}, "2027-03-12"),
        (at("2027-03-05", 15), at("2027-03-08", 10), {}, "2027-03-15"),
        (at("2027-03-10", 14), at("2027-03-12", 10), {"2027-03-11": DayKind.OFF}, "2027-03-15"),
        (at("2027-03-05", 15), at("2027-03-08", 10), {"2027-03-07": DayKind.WORK}, "2027-03-16"),
    ],
    ids=["within one day", "over a weekend", "over a public holiday", "with a make-up day"],
)
async def test_answering_moves_the_stored_due_date_by_the_pause(
    db: str, asked, answered, calendar_days, due_after
) -> None:
    for day, kind in calendar_days.items():
        await (day_off(day) if kind is DayKind.OFF else makeup_day(day))
    # Due Friday 03-12; every case moves it over the weekend of 03-13/14 by what it cost.
    w, order = await _in_progress("2027-03-12")
    order = await _ask(w, order, asked)
    assert order.status is OrderStatus.WAITING_ON_APPLICANT
    assert order.waiting_since == asked
    order = await _answer(w, order, answered)
    after = await stored(order)
    assert after.status is OrderStatus.IN_PROGRESS
    assert after.waiting_since is None
    assert after.due_at == end_of(due_after)
    [pause] = await OrderPause.filter(order_id=order.id)
    assert (pause.started_at, pause.ended_at) == (asked, answered)


async def test_while_the_order_waits_its_clock_stands_still(db: str) -> None:
    w, order = await _in_progress("2027-03-10")  # due Wednesday night
    with clock.moved_to(at("2027-03-05", 15)):
        before = (await time_limits.time_limits([order], TZ))[order.id]
    assert before.remaining_working_days == 3  # Monday, Tuesday, Wednesday
    order = await _ask(w, order, at("2027-03-05", 15))
    for moment, due, spent in [
        (at("2027-03-05", 18), "2027-03-10", 0),  # Friday evening: nothing spent yet
        (at("2027-03-08", 10), "2027-03-11", 1),  # Monday: Friday's end spent
        (at("2027-03-11", 10), "2027-03-16", 4),  # Thursday: past the stored due date
    ]:
        with clock.moved_to(moment):
            limit = (await time_limits.time_limits([await stored(order)], TZ))[order.id]
        assert limit.due_at == end_of(due)
        assert limit.remaining_working_days == 3
        assert limit.overdue is False
        assert [(p.started_at, p.ended_at, p.working_days) for p in limit.pauses] == [
            (at("2027-03-05", 15), None, spent)
        ]
    order = await _answer(w, await stored(order), at("2027-03-11", 10))
    with clock.moved_to(at("2027-03-11", 10)):
        limit = (await time_limits.time_limits([await stored(order)], TZ))[order.id]
    assert limit.due_at == end_of("2027-03-16") == (await stored(order)).due_at
    assert limit.remaining_working_days == 3
    assert [p.working_days for p in limit.pauses] == [4]


async def test_an_order_overdue_before_the_question_stays_overdue(db: str) -> None:
    w, order = await _in_progress("2027-03-05")  # due Friday night
    order = await _ask(w, order, at("2027-03-08", 10))  # asked on Monday: already late
    with clock.moved_to(at("2027-03-09", 12)):
        limit = (await time_limits.time_limits([await stored(order)], TZ))[order.id]
    assert limit.overdue is True
    assert limit.due_at == end_of("2027-03-08")  # moved by Monday's end, still behind
    assert limit.remaining_working_days == -1


async def test_overdue_from_the_row_agrees_with_the_calendar_at_every_moment(db: str) -> None:
    """`is_overdue` reads the row alone (lists call it for every row); the calendar's live due
    date says the same whenever the question went out and whenever we look."""
    await day_off("2027-03-11")
    await makeup_day("2027-03-14")
    moments = [at("2027-03-04", 10) + timedelta(hours=17 * i) for i in range(16)]
    checked = 0
    for asked in moments[:8]:
        w, order = await _in_progress("2027-03-08")
        order = await _ask(w, order, asked)
        row = await stored(order)
        for now in (m for m in moments if m >= asked):
            with clock.moved_to(now):
                limit = (await time_limits.time_limits([row], TZ))[order.id]
            assert limit.overdue == (limit.due_at < now), (asked, now)
            checked += 1
    assert checked > 60


async def test_a_cancelled_wait_keeps_its_pause_and_the_order_has_no_remaining_days(
    db: str,
) -> None:
    from backend.models.accounts import Role
    from tests import builders
    from tests.services.orders.helpers import actor

    w, order = await _in_progress("2027-03-12")
    order = await _ask(w, order, at("2027-03-05", 15))
    supervisor = actor(await builders.user(Role.SUPERVISOR), Role.SUPERVISOR)
    with clock.moved_to(at("2027-03-09", 10)):
        await steps.cancel(supervisor, order.id, "企业已注销", order.version, timezone=TZ)
        limit = (await time_limits.time_limits([await stored(order)], TZ))[order.id]
    assert (await stored(order)).waiting_since is None
    assert limit.remaining_working_days is None and limit.overdue is False
    assert [(p.ended_at, p.working_days) for p in limit.pauses] == [(at("2027-03-09", 10), 2)]
