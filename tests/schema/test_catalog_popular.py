"""`popularServiceItems`: the most applied-for services of the last 90 days, ties by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.models.accounts import Role
from backend.models.applications import Application, ApplicationStatus
from backend.models.catalog import ApplicationDayCount, ItemStatus, ServiceItem, ServiceItemVersion
from backend.services.catalog import popularity
from backend.services.core.actors import Actor
from tests import builders
from tests.conftest import Api
from tests.schema.application_helpers import materials, submission, submitted, world

POPULAR = "query($limit: Int!) { popularServiceItems(limit: $limit) { id name } }"


async def _applied(item: ServiceItem, count: int, days_ago: int = 1) -> None:
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    when = datetime.now(UTC) - timedelta(days=days_ago)
    for n in range(count):
        await Application.create(
            number=f"SQ-POP-{item.id}-{days_ago}-{n}",
            item=item,
            enterprise=enterprise,
            applicant=applicant,
            status=ApplicationStatus.UNDER_REVIEW,
            submitted_at=when,
        )
        # What a submit does in its transaction (an application written outside one must too).
        await popularity.count_submit(Application._meta.db, item.id, None, when)


@pytest.mark.postgres
async def test_items_rank_by_recent_applications_then_by_name(api: Api) -> None:
    team, _ = await builders.team_with_handlers(1)
    (a, va), (b, vb), (c, _), (d, _) = [await builders.published_item(team) for _ in range(4)]
    for item, version, name in ((a, va, "乙事项"), (b, vb, "甲事项")):
        await ServiceItem.filter(id=item.id).update(name_zh=name)
        await ServiceItemVersion.filter(id=version.id).update(name_zh=name)
    await _applied(a, 2)
    await _applied(b, 2)
    await _applied(c, 3)
    await _applied(d, 5, days_ago=120)  # outside the window: not counted
    result = (await api.gql(POPULAR, {"limit": 6}))["popularServiceItems"]
    names = [row["name"] for row in result]
    c_name = (await ServiceItem.get(id=c.id)).name_zh
    # c has 3; a and b have 2 each, so by name: 乙 (U+4E59) sorts before 甲 (U+7532).
    assert names == [c_name, "乙事项", "甲事项"]
    assert len((await api.gql(POPULAR, {"limit": 1}))["popularServiceItems"]) == 1


async def test_retired_items_are_not_offered(api: Api) -> None:
    team, _ = await builders.team_with_handlers(1)
    item, _ = await builders.published_item(team)
    await _applied(item, 3)
    await ServiceItem.filter(id=item.id).update(status=ItemStatus.RETIRED)
    assert (await api.gql(POPULAR, {"limit": 6}))["popularServiceItems"] == []


async def test_a_limit_outside_one_to_twenty_is_a_clear_error(api: Api) -> None:
    response = await api.post(POPULAR, {"limit": 500})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_LIMIT"


async def _board() -> dict[int, int]:
    ranked = await popularity.popular_items(Actor(user_id=1, roles=frozenset({Role.ADMIN})), 20)
    return {item.id: count for item, count in ranked}


@pytest.mark.postgres
async def test_an_application_counts_once_on_the_day_it_was_last_submitted(new_api) -> None:
    w = await world(new_api)
    # Submitted without its materials: the audit returns it, and it counts today.
    first = (await submitted(w.applicant, submission(w)))["application"]
    assert first["status"] == "RETURNED"
    assert await _board() == {w.item.id: 1}
    resubmit = submission(w, applicationId=first["id"], expectedVersion=first["version"])
    first = (await submitted(w.applicant, resubmit))["application"]
    assert first["status"] == "RETURNED"
    assert await _board() == {w.item.id: 1}  # the same application, the same day
    # As if those submits had been 100 days ago: out of the window.
    long_ago = datetime.now(UTC) - timedelta(days=100)
    await Application.filter(number=first["number"]).update(submitted_at=long_ago)
    await ApplicationDayCount.filter(item_id=w.item.id).update(day=long_ago.date())
    assert await _board() == {}
    again = await submitted(
        w.applicant,
        submission(
            w, applicationId=first["id"], expectedVersion=first["version"],
            attachments=await materials(w.owner),
        ),
    )  # fmt: skip
    assert again["application"]["status"] == "UNDER_REVIEW"
    # It left the old day and counts on today's, once.
    days = await ApplicationDayCount.filter(item_id=w.item.id).order_by("day")
    assert [(d.day, d.applications) for d in days] == [
        (long_ago.date(), 0),
        (datetime.now(UTC).date(), 1),
    ]
    assert await _board() == {w.item.id: 1}


@pytest.mark.postgres
async def test_a_recount_counts_applications_loaded_around_submit(db: str) -> None:
    team, _ = await builders.team_with_handlers(1)
    item, _ = await builders.published_item(team)
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    now = datetime.now(UTC)
    for n, submitted_at in enumerate([now, now, now - timedelta(days=120), None]):
        await Application.create(
            number=f"SQ-LOADED-{n}", item=item, enterprise=enterprise, applicant=applicant,
            status=ApplicationStatus.UNDER_REVIEW, submitted_at=submitted_at,
        )  # fmt: skip
    await popularity.recount(Application._meta.db)
    days = await ApplicationDayCount.filter(item_id=item.id).order_by("day")
    assert [(d.day, d.applications) for d in days] == [
        ((now - timedelta(days=120)).date(), 1),
        (now.date(), 2),
    ]
    assert await _board() == {item.id: 2}
