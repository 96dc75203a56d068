"""The evaluation's and the rectification's states and actions, as data (`docs/states.md`).

A rating itself creates the evaluation (RATED, or a default recorded by the system); from there:
the handler's one appeal, the supervisor's decision, and the applicant's one follow-up review
once the rectification of a bad review is closed. The rectification a bad review opens goes
OPEN -> CALLED_BACK -> FIXED -> CLOSED under a supervisor, or is WITHDRAWN when the review is
voided on appeal.
"""

from __future__ import annotations

from enum import StrEnum

from backend.models.evaluations import (
    Evaluation,
    EvaluationStatus,
    Rectification,
    RectificationStatus,
)
from backend.services.core.states import Action, Machine, nobody
from backend.services.evaluations.policies import (
    EvaluationFacts,
    RectificationFacts,
    appealer,
    rater,
    rectifier,
    supervisor,
)


class EvaluationEventKind(StrEnum):
    EVALUATION_RECORDED = "EVALUATION_RECORDED"
    EVALUATION_DEFAULTED = "EVALUATION_DEFAULTED"
    EVALUATION_APPEALED = "EVALUATION_APPEALED"
    EVALUATION_UPHELD = "EVALUATION_UPHELD"
    EVALUATION_VOIDED = "EVALUATION_VOIDED"
    EVALUATION_FOLLOWED_UP = "EVALUATION_FOLLOWED_UP"
    RECTIFICATION_OPENED = "RECTIFICATION_OPENED"
    RECTIFICATION_CALLED_BACK = "RECTIFICATION_CALLED_BACK"
    RECTIFICATION_FIXED = "RECTIFICATION_FIXED"
    RECTIFICATION_CLOSED = "RECTIFICATION_CLOSED"
    RECTIFICATION_WITHDRAWN = "RECTIFICATION_WITHDRAWN"
    RECTIFICATION_OVERDUE = "RECTIFICATION_OVERDUE"


E = EvaluationEventKind
ES = EvaluationStatus
RS = RectificationStatus
STANDING = frozenset({ES.RATED, ES.APPEALED, ES.UPHELD})


def _may_follow_up(evaluation: EvaluationFacts) -> bool:
    return evaluation.rectified_at is not None and evaluation.follow_up_at is None


def _rated_by_someone(evaluation: EvaluationFacts) -> bool:
    return not evaluation.is_default


EVALUATION: Machine[EvaluationFacts, EvaluationStatus] = Machine(
    "evaluation",
    Evaluation,
    EvaluationStatus,
    (
        Action(
            "APPEAL", frozenset({ES.RATED}), frozenset({ES.APPEALED}), E.EVALUATION_APPEALED,
            appealer, "the order's handler (or its provider), once, with reasons",
            when=_rated_by_someone, when_says="not a default rating",
        ),
        Action(
            "UPHOLD", frozenset({ES.APPEALED}), frozenset({ES.UPHELD}), E.EVALUATION_UPHELD,
            supervisor, "a supervisor or an admin, with a reason (the review stands)",
        ),
        Action(
            "VOID", frozenset({ES.APPEALED}), frozenset({ES.VOIDED}), E.EVALUATION_VOIDED,
            supervisor, "a supervisor or an admin, with a reason (the review leaves every "
            "figure; its rectification is withdrawn)",
        ),
        Action(
            "FOLLOW_UP", STANDING, frozenset(), E.EVALUATION_FOLLOWED_UP, rater,
            "a member of the applicant's enterprise, once (the state stays)",
            when=_may_follow_up, when_says="once its rectification is closed",
        ),
    ),
)  # fmt: skip

OPEN_RECTIFICATION = frozenset({RS.OPEN, RS.CALLED_BACK, RS.FIXED})

RECTIFICATION: Machine[RectificationFacts, RectificationStatus] = Machine(
    "rectification",
    Rectification,
    RectificationStatus,
    (
        Action(
            "RECORD_CALL_BACK", frozenset({RS.OPEN}), frozenset({RS.CALLED_BACK}),
            E.RECTIFICATION_CALLED_BACK, rectifier,
            "a supervisor (who then owns it) or an admin, with what the applicant said",
        ),
        Action(
            "RECORD_FIX", frozenset({RS.CALLED_BACK}), frozenset({RS.FIXED}),
            E.RECTIFICATION_FIXED, rectifier, "its owner or an admin, with what was done",
        ),
        Action(
            "CLOSE", frozenset({RS.FIXED}), frozenset({RS.CLOSED}), E.RECTIFICATION_CLOSED,
            rectifier, "its owner or an admin (the applicant is told and may add a follow-up)",
        ),
        Action(
            "WITHDRAW", OPEN_RECTIFICATION, frozenset({RS.WITHDRAWN}),
            E.RECTIFICATION_WITHDRAWN, nobody, "the service, when the review is voided",
        ),
    ),
)  # fmt: skip
