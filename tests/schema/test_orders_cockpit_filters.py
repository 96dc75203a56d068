"""The order filters the cockpit's charts link to: a team's, a provider's, completed within a
range (a park day's bounds, across UTC midnight)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.models.accounts import Role, Team
from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.enterprises import Provider
from backend.models.evaluations import Evaluation, EvaluationLevel, Rectification
from backend.models.evaluations import RectificationStatus as RS
from backend.models.orders import Order, OrderStatus
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.order_helpers import all_pages, login, open_order, park


@pytest.mark.postgres
async def test_team_provider_and_completion_range_narrow_the_list(new_api) -> None:
    p = await park(handlers=2)
    first, second, third, fourth = [await open_order(p) for _ in range(4)]
    other_team = await Team.create(name="办理二组")
    await Order.filter(id=second.id).update(team_id=other_team.id)
    provider = await Provider.create(name="某某代办服务公司")
    await Order.filter(id=third.id).update(
        team_id=None, assignee_id=None, provider_id=provider.id, status=OrderStatus.FORWARDED
    )
    # Completed at 23:30 park time on 2 March (15:30 UTC), and at 00:30 on 3 March (16:30 UTC
    # on the 2nd): the park's 2 March ends at 16:00 UTC. Opened the day before (an order is
    # completed after it was opened: the range's end bounds `created_at` too).
    for order, moment in (
        (first, datetime(2026, 3, 2, 15, 30)),
        (fourth, datetime(2026, 3, 2, 16, 30)),
    ):
        at = moment.replace(tzinfo=UTC)
        await Order.filter(id=order.id).update(
            status=OrderStatus.COMPLETED, completed_at=at, created_at=at - timedelta(days=1)
        )
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def find(**wanted: object) -> set[str]:
        return {n["number"] for n in await all_pages(supervisor, {"filter": wanted})}

    assert await find(teamId=global_id("Team", p.team.id)) == {first.number, fourth.number}
    assert await find(open=True) == {second.number, third.number}
    assert await find(open=False) == {first.number, fourth.number}
    assert await find(teamId=global_id("Team", other_team.id)) == {second.number}
    assert await find(teamId=global_id("User", p.team.id)) == set()  # not a team's id
    assert await find(providerId=global_id("Provider", provider.id)) == {third.number}
    day_starts = "2026-03-01T16:00:00+00:00"  # the park's 2 March
    day_ends = "2026-03-02T16:00:00+00:00"
    assert await find(completedAfter=day_starts, completedBefore=day_ends) == {first.number}
    assert await find(completedAfter=day_ends) == {fourth.number}
    assert await find(completedBefore=day_starts) == set()
    assert await find(
        teamId=global_id("Team", p.team.id), completedAfter=day_starts,
        completedBefore=(datetime(2026, 3, 2, 16, tzinfo=UTC) + timedelta(days=1)).isoformat(),
    ) == {first.number, fourth.number}  # fmt: skip


@pytest.mark.postgres
async def test_owed_past_due_and_open_rectification_narrow_the_list(new_api) -> None:
    p = await park(handlers=1)
    late, on_time, returned, rated, put_right = [await open_order(p) for _ in range(5)]
    today = datetime.now(UTC).date()  # the park's today is this or a day on: 3 days is clear
    for order, due, status in (
        (late, today - timedelta(days=3), OwedStatus.OUTSTANDING),
        (on_time, today + timedelta(days=3), OwedStatus.OUTSTANDING),
        (returned, today - timedelta(days=3), OwedStatus.RETURNED),
        (rated, today - timedelta(days=3), OwedStatus.ACCEPTED),
    ):
        await OwedMaterial.create(
            application_id=order.application_id, kind="licence", due_on=due, status=status
        )
    for order, status in ((rated, RS.CALLED_BACK), (put_right, RS.CLOSED)):
        evaluation = await Evaluation.create(
            order_id=order.id, level=EvaluationLevel.DISSATISFIED,
            enterprise_id=order.enterprise_id, item_id=order.item_id, created_at=datetime.now(UTC),
        )  # fmt: skip
        await Rectification.create(
            evaluation=evaluation, order_id=order.id, status=status,
            call_back_due_at=datetime.now(UTC), fix_due_at=datetime.now(UTC),
            created_at=datetime.now(UTC),
        )  # fmt: skip
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))

    async def find(**wanted: object) -> set[str]:
        return {n["number"] for n in await all_pages(supervisor, {"filter": wanted})}

    assert await find(owedPastDue=True) == {late.number, returned.number}
    assert await find(openRectification=True) == {rated.number}
    assert await find(owedPastDue=True, openRectification=True) == set()
