"""The figures the supervisor's cockpit reads straight from the services: the park's headline
and the open and overdue rectifications, each against a hand count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.models.accounts import Role
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.evaluations import evaluations, figures, rectifications
from tests import builders
from tests.services.orders.helpers import actor, at, open_order, world

FRIDAY = at("2026-12-04", 15)


@pytest.mark.postgres
async def test_the_parks_figures_and_the_open_rectifications(db: str) -> None:
    w = await world()
    rated = []
    with clock.moved_to(FRIDAY):
        for level, reasons in (
            ("SATISFIED", []), ("BASIC", []), ("DISSATISFIED", ["SLOW"]),
            ("VERY_DISSATISFIED", ["OTHER"]),
        ):  # fmt: skip
            order = await open_order(w)
            await Order.filter(id=order.id).update(
                status=OrderStatus.COMPLETED, assignee_id=w.handlers[0].id, completed_at=FRIDAY
            )
            rated.append(
                await evaluations.evaluate(w.applicant_actor, order.id, level, "", reasons)
            )
        unrated = await open_order(w)
        await Order.filter(id=unrated.id).update(status=OrderStatus.COMPLETED, completed_at=FRIDAY)
        unrated = await Order.get(id=unrated.id)
    async with in_transaction() as conn:
        assert await evaluations.rate_by_default(conn, unrated, FRIDAY) is True
        assert await evaluations.rate_by_default(conn, unrated, FRIDAY) is False

    park = await figures.park_figures()
    assert (park.reviews, park.defaults, park.satisfied, park.bad, park.rectified) == (
        4,
        1,
        2,
        2,
        0,
    )
    assert (park.satisfaction_rate, park.bad_review_rate, park.rectified_share) == (0.5, 0.5, 0.0)

    # Both bad reviews open; the call backs are due Monday night, the fixes 15 working days on.
    assert await rectifications.open_summary(FRIDAY + timedelta(days=1)) == (
        rectifications.OpenRectifications(open=2, overdue=0)
    )
    after_monday = at("2026-12-08", 9)
    assert await rectifications.open_summary(after_monday) == (
        rectifications.OpenRectifications(open=2, overdue=2)
    )
    supervisor = actor(await builders.user(Role.SUPERVISOR, "钱主管"), Role.SUPERVISOR)
    first = await rectifications.open_summary(after_monday)
    bad = next(e for e in rated if e.level in ("DISSATISFIED", "VERY_DISSATISFIED"))
    rect = await rectifications.Rectification.get(evaluation_id=bad.id)
    with clock.moved_to(after_monday):
        await rectifications.record_call_back(supervisor, rect.id, "已回访", rect.version)
    # Called back: no longer overdue until the fix's own deadline.
    assert first.overdue - 1 == (await rectifications.open_summary(after_monday)).overdue
