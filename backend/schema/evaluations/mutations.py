"""The evaluation mutations: the applicant rates a completed order and adds the follow-up; the
handler appeals; a supervisor decides the appeal and works the rectification. Each validates
its ids, calls one service and returns the object as the viewer now sees it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

import strawberry

from backend.schema.context import context_of, viewer_reach
from backend.schema.errors import run_mutation
from backend.schema.evaluations.errors import EvaluationError
from backend.schema.evaluations.loading import load_evaluations
from backend.schema.evaluations.types import EvaluationType, RectificationType
from backend.schema.relay import input_pk
from backend.services.evaluations import evaluations, rectifications


@strawberry.enum(description="A supervisor's decision on an appeal.")
class AppealDecision(Enum):
    KEEP = "KEEP"
    VOID = "VOID"


@strawberry.input
class EvaluateOrderInput:
    order_id: strawberry.ID
    level: str = strawberry.field(
        description="One of EvaluationLevel's values (VERY_SATISFIED … VERY_DISSATISFIED); "
        "anything else is the userError UNKNOWN_LEVEL."
    )
    comment: str = ""
    reasons: list[str] = strawberry.field(
        default_factory=list,
        description="BadReviewReason values; at least one for DISSATISFIED and "
        "VERY_DISSATISFIED, ignored for the others.",
    )


@strawberry.input
class AddFollowUpReviewInput:
    evaluation_id: strawberry.ID
    level: str = strawberry.field(description="One of EvaluationLevel's values.")
    comment: str = ""
    expected_version: int


@strawberry.input
class AppealEvaluationInput:
    evaluation_id: strawberry.ID
    reason: str = strawberry.field(description="Why the review is unfair; required.")
    expected_version: int


@strawberry.input
class DecideEvaluationAppealInput:
    evaluation_id: strawberry.ID
    decision: AppealDecision
    reason: str = strawberry.field(description="Why; required, the appealer is told.")
    expected_version: int


@strawberry.input
class RectificationStepInput:
    rectification_id: strawberry.ID
    note: str = strawberry.field(
        default="", description="What the applicant said, or what was done; required."
    )
    expected_version: int


@strawberry.input
class CloseRectificationInput:
    rectification_id: strawberry.ID
    expected_version: int


@strawberry.type
class EvaluationPayload:
    evaluation: EvaluationType | None
    user_errors: list[EvaluationError]


@strawberry.type
class RectificationPayload:
    rectification: RectificationType | None
    user_errors: list[EvaluationError]


async def _evaluation(info: strawberry.Info, evaluation_id: int) -> EvaluationType | None:
    found = await load_evaluations(
        context_of(info).actor, await viewer_reach(info), evaluation_ids=[evaluation_id]
    )
    return found[0] if found else None


async def _run(info: strawberry.Info, change: Callable[[], Awaitable[int]]) -> EvaluationPayload:
    async def done() -> EvaluationPayload:
        evaluation_id = await change()
        return EvaluationPayload(evaluation=await _evaluation(info, evaluation_id), user_errors=[])

    return await run_mutation(
        info, EvaluationError, done, lambda e: EvaluationPayload(evaluation=None, user_errors=e)
    )


async def _run_step(
    info: strawberry.Info, change: Callable[[], Awaitable[int]]
) -> RectificationPayload:
    async def done() -> RectificationPayload:
        evaluation_id = await change()
        evaluation = await _evaluation(info, evaluation_id)
        rectification = evaluation.rectification if evaluation is not None else None
        return RectificationPayload(rectification=rectification, user_errors=[])

    return await run_mutation(
        info,
        EvaluationError,
        done,
        lambda e: RectificationPayload(rectification=None, user_errors=e),
    )


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(
        description="A member of the applicant's enterprise rates a completed order, once; "
        "a DISSATISFIED or VERY_DISSATISFIED review opens a rectification."
    )
    async def evaluate_order(
        self, info: strawberry.Info, input: EvaluateOrderInput
    ) -> EvaluationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            order_id = input_pk(input.order_id, "Order", "orderId")
            evaluation = await evaluations.evaluate(
                actor, order_id, input.level, input.comment, input.reasons
            )
            return int(evaluation.id)

        return await _run(info, change)

    @strawberry.mutation(
        description="The applicant's one follow-up review (追评), once the bad review's "
        "rectification is closed."
    )
    async def add_follow_up_review(
        self, info: strawberry.Info, input: AddFollowUpReviewInput
    ) -> EvaluationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            evaluation_id = input_pk(input.evaluation_id, "Evaluation", "evaluationId")
            evaluation = await evaluations.follow_up(
                actor, evaluation_id, input.level, input.comment, input.expected_version
            )
            return int(evaluation.id)

        return await _run(info, change)

    @strawberry.mutation(
        description="The order's handler (or provider) appeals a review, once, with reasons."
    )
    async def appeal_evaluation(
        self, info: strawberry.Info, input: AppealEvaluationInput
    ) -> EvaluationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            evaluation_id = input_pk(input.evaluation_id, "Evaluation", "evaluationId")
            evaluation = await evaluations.appeal(
                actor, evaluation_id, input.reason, input.expected_version
            )
            return int(evaluation.id)

        return await _run(info, change)

    @strawberry.mutation(
        description="A supervisor keeps an appealed review or voids it (it then leaves every "
        "figure), with a reason."
    )
    async def decide_evaluation_appeal(
        self, info: strawberry.Info, input: DecideEvaluationAppealInput
    ) -> EvaluationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            evaluation_id = input_pk(input.evaluation_id, "Evaluation", "evaluationId")
            evaluation = await evaluations.decide_appeal(
                actor,
                evaluation_id,
                input.decision is AppealDecision.VOID,
                input.reason,
                input.expected_version,
            )
            return int(evaluation.id)

        return await _run(info, change)

    @strawberry.mutation(
        description="A supervisor records the call back to the applicant (and takes the "
        "rectification on)."
    )
    async def record_rectification_call_back(
        self, info: strawberry.Info, input: RectificationStepInput
    ) -> RectificationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            pk = input_pk(input.rectification_id, "Rectification", "rectificationId")
            done = await rectifications.record_call_back(
                actor, pk, input.note, input.expected_version
            )
            return done.evaluation_id

        return await _run_step(info, change)

    @strawberry.mutation(description="The rectification's owner records what was done.")
    async def record_rectification_fix(
        self, info: strawberry.Info, input: RectificationStepInput
    ) -> RectificationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            pk = input_pk(input.rectification_id, "Rectification", "rectificationId")
            done = await rectifications.record_fix(actor, pk, input.note, input.expected_version)
            return done.evaluation_id

        return await _run_step(info, change)

    @strawberry.mutation(
        description="The owner closes the rectification; the applicant is told and may add "
        "the follow-up review."
    )
    async def close_rectification(
        self, info: strawberry.Info, input: CloseRectificationInput
    ) -> RectificationPayload:
        actor = context_of(info).actor

        async def change() -> int:
            pk = input_pk(input.rectification_id, "Rectification", "rectificationId")
            done = await rectifications.close(actor, pk, input.expected_version)
            return done.evaluation_id

        return await _run_step(info, change)
