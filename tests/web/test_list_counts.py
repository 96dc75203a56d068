"""List pages count up to `SERVICEHALL_LIST_COUNT_LIMIT` rows and show "1,000+" beyond."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from backend.models.accounts import Role, TeamMember
from backend.models.applications import Application, ApplicationStatus
from backend.settings import Settings
from tests import builders
from tests.conftest import settings_for
from tests.schema.order_helpers import login, open_order, park

HTMX = {"HX-Request": "true"}


@pytest.fixture
def settings(db: str, request: pytest.FixtureRequest) -> Settings:
    """The test settings, counting up to `request.param` rows where a test asks."""
    return replace(settings_for(db), list_count_limit=getattr(request, "param", 1000))


async def test_the_desk_shows_1000_plus_beyond_a_thousand(new_api: Any) -> None:
    team, _ = await builders.team_with_handlers(1)
    item, version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT)
    await Application.bulk_create(
        [
            Application(
                number=f"SQ-COUNT-{n:05d}", item=item, item_version=version,
                enterprise=enterprise, applicant=applicant,
                status=ApplicationStatus.UNDER_REVIEW, revision_count=1,
            )
            for n in range(1001)
        ]
    )  # fmt: skip
    auditor = await login(new_api, await builders.user(Role.AUDITOR))
    assert "1,000+ 份申请审核中" in (await auditor.client.get("/desk")).text
    await Application.filter(number="SQ-COUNT-01000").delete()
    html = (await auditor.client.get("/desk")).text
    assert "1000 份申请审核中" in html and "1,000+" not in html


@pytest.mark.parametrize("settings", [2], indirect=True)
async def test_the_order_queue_counts_up_to_the_setting(new_api: Any) -> None:
    p = await park(handlers=1)
    for n in range(3):
        await open_order(p, other=n == 2)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    assert "共 2+ 个工单" in (await supervisor.client.get("/orders")).text
    fragment = (await supervisor.client.get("/orders?q=星河", headers=HTMX)).text
    assert "共 2 个工单" in fragment  # exactly the limit: an exact count
    supervisor.client.cookies.set("sh_lang", "en")
    assert "2+ orders" in (await supervisor.client.get("/orders")).text


@pytest.mark.parametrize("settings", [2], indirect=True)
async def test_waiting_orders_and_my_applications_count_the_same_way(new_api: Any) -> None:
    p = await park(handlers=1)
    await TeamMember.filter(team=p.team).update(on_leave=True)  # all three wait
    for _ in range(3):
        await open_order(p)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    html = (await supervisor.client.get("/supervision/unassigned")).text
    assert "2+ 个工单等待分配，最早的在前。" in html
    applicant = await login(new_api, p.applicant)
    assert "共 2+ 项申请" in (await applicant.client.get("/applications")).text
