"""The evaluation on the pages: the applicant's rating form once the order is completed (plain
form, the problem next to its field with what was chosen kept), the review as each side sees it,
the supervisor's rectifications page (call back, fix, close; appeals), the follow-up form, the
handler's appeal form, and the item's published figures on its catalog page."""

from __future__ import annotations

import re
from typing import Any

from backend.models.accounts import MemberKind, Role, Team, TeamMember
from backend.models.evaluations import Evaluation, Rectification
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from tests import builders
from tests.schema.helpers import global_id
from tests.schema.steps_helpers import People, act, order_in, people
from tests.schema.test_evaluations import FRIDAY, completed, rate
from tests.web.helpers import submit


async def _completed(world: People) -> Order:
    order = await order_in(world.park, OrderStatus.IN_PROGRESS)
    done = await act(world.assignee_of(order), "COMPLETE", order)
    assert done["userErrors"] == []
    return await Order.get(id=order.id)


def _hidden(html: str, form_id: str, name: str) -> str:
    form = html[html.index(f'id="{form_id}"') :]
    found = re.search(rf'name="{name}" value="([^"]*)"', form)
    assert found, form[:500]
    return found.group(1)


async def test_the_applicant_rates_on_the_order_page(new_api: Any) -> None:
    world = await people(new_api)
    applicant, handler = world.clients["applicant"], world.clients["assignee"]
    order = await _completed(world)
    page = (await applicant.client.get(f"/orders/{order.number}")).text
    assert f'action="/orders/{order.number}/evaluation/rate"' in page
    for words in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "办理时间太长"):
        assert words in page
    # The handler sees no rating form.
    assert "/evaluation/rate" not in (await handler.client.get(f"/orders/{order.number}")).text

    path = f"/orders/{order.number}/evaluation/rate"
    missing = await submit(applicant, path, {"level": "DISSATISFIED", "comment": "太慢"})
    assert missing.status_code == 422
    # The problem next to the reasons, the level and the words kept.
    assert 'id="rate-reasons-error"' in missing.text
    assert "请说明原因：至少选择一项。" in missing.text
    assert 'value="DISSATISFIED" required checked' in missing.text
    assert "太慢</textarea>" in missing.text
    unknown = await submit(applicant, path, {"level": "EXCELLENT"})
    assert unknown.status_code == 422
    assert 'id="rate-level-error"' in unknown.text
    assert await Evaluation.all().count() == 0

    rated = await submit(
        applicant, path, {"level": "DISSATISFIED", "reasons": ["SLOW", "OTHER"], "comment": "太慢"}
    )
    assert rated.status_code == 303
    assert rated.headers["location"] == f"/orders/{order.number}#evaluation"
    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "/evaluation/rate" not in mine
    assert "不满意" in mine and "办理时间太长" in mine and "待回访" in mine
    assert world.park.applicant.name in mine[mine.index('id="evaluation"') :]
    # The handler reads the review without the person's name, and may appeal it.
    theirs = (await handler.client.get(f"/orders/{order.number}")).text
    section = theirs[
        theirs.index('id="evaluation"') : theirs.index(
            "</section>", theirs.index('id="evaluation"')
        )
    ]
    assert "太慢" in section and world.park.applicant.name not in section
    assert f'action="/orders/{order.number}/evaluation/appeal"' in theirs
    # Someone else's order is the 404 page.
    other = await submit(world.clients["another applicant"], path, {"level": "BASIC"})
    assert other.status_code == 404


