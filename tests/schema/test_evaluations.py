"""Evaluations (好差评) through the API: a rating once per completed order by the applicant's
enterprise, the default after the period, the rectification a bad review opens (deadlines on the
working calendar, overdue flags), the follow-up once it is put right, the appeal once, a voided
review leaving every figure; and bad input, each refusal a clear userError with nothing written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from backend.models.accounts import Notification
from backend.models.evaluations import Evaluation, Rectification
from backend.models.jobs import Job
from backend.models.orders import Order, OrderStatus
from backend.services.core import clock
from backend.services.jobs.worker import Worker
from tests.schema.helpers import global_id, token_client
from tests.schema.steps_helpers import People, act, order_in, people
from tests.services.jobs.helpers import job_settings
from tests.services.orders.helpers import at, day_off, end_of

ERRORS = "userErrors { field code message }"
EVALUATION = """id level comment reasons isDefault status version rater { name }
    followUp { level comment } appeal { reason decisionReason }
    viewerCan { appeal followUp decideAppeal }
    rectification { id status version callBackDueAt fixDueAt isOverdue owner { name }
      callBackNote fixNote viewerCan { recordCallBack recordFix close } }"""
EVALUATE = f"""mutation($input: EvaluateOrderInput!) {{ evaluateOrder(input: $input) {{
    evaluation {{ {EVALUATION} }} {ERRORS} }} }}"""
FOLLOW_UP = f"""mutation($input: AddFollowUpReviewInput!) {{ addFollowUpReview(input: $input) {{
    evaluation {{ {EVALUATION} }} {ERRORS} }} }}"""
APPEAL = f"""mutation($input: AppealEvaluationInput!) {{ appealEvaluation(input: $input) {{
    evaluation {{ {EVALUATION} }} {ERRORS} }} }}"""
DECIDE = f"""mutation($input: DecideEvaluationAppealInput!) {{
    decideEvaluationAppeal(input: $input) {{ evaluation {{ {EVALUATION} }} {ERRORS} }} }}"""
STEP = """mutation($input: RectificationStepInput!) {{ {name}(input: $input) {{
    rectification {{ id status version owner {{ name }} }}
    userErrors {{ field code message }} }} }}"""
CLOSE = f"""mutation($input: CloseRectificationInput!) {{ closeRectification(input: $input) {{
    rectification {{ status version }} {ERRORS} }} }}"""
ORDER = f"""query($id: ID!) {{ order(id: $id) {{ status viewerCanEvaluate
    evaluation {{ {EVALUATION} }} }} }}"""
FIGURES = """query($by: EvaluationFiguresDimension!, $ids: [ID!]) {
    evaluationFigures(by: $by, ids: $ids) { id name reviews defaults satisfied badReviews
      rectified satisfactionRate badReviewRate rectifiedShare } }"""

# Friday 4 December 2026, 15:00 in the park.
FRIDAY = at("2026-12-04", 15)


def codes(payload: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(*(e["field"] or []), e["code"]) for e in payload["userErrors"]]


async def completed(world: People, **fields: Any) -> Order:
    """An order the assignee completes through the API (so the default-rating job is queued)."""
    order = await order_in(world.park, OrderStatus.IN_PROGRESS, **fields)
    done = await act(world.assignee_of(order), "COMPLETE", order)
    assert done["userErrors"] == [], done
    return await Order.get(id=order.id)


async def rate(client: Any, order: Order, level: str, **more: Any) -> dict[str, Any]:
    variables = {"orderId": global_id("Order", order.id), "level": level, **more}
    payload: dict[str, Any] = (await client.gql(EVALUATE, {"input": variables}))["evaluateOrder"]
    return payload


async def seen_by(client: Any, order: Order) -> dict[str, Any]:
    found: dict[str, Any] = (await client.gql(ORDER, {"id": global_id("Order", order.id)}))["order"]
    return found


async def step(client: Any, name: str, rectification: dict[str, Any], note: str) -> Any:
    variables = {
        "rectificationId": rectification["id"],
        "note": note,
        "expectedVersion": rectification["version"],
    }
    return (await client.gql(STEP.format(name=name), {"input": variables}))[name]


def worker() -> Worker:
    return Worker(job_settings(), name="evaluation-test")


@pytest.mark.postgres
async def test_the_applicant_rates_a_completed_order_once(new_api: Any) -> None:
    world = await people(new_api)
    applicant, handler = world.clients["applicant"], world.clients["assignee"]
    order = await completed(world)
    assert (await seen_by(applicant, order))["viewerCanEvaluate"] is True
    assert (await seen_by(handler, order))["viewerCanEvaluate"] is False

    rated = await rate(applicant, order, "SATISFIED", comment=" 办得很快 ", reasons=["SLOW"])
    assert rated["userErrors"] == []
    evaluation = rated["evaluation"]
    # Reasons belong to bad reviews only; a good one opens no rectification.
    assert (evaluation["level"], evaluation["comment"], evaluation["reasons"]) == (
        "SATISFIED",
        "办得很快",
        [],
    )
    assert (evaluation["isDefault"], evaluation["rectification"]) == (False, None)
    assert evaluation["rater"] == {"name": world.park.applicant.name}

    again = await rate(applicant, order, "VERY_SATISFIED")
    assert codes(again) == [("orderId", "ALREADY_EVALUATED")]
    assert await Evaluation.filter(order_id=order.id).count() == 1
    mine = await seen_by(applicant, order)
    assert (mine["viewerCanEvaluate"], mine["evaluation"]["level"]) == (False, "SATISFIED")
    # The handler reads the review without the person's name; supervisors with it.
    assert (await seen_by(handler, order))["evaluation"]["rater"] is None
    supervised = await seen_by(world.clients["supervisor"], order)
    assert supervised["evaluation"]["rater"] == {"name": world.park.applicant.name}


async def test_only_the_applicants_enterprise_rates_and_only_after_completion(
    new_api: Any,
) -> None:
    world = await people(new_api)
    order = await completed(world)
    refused = {
        role: codes(await rate(world.clients[role], order, "BASIC"))
        for role in ("another applicant", "assignee", "supervisor", "anonymous")
    }
    assert refused == {
        # Someone else's order is not found, never a hint that it exists.
        "another applicant": [("orderId", "NOT_FOUND")],
        "assignee": [("orderId", "NOT_THE_APPLICANT")],
        "supervisor": [("orderId", "NOT_THE_APPLICANT")],
        "anonymous": [("NOT_AUTHENTICATED",)],
    }
    working = await order_in(world.park, OrderStatus.IN_PROGRESS)
    early = await rate(world.clients["applicant"], working, "SATISFIED")
    assert codes(early) == [("orderId", "ORDER_NOT_COMPLETED")]
    assert await Evaluation.all().count() == 0


async def test_bad_input_is_named_at_its_field_and_nothing_is_written(new_api: Any) -> None:
    world = await people(new_api)
    applicant = world.clients["applicant"]
    order = await completed(world)
    assert codes(await rate(applicant, order, "GREAT")) == [("level", "UNKNOWN_LEVEL")]
    message = (await rate(applicant, order, "GREAT"))["userErrors"][0]["message"]
    assert "GREAT" in message
    assert codes(await rate(applicant, order, "DISSATISFIED")) == [("reasons", "REASONS_REQUIRED")]
    assert codes(await rate(applicant, order, "VERY_DISSATISFIED", reasons=["LATE"])) == [
        ("reasons", "UNKNOWN_REASON")
    ]
    assert codes(await rate(applicant, order, "SATISFIED", comment="长" * 1001)) == [
        ("comment", "TOO_LONG")
    ]
    assert await Evaluation.all().count() == 0
    assert await Rectification.all().count() == 0


async def test_unknown_levels_and_reasons_are_named_once_and_shown_short(new_api: Any) -> None:
    # A long unknown value was echoed whole in the message, and every unknown reason of a
    # long list was its own userError: a few KB sent came back as megabytes.
    world = await people(new_api)
    applicant = world.clients["applicant"]
    order = await completed(world)
    [level] = (await rate(applicant, order, "好" * 5000))["userErrors"]
    assert level["code"] == "UNKNOWN_LEVEL" and len(level["message"]) < 300
    reasons = (await rate(applicant, order, "VERY_DISSATISFIED", reasons=["差" * 5000] * 200))[
        "userErrors"
    ]
    assert [(e["field"], e["code"]) for e in reasons] == [(["reasons"], "UNKNOWN_REASON")]
    assert len(reasons[0]["message"]) < 300
    assert await Evaluation.all().count() == 0


@pytest.mark.postgres
async def test_an_unrated_order_is_rated_basic_by_default_after_the_period(
    new_api: Any,
) -> None:
    world = await people(new_api)
    with clock.moved_to(FRIDAY) as moved:
        quiet = await completed(world)
        rated = await completed(world)
        assert (await rate(world.clients["applicant"], rated, "VERY_SATISFIED"))["userErrors"] == []
        moved.move(days=6, hours=23)
        await worker().tick()
        assert await Evaluation.filter(order_id=quiet.id).count() == 0
        moved.move(hours=1, minutes=1)
        await worker().tick()
    default = await Evaluation.get(order_id=quiet.id)
    assert (default.level, default.is_default, default.rater_id) == ("BASIC", True, None)
    # The order rated in time keeps its rating; its job found it and did nothing.
    assert [e.level for e in await Evaluation.filter(order_id=rated.id)] == ["VERY_SATISFIED"]
    assert await Job.filter(kind="evaluation.default", status="DONE").count() == 2
    seen = (await seen_by(world.clients["applicant"], quiet))["evaluation"]
    assert (seen["level"], seen["isDefault"], seen["rater"]) == ("BASIC", True, None)
    # Counted apart, in no rate.
    figures = (await world.clients["supervisor"].gql(FIGURES, {"by": "ITEM"}))["evaluationFigures"]
    assert [(f["reviews"], f["defaults"], f["satisfactionRate"]) for f in figures] == [(1, 1, 1.0)]


@pytest.mark.postgres
async def test_a_bad_review_is_called_back_and_put_right_on_the_working_calendar(
    new_api: Any,
) -> None:
    world = await people(new_api)
    applicant, supervisor = world.clients["applicant"], world.clients["supervisor"]
    # Monday 7 December is a holiday: the call back is due by the end of Tuesday, and the
    # fifteenth working day after Friday skips it too.
    await day_off("2026-12-07")
    with clock.moved_to(FRIDAY) as moved:
        order = await completed(world)
        bad = await rate(
            applicant, order, "DISSATISFIED", reasons=["SLOW", "REPEATED_MATERIALS"],
            comment="补了三次材料",
        )  # fmt: skip
        assert bad["userErrors"] == []
        rect = bad["evaluation"]["rectification"]
        assert rect["status"] == "OPEN"
        assert datetime.fromisoformat(rect["callBackDueAt"]) == end_of("2026-12-08")
        assert datetime.fromisoformat(rect["fixDueAt"]) == end_of("2026-12-28")
        assert rect["isOverdue"] is False
        assert rect["viewerCan"]["recordCallBack"] is False  # for the applicant: nothing
        opened = await Notification.filter(kind="RECTIFICATION_OPENED").values_list(
            "user_id", "link"
        )
        assert opened == [(world.users["supervisor"].id, "/rectifications")]  # type: ignore[union-attr]

        # Past the call back's deadline with nobody calling: flagged, supervisors told.
        moved.set(at("2026-12-09", 0, 5))
        await worker().tick()
        late = (await seen_by(supervisor, order))["evaluation"]["rectification"]
        assert late["isOverdue"] is True
        assert (await Rectification.get(order_id=order.id)).overdue_flagged_at is not None
        assert await Notification.filter(kind="RECTIFICATION_OVERDUE").count() == 1

        # The follow-up waits for the rectification to be closed.
        early = await applicant.gql(
            FOLLOW_UP,
            {"input": {"evaluationId": bad["evaluation"]["id"], "level": "SATISFIED",
                       "expectedVersion": bad["evaluation"]["version"]}},
        )  # fmt: skip
        assert codes(early["addFollowUpReview"]) == [("evaluationId", "NOT_RECTIFIED")]

        called = await step(supervisor, "recordRectificationCallBack", late, "电话回访，已致歉")
        assert called["userErrors"] == []
        assert called["rectification"]["owner"] == {"name": "钱主管"}
        # Another supervisor may not take over what one owns (admins may).
        other = await step(world.clients["admin"], "recordRectificationFix", late, "x")
        assert codes(other) == [("STALE",)]
        blank = await step(supervisor, "recordRectificationFix", called["rectification"], " ")
        assert codes(blank) == [("note", "STEP_NOTE_REQUIRED")]
        fixed = await step(
            supervisor, "recordRectificationFix", called["rectification"], "简化材料清单"
        )
        assert fixed["userErrors"] == []
        closing = {
            "rectificationId": late["id"],
            "expectedVersion": fixed["rectification"]["version"],
        }
        closed = (await supervisor.gql(CLOSE, {"input": closing}))["closeRectification"]
        assert (closed["userErrors"], closed["rectification"]["status"]) == ([], "CLOSED")
        told = await Notification.get(kind="RECTIFICATION_CLOSED")
        assert (told.user_id, told.link) == (world.park.applicant.id, f"/orders/{order.number}")  # type: ignore[attr-defined]

        now = (await seen_by(applicant, order))["evaluation"]
        assert now["viewerCan"]["followUp"] is True
        assert now["rectification"]["isOverdue"] is False
        follow = {"evaluationId": now["id"], "level": "SATISFIED", "comment": "整改到位",
                  "expectedVersion": now["version"]}  # fmt: skip
        added = (await applicant.gql(FOLLOW_UP, {"input": follow}))["addFollowUpReview"]
        assert added["userErrors"] == []
        assert added["evaluation"]["followUp"] == {"level": "SATISFIED", "comment": "整改到位"}
        # The original review stands as given.
        assert added["evaluation"]["level"] == "DISSATISFIED"
        again = (
            await applicant.gql(
                FOLLOW_UP, {"input": {**follow, "expectedVersion": added["evaluation"]["version"]}}
            )
        )["addFollowUpReview"]
        assert codes(again) == [("evaluationId", "ALREADY_FOLLOWED_UP")]

    figures = (await supervisor.gql(FIGURES, {"by": "HANDLER"}))["evaluationFigures"]
    assert [
        (f["reviews"], f["badReviews"], f["rectified"], f["rectifiedShare"]) for f in figures
    ] == [(1, 1, 1, 1.0)]


async def test_a_good_review_has_no_follow_up(new_api: Any) -> None:
    world = await people(new_api)
    order = await completed(world)
    good = (await rate(world.clients["applicant"], order, "BASIC"))["evaluation"]
    follow = {"evaluationId": good["id"], "level": "SATISFIED", "expectedVersion": 1}
    refused = await world.clients["applicant"].gql(FOLLOW_UP, {"input": follow})
    assert codes(refused["addFollowUpReview"]) == [("evaluationId", "NOT_RECTIFIED")]


@pytest.mark.postgres
async def test_the_handler_appeals_once_and_a_voided_review_leaves_every_figure(
    new_api: Any,
) -> None:
    world = await people(new_api)
    applicant, handler = world.clients["applicant"], world.clients["assignee"]
    supervisor = world.clients["supervisor"]
    kept_order = await completed(world)
    voided_order = await completed(world)
    kept = (await rate(applicant, kept_order, "VERY_DISSATISFIED", reasons=["ATTITUDE"]))[
        "evaluation"
    ]
    voided = (await rate(applicant, voided_order, "DISSATISFIED", reasons=["OTHER"]))["evaluation"]
    assert kept["viewerCan"]["appeal"] is False  # the applicant does not appeal

    def appeal_of(evaluation: dict[str, Any], reason: str = "申请人材料不全，非经办原因") -> Any:
        return {"input": {"evaluationId": evaluation["id"], "reason": reason,
                          "expectedVersion": evaluation["version"]}}  # fmt: skip

    refused = {
        role: codes((await world.clients[role].gql(APPEAL, appeal_of(kept)))["appealEvaluation"])
        for role in ("applicant", "another handler", "another applicant", "anonymous")
    }
    assert refused == {
        "applicant": [("FORBIDDEN",)],
        "another handler": [("evaluationId", "NOT_FOUND")],
        "another applicant": [("evaluationId", "NOT_FOUND")],
        "anonymous": [("NOT_AUTHENTICATED",)],
    }
    assert codes((await handler.gql(APPEAL, appeal_of(kept, " ")))["appealEvaluation"]) == [
        ("reason", "REQUIRED")
    ]
    seen = (await seen_by(handler, kept_order))["evaluation"]
    assert seen["viewerCan"]["appeal"] is True
    appealed = (await handler.gql(APPEAL, appeal_of(seen)))["appealEvaluation"]
    assert appealed["userErrors"] == []
    assert appealed["evaluation"]["status"] == "APPEALED"
    twice = (await handler.gql(APPEAL, appeal_of(appealed["evaluation"])))["appealEvaluation"]
    assert codes(twice) == [("evaluationId", "ALREADY_APPEALED")]

    def decision(evaluation: dict[str, Any], value: str, reason: str = "核实属实") -> Any:
        return {"input": {"evaluationId": evaluation["id"], "decision": value, "reason": reason,
                          "expectedVersion": evaluation["version"]}}  # fmt: skip

    by_handler = await handler.gql(DECIDE, decision(appealed["evaluation"], "VOID"))
    assert codes(by_handler["decideEvaluationAppeal"]) == [("FORBIDDEN",)]
    upheld = (await supervisor.gql(DECIDE, decision(appealed["evaluation"], "KEEP")))[
        "decideEvaluationAppeal"
    ]
    assert upheld["userErrors"] == []
    assert upheld["evaluation"]["status"] == "UPHELD"
    assert upheld["evaluation"]["appeal"]["decisionReason"] == "核实属实"
    # Once decided, never again.
    after = (await handler.gql(APPEAL, appeal_of(upheld["evaluation"])))["appealEvaluation"]
    assert codes(after) == [("evaluationId", "ALREADY_APPEALED")]
    assert (
        await Notification.filter(kind="APPEAL_UPHELD", user_id=world.users["assignee"].id).count()
        == 1
    )  # type: ignore[union-attr]

    before = (await supervisor.gql(FIGURES, {"by": "TEAM"}))["evaluationFigures"]
    assert [(f["reviews"], f["badReviews"], f["badReviewRate"]) for f in before] == [(2, 2, 1.0)]
    seen = (await seen_by(handler, voided_order))["evaluation"]
    voiding = (await handler.gql(APPEAL, appeal_of(seen)))["appealEvaluation"]["evaluation"]
    gone = (await supervisor.gql(DECIDE, decision(voiding, "VOID")))["decideEvaluationAppeal"]
    assert gone["userErrors"] == []
    assert gone["evaluation"]["status"] == "VOIDED"
    assert gone["evaluation"]["rectification"]["status"] == "WITHDRAWN"
    for by in ("ITEM", "TEAM", "HANDLER"):
        after_void = (await supervisor.gql(FIGURES, {"by": by}))["evaluationFigures"]
        assert [(f["reviews"], f["badReviews"]) for f in after_void] == [(1, 1)], by
    # A voided review is not rated again, nor followed up.
    assert codes(await rate(applicant, voided_order, "SATISFIED")) == [
        ("orderId", "ALREADY_EVALUATED")
    ]
    assert voided["id"] == gone["evaluation"]["id"]


@pytest.mark.postgres
async def test_figures_per_item_team_handler_against_a_hand_count(
    new_api: Any, sql_counter: Any
) -> None:
    world = await people(new_api)
    applicant = world.clients["applicant"]
    second = world.park.handlers[1]
    levels = [
        ("VERY_SATISFIED", None), ("SATISFIED", None), ("BASIC", None),
        ("DISSATISFIED", ["SLOW"]), ("VERY_DISSATISFIED", ["ATTITUDE"]),
    ]  # fmt: skip
    for index, (level, reasons) in enumerate(levels):
        order = await completed(world, assignee=second if index >= 3 else None)
        assert (await rate(applicant, order, level, reasons=reasons or []))["userErrors"] == []
    supervisor = world.clients["supervisor"]
    sql_counter.reset()
    handlers = (await supervisor.gql(FIGURES, {"by": "HANDLER"}))["evaluationFigures"]
    figures_statements = sql_counter.count
    by_name = {f["name"]: f for f in handlers}
    first = by_name[world.park.handlers[0].name]
    assert (first["reviews"], first["satisfied"], first["badReviews"]) == (3, 3, 0)
    assert (first["satisfactionRate"], first["badReviewRate"], first["rectifiedShare"]) == (
        1.0,
        0.0,
        None,
    )
    other = by_name[second.name]
    assert (other["reviews"], other["satisfied"], other["badReviews"]) == (2, 0, 2)
    assert (other["satisfactionRate"], other["badReviewRate"]) == (0.0, 1.0)
    [item] = (await supervisor.gql(FIGURES, {"by": "ITEM"}))["evaluationFigures"]
    assert (item["reviews"], item["satisfied"], item["badReviews"]) == (5, 3, 2)
    assert (item["satisfactionRate"], item["badReviewRate"]) == (0.6, 0.4)
    assert item["name"] == world.park.item.name_zh
    # One grouped statement answers the figures (the rest is the request's own: session, roles).
    sql_counter.reset()
    await supervisor.gql(FIGURES, {"by": "TEAM"})
    assert sql_counter.count == figures_statements
    # Published per item to anyone; per team or handler only to the park's staff.
    for role in ("applicant", "anonymous"):
        client = world.clients[role]
        assert len((await client.gql(FIGURES, {"by": "ITEM"}))["evaluationFigures"]) == 1
        assert (await client.gql(FIGURES, {"by": "HANDLER"}))["evaluationFigures"] == []
    assert (await world.clients["provider"].gql(FIGURES, {"by": "TEAM"}))["evaluationFigures"] == []


async def test_tokens_need_the_evaluation_scopes(new_api: Any) -> None:
    world = await people(new_api)
    order = await completed(world)
    applicant = world.clients["applicant"]
    reading = await token_client(new_api, applicant, ["orders:read", "evaluations:read"])
    variables = {"input": {"orderId": global_id("Order", order.id), "level": "BASIC"}}
    refused = (await reading.post(EVALUATE, variables)).json()
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN_SCOPE"
    assert "evaluations:write" in error["message"]
    writing = await token_client(
        new_api, applicant, ["orders:read", "evaluations:write", "evaluations:read"]
    )
    assert (await rate(writing, order, "BASIC"))["userErrors"] == []
    orders_only = await token_client(new_api, applicant, ["orders:read"])
    hidden = (await orders_only.post(ORDER, {"id": global_id("Order", order.id)})).json()
    assert hidden["errors"][0]["extensions"]["scope"] == "evaluations:read"
    assert (await seen_by(reading, order))["evaluation"]["level"] == "BASIC"


async def test_the_default_period_is_a_setting(new_api: Any) -> None:
    """The job is queued at completion for the configured period (7 days by default)."""
    world = await people(new_api)
    with clock.moved_to(FRIDAY):
        order = await completed(world)
    job = await Job.get(kind="evaluation.default")
    assert job.run_at == FRIDAY + timedelta(days=7)
    assert job.payload == {"orderId": order.id}


RECTIFICATIONS = """{ rectifications(first: 50) { totalCount edges { node { status orderNumber
    isOverdue owner { name } viewerCan { recordCallBack } evaluation { level reasons
    rater { name } } } } }
  evaluations(first: 50) { edges { node { level rectification { status } } } } }"""


async def test_the_supervisors_lists_cost_the_same_for_2_and_6_rows(
    new_api: Any, sql_counter: Any
) -> None:
    world = await people(new_api)
    supervisor = world.clients["supervisor"]
    counts = []
    for wanted in (2, 6):
        while await Rectification.all().count() < wanted:
            order = await completed(world)
            bad = await rate(world.clients["applicant"], order, "DISSATISFIED", reasons=["SLOW"])
            assert bad["userErrors"] == []
        sql_counter.reset()
        listed = await supervisor.gql(RECTIFICATIONS)
        counts.append(sql_counter.count)
        assert len(listed["rectifications"]["edges"]) == wanted
        assert listed["rectifications"]["totalCount"] == wanted
    # The request's own (session, roles, reach), then per list its page, its count, and the
    # evaluations with their rectifications (two): 10, whatever the rows.
    assert counts == [10, 10], counts
