"""A bad review's rectification is the concern of the order's team's supervisors: they are told
of it, of its deadlines passing while nobody owns it, and of an appeal, and their page lists it
first (`rectifications(forViewer:)`). A team without a supervisor of its own tells everyone."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import MemberKind, Notification, Role, Team, TeamMember
from backend.models.orders import Order
from backend.services.core import clock
from tests import builders
from tests.schema.order_helpers import login
from tests.schema.steps_helpers import people
from tests.schema.test_evaluations import APPEAL, FRIDAY, completed, rate, worker
from tests.services.orders.helpers import at

LIST = """query($forViewer: Boolean) { rectifications(forViewer: $forViewer) {
    edges { node { orderNumber } } } }"""


async def _told(kind: str) -> set[int]:
    return set(await Notification.filter(kind=kind).values_list("user_id", flat=True))


async def _numbers(client: Any, for_viewer: bool | None) -> set[str]:
    data = await client.gql(LIST, {"forViewer": for_viewer})
    return {e["node"]["orderNumber"] for e in data["rectifications"]["edges"]}


@pytest.mark.postgres
async def test_the_teams_supervisors_are_told_and_see_it_first(new_api: Any, sql_counter) -> None:
    world = await people(new_api)
    team = world.park.team
    ours = world.users["supervisor"]  # 钱主管, made the team's supervisor here
    assert ours is not None
    await TeamMember.create(team=team, user=ours, kind=MemberKind.SUPERVISOR)
    elsewhere = await builders.user(Role.SUPERVISOR, "赵主管")  # supervises another team
    other_team = await Team.create(name="另一个团队")
    await TeamMember.create(team=other_team, user=elsewhere, kind=MemberKind.SUPERVISOR)
    # A supervisor who left the role is not told even if still listed.
    former = await builders.user(Role.HANDLER, "前主管")
    await TeamMember.create(team=team, user=former, kind=MemberKind.SUPERVISOR)
    applicant = world.clients["applicant"]
    with clock.moved_to(FRIDAY) as moved:
        order = await completed(world)
        bad = await rate(applicant, order, "DISSATISFIED", reasons=["SLOW"])
        assert bad["userErrors"] == []
        assert await _told("RECTIFICATION_OPENED") == {ours.id}
        # Nobody called back by the deadline: the team's supervisors hear of it.
        moved.set(at("2026-12-08", 0, 5))
        await worker().tick()
        assert await _told("RECTIFICATION_OVERDUE") == {ours.id}
        # An order of a team without a supervisor of its own: every supervisor.
        unsupervised = await completed(world)
        await Order.filter(id=unsupervised.id).update(team_id=other_team.id)
        await TeamMember.filter(team=other_team).delete()
        await rate(applicant, await Order.get(id=unsupervised.id), "VERY_DISSATISFIED",
                   reasons=["SLOW"])  # fmt: skip
        assert await _told("RECTIFICATION_OPENED") == {ours.id, elsewhere.id}
    # The handler appeals the first: the team's supervisors decide it.
    appealed = await world.clients["assignee"].gql(
        APPEAL,
        {"input": {"evaluationId": bad["evaluation"]["id"], "reason": "材料由企业迟交",
                   "expectedVersion": bad["evaluation"]["version"]}},
    )  # fmt: skip
    assert appealed["appealEvaluation"]["userErrors"] == []
    assert await _told("EVALUATION_APPEALED") == {ours.id}

    # The lists: each supervisor's own first, the rest apart, together everything.
    numbers = {order.number, unsupervised.number}
    supervisor = world.clients["supervisor"]
    sql_counter.reset()
    assert await _numbers(supervisor, True) == numbers
    statements = sql_counter.count
    assert await _numbers(supervisor, False) == set()
    other = await login(new_api, elsewhere)
    assert await _numbers(other, True) == {unsupervised.number}
    assert await _numbers(other, False) == {order.number}
    assert await _numbers(other, None) == numbers
    # An admin is never told: everything is the others'.
    admin = world.clients["admin"]
    assert await _numbers(admin, True) == set()
    assert await _numbers(admin, False) == numbers
    # One statement more than the plain list whatever the teams: the filter is a subquery.
    sql_counter.reset()
    await _numbers(supervisor, None)
    assert statements <= sql_counter.count + 1, sql_counter.statements