async def test_the_supervisor_puts_it_right_and_the_applicant_follows_up(new_api: Any) -> None:
    world = await people(new_api)
    applicant, supervisor = world.clients["applicant"], world.clients["supervisor"]
    order = await _completed(world)
    rated = await submit(
        applicant,
        f"/orders/{order.number}/evaluation/rate",
        {"level": "VERY_DISSATISFIED", "reasons": ["ATTITUDE"]},
    )
    assert rated.status_code == 303
    # Only supervisors and admins open the page; it is in their menu.
    assert (await applicant.client.get("/rectifications")).status_code == 403
    listing = (await supervisor.client.get("/rectifications")).text
    assert 'href="/rectifications"' in listing
    assert order.number in listing and "工作人员态度" in listing
    rect = await Rectification.get(order_id=order.id)
    rect_id = global_id("Rectification", rect.id)
    blank = await submit(
        supervisor, "/rectifications/call-back", {"id": rect_id, "expectedVersion": 1, "note": ""}
    )
    assert blank.status_code == 422
    assert f'id="call-back-{rect_id}-note-error"' in blank.text

    # Before it closes, the order page dates the steps taken so far, not the closing.
    assert "<dt>整改完结</dt>" not in (await applicant.client.get(f"/orders/{order.number}")).text
    for step, note in (("call-back", "已电话回访"), ("fix", "已约谈经办人"), ("close", "")):
        version = (await Rectification.get(id=rect.id)).version
        done = await submit(
            supervisor,
            f"/rectifications/{step}",
            {"id": rect_id, "expectedVersion": version, "note": note},
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/rectifications"
    assert (await Rectification.get(id=rect.id)).status == "CLOSED"
    assert order.number not in (await supervisor.client.get("/rectifications")).text

    page = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "已约谈经办人" in page
    # The evaluation's steps, each dated in its section: called back, put right, closed.
    for label in ("已回访", "已整改", "整改完结"):
        assert f"<dt>{label}</dt>" in page, label
    assert f'action="/orders/{order.number}/evaluation/follow-up"' in page
    follow = {
        "evaluationId": _hidden(page, "form-follow-up", "evaluationId"),
        "expectedVersion": _hidden(page, "form-follow-up", "expectedVersion"),
        "level": "SATISFIED",
        "comment": "整改及时",
    }
    added = await submit(applicant, f"/orders/{order.number}/evaluation/follow-up", follow)
    assert added.status_code == 303
    after = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "追评" in after and "整改及时" in after
    assert "/evaluation/follow-up" not in after


async def test_the_handler_appeals_and_the_supervisor_decides(new_api: Any) -> None:
    world = await people(new_api)
    handler, supervisor = world.clients["assignee"], world.clients["supervisor"]
    order = await _completed(world)
    await submit(
        world.clients["applicant"],
        f"/orders/{order.number}/evaluation/rate",
        {"level": "DISSATISFIED", "reasons": ["RESULT_WRONG"]},
    )
    page = (await handler.client.get(f"/orders/{order.number}")).text
    fields = {
        "evaluationId": _hidden(page, "form-appeal", "evaluationId"),
        "expectedVersion": _hidden(page, "form-appeal", "expectedVersion"),
    }
    path = f"/orders/{order.number}/evaluation/appeal"
    empty = await submit(handler, path, {**fields, "reason": ""})
    assert empty.status_code == 422 and 'id="appeal-reason-error"' in empty.text
    sent = await submit(handler, path, {**fields, "reason": "结果符合规定"})
    assert sent.status_code == 303
    assert "/evaluation/appeal" not in (await handler.client.get(f"/orders/{order.number}")).text

    listing = (await supervisor.client.get("/rectifications")).text
    assert "结果符合规定" in listing
    evaluation = await Evaluation.get(order_id=order.id)
    decided = await submit(
        supervisor,
        "/rectifications/decide",
        {
            "id": global_id("Evaluation", evaluation.id),
            "expectedVersion": evaluation.version,
            "decision": "VOID",
            "reason": "核实后评价不实",
        },
    )
    assert decided.status_code == 303
    assert (await Evaluation.get(id=evaluation.id)).status == "VOIDED"
    assert "申诉成立，评价作废" in (await handler.client.get(f"/orders/{order.number}")).text


async def test_the_items_figures_are_on_its_catalog_page(new_api: Any) -> None:
    world = await people(new_api)
    item_path = f"/catalog/items/{global_id('ServiceItem', world.park.item.id)}"
    anonymous = world.clients["anonymous"]
    before = await anonymous.client.get(item_path)
    assert before.status_code == 200, before.status_code
    assert "暂无评价" in before.text
    for level in ("SATISFIED", "DISSATISFIED"):
        order = await _completed(world)
        fields: dict[str, Any] = {"level": level, "reasons": ["SLOW"]}
        await submit(world.clients["applicant"], f"/orders/{order.number}/evaluation/rate", fields)
    after = (await anonymous.client.get(item_path)).text
    assert "满意率" in after and "50.0%" in after


async def test_the_page_lists_the_viewers_teams_first(new_api: Any) -> None:
    """Those the supervisor is told of (their team's) first, under their own heading."""
    world = await people(new_api)
    ours = world.users["supervisor"]
    assert ours is not None
    await TeamMember.create(team=world.park.team, user=ours, kind=MemberKind.SUPERVISOR)
    other_team = await Team.create(name="另一个团队")
    elsewhere = await builders.user(Role.SUPERVISOR, "赵主管")
    await TeamMember.create(team=other_team, user=elsewhere, kind=MemberKind.SUPERVISOR)
    applicant = world.clients["applicant"]
    with clock.moved_to(FRIDAY):
        first = await completed(world)
        await rate(applicant, first, "DISSATISFIED", reasons=["SLOW"])
        second = await completed(world)
        await Order.filter(id=second.id).update(team_id=other_team.id)
        await rate(applicant, second, "DISSATISFIED", reasons=["SLOW"])
    page = await world.clients["supervisor"].client.get("/rectifications")
    assert page.status_code == 200
    html = page.text
    mine, others = html.index('id="mine-heading"'), html.index('id="others-heading"')
    assert mine < html.index(first.number) < others < html.index(second.number)
    # Someone told of nothing (an admin) sees one list.
    plain = (await world.clients["admin"].client.get("/rectifications")).text
    assert 'id="mine-heading"' not in plain and 'id="open-heading"' in plain
    assert first.number in plain and second.number in plain
