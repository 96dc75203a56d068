"""The working days an order took, pauses left out, kept with it when it completes: counted
on the park's calendar the way its time limit is (the cockpit averages them in SQL).

2027-03-05 is a Friday; 03-06/07 the weekend; 03-08 Monday ... 03-12 Friday.
"""

from __future__ import annotations

import pytest

from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.orders import steps
from tests.services.orders.helpers import TZ, at, day_off, open_order, stored, world

pytestmark = pytest.mark.postgres


async def _opened_at(moment):  # type: ignore[no-untyped-def]
    w = await world()
    with clock.moved_to(moment):
        order = await open_order(w)
        await steps.accept(w.handler(order), order.id, order.version)
    # `created_at` is the database's now, not the moved clock's.
    await Order.filter(id=order.id).update(created_at=moment)
    return w, await stored(order)


async def _complete(w, order, moment) -> Order:  # type: ignore[no-untyped-def]
    with clock.moved_to(moment):
        await steps.complete(w.handler(order), order.id, "已办结", [], order.version, timezone=TZ)
    return await stored(order)


@pytest.mark.parametrize(
    ("opened", "completed", "days"),
    [
        (at("2027-03-08", 9), at("2027-03-08", 17), 0),  # the day it opened
        (at("2027-03-08", 9), at("2027-03-09", 9), 1),  # Monday's end passed
        (at("2027-03-05", 15), at("2027-03-08", 10), 1),  # over a weekend: Friday's end only
        (at("2027-03-08", 9), at("2027-03-15", 9), 5),  # a whole week
    ],
    ids=["same day", "next morning", "over a weekend", "a week"],
)
async def test_completing_keeps_the_working_days_it_took(db: str, opened, completed, days) -> None:
    w, order = await _opened_at(opened)
    done = await _complete(w, order, completed)
    assert done.status is OrderStatus.COMPLETED
    assert done.processing_days == days


async def test_holidays_and_the_wait_for_the_applicant_are_left_out(db: str) -> None:
    await day_off("2027-03-11")  # Thursday
    w, order = await _opened_at(at("2027-03-08", 9))
    with clock.moved_to(at("2027-03-08", 15)):  # asked on Monday, answered on Wednesday:
        await steps.request_information(w.handler(order), order.id, "请补充", [], order.version)
    order = await stored(order)
    with clock.moved_to(at("2027-03-10", 10)):  # Monday's and Tuesday's ends are the wait's
        await steps.answer_information(
            w.applicant_actor, order.id, "已补充", [], order.version, timezone=TZ
        )
    order = await stored(order)
    # Monday 03-08 to Monday 03-15 lived through the ends of Mon, Tue, Wed, Fri (Thursday is a
    # holiday): 4 working days, less the 2 of the wait.
    done = await _complete(w, order, at("2027-03-15", 9))
    assert done.processing_days == 2
