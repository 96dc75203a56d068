"""Owed materials past their deadline: the SQL condition (the cockpit's count, the order list's
filter) says what the row rule `owed.is_past_deadline` says, for every status and day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.models.applications import OwedMaterial, OwedStatus
from backend.services.orders import owed
from tests.services.orders.helpers import open_order, world

pytestmark = pytest.mark.postgres


async def test_the_condition_agrees_with_the_rule(db: str) -> None:
    w = await world()
    order = await open_order(w)
    today = date(2027, 3, 10)
    expected = set()
    for n, status in enumerate(OwedStatus):
        for offset in (-2, -1, 0, 1):
            due = today + timedelta(days=offset)
            row = await OwedMaterial.create(
                application_id=order.application_id, kind=f"k{n}{offset}", due_on=due,
                status=status,
            )  # fmt: skip
            if owed.is_past_deadline(status, due, today):
                expected.add(row.id)
    found = set(
        await OwedMaterial.filter(owed.past_deadline_condition(today)).values_list("id", flat=True)
    )
    assert found == expected and len(expected) == 4  # two statuses still owed, two days past
