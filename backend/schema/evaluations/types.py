"""An evaluation as a viewer sees it (the rater's name only to the applicant's enterprise and
supervisors), its rectification, and the published figures."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.models.evaluations import EvaluationLevel, EvaluationStatus, RectificationStatus
from backend.schema.nodes import Node
from backend.schema.orders.refs import NamedRef
from backend.services.evaluations.figures import Dimension
from backend.services.evaluations.reasons import BadReviewReason

strawberry.enum(
    EvaluationLevel,
    name="EvaluationLevel",
    description="The five levels of the 好差评 scheme, best first (非常满意 … 非常不满意).",
)
strawberry.enum(EvaluationStatus, name="EvaluationStatus", description="Where a review stands.")
strawberry.enum(
    RectificationStatus, name="RectificationStatus", description="Where a rectification stands."
)
strawberry.enum(
    BadReviewReason,
    name="BadReviewReason",
    description="Why a review is bad; one at least for the two lowest levels.",
)
strawberry.enum(
    Dimension, name="EvaluationFiguresDimension", description="What the figures are grouped by."
)


@strawberry.type(name="EvaluationFollowUp", description="The applicant's one follow-up review.")
class EvaluationFollowUpType:
    level: EvaluationLevel
    comment: str
    created_at: datetime


@strawberry.type(name="EvaluationAppeal", description="The handler's one appeal and its decision.")
class EvaluationAppealType:
    reason: str
    appealed_at: datetime
    decision_reason: str = strawberry.field(description="Empty until decided.")
    decided_at: datetime | None


@strawberry.type(name="EvaluationViewerCan")
class EvaluationViewerCan:
    appeal: bool = strawberry.field(description="Appeal the review (the handler, once).")
    follow_up: bool = strawberry.field(
        description="Add the follow-up review (the applicant, once the rectification closed)."
    )
    decide_appeal: bool = strawberry.field(description="Keep or void the review (supervisors).")


@strawberry.type(name="RectificationViewerCan")
class RectificationViewerCan:
    record_call_back: bool
    record_fix: bool
    close: bool


@strawberry.type(
    name="Rectification",
    description="What a bad review opens: a call back and a fix, each due on the working "
    "calendar, under a supervisor.",
)
class RectificationType(Node):
    status: RectificationStatus
    owner: NamedRef | None = strawberry.field(description="The supervisor who took it on.")
    call_back_due_at: datetime
    fix_due_at: datetime
    called_back_at: datetime | None
    call_back_note: str = strawberry.field(description="What the applicant said on the call.")
    fixed_at: datetime | None
    fix_note: str = strawberry.field(description="What was done to put it right.")
    closed_at: datetime | None
    is_overdue: bool = strawberry.field(
        description="The call back, or the fix, not recorded by its due time."
    )
    version: int
    viewer_can: RectificationViewerCan
    order_number: str
    evaluation: EvaluationType


@strawberry.type(
    name="Evaluation",
    description="The applicant's rating of a completed order (or the system's default).",
)
class EvaluationType(Node):
    level: EvaluationLevel
    comment: str
    reasons: list[BadReviewReason]
    is_default: bool = strawberry.field(
        description="Recorded by the system as BASIC once the period passed unrated."
    )
    status: EvaluationStatus
    created_at: datetime
    rater: NamedRef | None = strawberry.field(
        description="Who rated: the applicant's enterprise and supervisors see the name; "
        "handlers and providers never (null), nor for a default."
    )
    follow_up: EvaluationFollowUpType | None
    appeal: EvaluationAppealType | None
    rectification: RectificationType | None
    version: int
    viewer_can: EvaluationViewerCan
    order_number: str
    _order_pk: strawberry.Private[int]


@strawberry.type(
    name="EvaluationFigures",
    description="Published figures of one item, team, handler or provider. `reviews` counts "
    "ratings by people; defaults are counted apart and in no rate; voided reviews nowhere. "
    "satisfactionRate: the share of reviews at VERY_SATISFIED, SATISFIED or BASIC; "
    "badReviewRate: at DISSATISFIED or VERY_DISSATISFIED; rectifiedShare: the bad reviews "
    "whose rectification is closed. A rate is null with nothing to divide.",
)
class EvaluationFiguresType:
    dimension: Dimension
    id: strawberry.ID
    name: str
    reviews: int
    defaults: int
    satisfied: int
    bad_reviews: int
    rectified: int
    satisfaction_rate: float | None
    bad_review_rate: float | None
    rectified_share: float | None
