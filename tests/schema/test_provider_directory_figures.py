"""The directory's ratings and turnaround: each provider's published figures (reviews and the
satisfaction rate, defaults apart, voided nowhere) and the median working days its completed
orders took, for the whole page in a fixed number of statements."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.enterprises import Provider
from backend.models.evaluations import Evaluation, EvaluationLevel, EvaluationStatus
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.orders import turnaround
from tests.schema.order_helpers import login
from tests.schema.provider_helpers import ProviderPark, provider_order, provider_park

DIRECTORY = """query($first: Int) { providerDirectory(first: $first) { edges { node {
    name serves { name }
    rating { reviews defaults satisfactionRate }
    turnaround { completedOrders medianWorkingDays } } } } }"""

L = EvaluationLevel


async def _completed(world: ProviderPark, provider: Provider, days: int | None) -> Order:
    order = await provider_order(world, chosen=provider)
    await Order.filter(id=order.id).update(
        status=OrderStatus.COMPLETED, completed_at=clock.now(), processing_days=days
    )
    return order


async def _rated(
    order: Order, level: EvaluationLevel, *, default: bool = False, voided: bool = False
) -> None:
    await Evaluation.create(
        order_id=order.id, level=level, is_default=default,
        status=EvaluationStatus.VOIDED if voided else EvaluationStatus.RATED,
        enterprise_id=order.enterprise_id, item_id=order.item_id, team_id=order.team_id,
        provider_id=order.provider_id, created_at=clock.now(),
    )  # fmt: skip


def _by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["node"]["name"]: e["node"] for e in data["providerDirectory"]["edges"]}


@pytest.mark.postgres
async def test_the_directory_shows_ratings_and_turnaround(new_api: Any) -> None:
    world = await provider_park()
    first, second = world.first, world.second
    # The first: four completed orders of 2, 3, 5 and 9 working days (median 4), rated by
    # people twice (satisfied, dissatisfied), once by default, once voided.
    orders = [await _completed(world, first, d) for d in (5, 2, 9, 3)]
    await _rated(orders[0], L.SATISFIED)
    await _rated(orders[1], L.DISSATISFIED)
    await _rated(orders[2], L.BASIC, default=True)
    await _rated(orders[3], L.VERY_DISSATISFIED, voided=True)
    # Open orders and ones completed before the days were kept do not count.
    await provider_order(world, chosen=first)
    await _completed(world, first, None)
    # The second: three orders of 1, 4 and 6 days (median 4), one very satisfied review.
    odd = [await _completed(world, second, d) for d in (6, 1, 4)]
    await _rated(odd[0], L.VERY_SATISFIED)
    # A third with nothing yet.
    await Provider.create(name="新服务商", description="刚入驻")

    applicant = await login(new_api, world.park.applicant)
    found = _by_name(await applicant.gql(DIRECTORY, {"first": 20}))
    assert found[first.name]["rating"] == {"reviews": 2, "defaults": 1, "satisfactionRate": 0.5}
    assert found[first.name]["turnaround"] == {"completedOrders": 4, "medianWorkingDays": 4.0}
    assert found[second.name]["rating"] == {
        "reviews": 1, "defaults": 0, "satisfactionRate": 1.0,
    }  # fmt: skip
    assert found[second.name]["turnaround"] == {"completedOrders": 3, "medianWorkingDays": 4.0}
    assert found["新服务商"]["rating"] == {"reviews": 0, "defaults": 0, "satisfactionRate": None}
    assert found["新服务商"]["turnaround"] == {"completedOrders": 0, "medianWorkingDays": None}

    # The median of one, and of two (their mean).
    lone = await Provider.create(name="单个服务商")
    await Order.filter(id=odd[2].id).update(provider_id=lone.id)
    took = await turnaround.of_providers([second.id, lone.id])
    assert took[lone.id] == turnaround.Turnaround(1, 4.0)
    assert took[second.id] == turnaround.Turnaround(2, 3.5)


@pytest.mark.postgres
async def test_the_directory_reads_its_figures_in_fixed_sql(new_api: Any, sql_counter: Any) -> None:
    world = await provider_park()
    for provider in (world.first, world.second):
        for days in (2, 7):
            await _rated(await _completed(world, provider, days), L.SATISFIED)
    for n in range(18):
        await Provider.create(name=f"其他服务商{n:02d}", description="暂无服务")
    applicant = await login(new_api, world.park.applicant)
    await applicant.gql(DIRECTORY, {"first": 2})
    sql_counter.reset()
    two = await applicant.gql(DIRECTORY, {"first": 2})
    few = sql_counter.count
    sql_counter.reset()
    twenty = await applicant.gql(DIRECTORY, {"first": 20})
    assert sql_counter.count == few  # 2 providers or 20: the same statements
    assert len(two["providerDirectory"]["edges"]) == 2
    assert len(twenty["providerDirectory"]["edges"]) == 20
    shown = _by_name(twenty)
    assert shown[world.first.name]["turnaround"]["medianWorkingDays"] == 4.5
    assert shown[world.second.name]["rating"]["reviews"] == 2

    # Without the figures asked, they cost nothing.
    sql_counter.reset()
    await applicant.gql("query { providerDirectory(first: 20) { edges { node { name } } } }")
    assert sql_counter.count == few - 3
