"""Evaluations and their rectifications for a set of orders or evaluations: two statements,
whatever their number (the evaluations with the rater's name and the order's number joined,
then the rectifications with their owner's name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

from backend.models.evaluations import (
    Evaluation,
    EvaluationLevel,
    EvaluationStatus,
    Rectification,
    RectificationStatus,
)
from backend.schema.evaluations.types import (
    EvaluationAppealType,
    EvaluationFollowUpType,
    EvaluationType,
    EvaluationViewerCan,
    RectificationType,
    RectificationViewerCan,
)
from backend.schema.nodes import global_id
from backend.schema.orders.refs import NamedRef, user_ref
from backend.services.core import clock
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.evaluations import rectifications
from backend.services.evaluations.policies import sees_rater
from backend.services.evaluations.reasons import BadReviewReason
from backend.services.evaluations.states import EVALUATION, RECTIFICATION

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EvaluationRow:
    """`EvaluationFacts` from plain columns."""

    id: int
    status: EvaluationStatus
    level: EvaluationLevel
    is_default: bool
    enterprise_id: int
    assignee_id: int | None
    provider_id: int | None
    rectified_at: datetime | None
    follow_up_at: datetime | None

    COLUMNS: ClassVar[tuple[str, ...]]

    @property
    def pk(self) -> int:
        return self.id


EvaluationRow.COLUMNS = tuple(f.name for f in fields(EvaluationRow))

EVALUATION_COLUMNS = (
    *EvaluationRow.COLUMNS, "order_id", "order__number", "comment", "reasons", "rater_id",
    "rater__name", "created_at", "appeal_reason", "appealed_at", "decision_reason",
    "decided_at", "follow_up_level", "follow_up_comment", "version",
)  # fmt: skip
RECTIFICATION_COLUMNS = (
    "id", "evaluation_id", "status", "owner_id", "owner__name", "call_back_due_at",
    "fix_due_at", "called_back_at", "call_back_note", "fixed_at", "fix_note", "closed_at",
    "version", "created_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RectificationRow:
    id: int
    status: RectificationStatus
    owner_id: int | None

    @property
    def pk(self) -> int:
        return self.id


def _rectification(
    row: Row, actor: Actor, reach: Reach, now: datetime, number: str
) -> RectificationType:
    facts = RectificationRow(row["id"], row["status"], row["owner_id"])

    def may(name: str) -> bool:
        return RECTIFICATION.may(actor, facts, name, reach)

    owner = row["owner_id"]
    return RectificationType(
        id=global_id("Rectification", row["id"]),
        status=row["status"],
        owner=user_ref(owner, row["owner__name"]) if owner is not None else None,
        call_back_due_at=row["call_back_due_at"],
        fix_due_at=row["fix_due_at"],
        called_back_at=row["called_back_at"],
        call_back_note=row["call_back_note"],
        fixed_at=row["fixed_at"],
        fix_note=row["fix_note"],
        closed_at=row["closed_at"],
        is_overdue=rectifications.is_overdue(
            row["status"], row["call_back_due_at"], row["fix_due_at"], now
        ),
        version=row["version"],
        viewer_can=RectificationViewerCan(
            record_call_back=may("RECORD_CALL_BACK"),
            record_fix=may("RECORD_FIX"),
            close=may("CLOSE"),
        ),
        order_number=number,
        evaluation=None,  # type: ignore[arg-type]  # set by the caller, which holds both
    )


def _evaluation(row: Row, actor: Actor, reach: Reach) -> EvaluationType:
    facts = EvaluationRow(**{name: row[name] for name in EvaluationRow.COLUMNS})
    rater: NamedRef | None = None
    if row["rater_id"] is not None and sees_rater(actor, facts, reach):
        rater = user_ref(row["rater_id"], row["rater__name"])
    follow_up = None
    if row["follow_up_at"] is not None:
        follow_up = EvaluationFollowUpType(
            level=row["follow_up_level"],
            comment=row["follow_up_comment"],
            created_at=row["follow_up_at"],
        )
    appeal = None
    if row["appealed_at"] is not None:
        appeal = EvaluationAppealType(
            reason=row["appeal_reason"],
            appealed_at=row["appealed_at"],
            decision_reason=row["decision_reason"],
            decided_at=row["decided_at"],
        )
    return EvaluationType(
        id=global_id("Evaluation", row["id"]),
        level=row["level"],
        comment=row["comment"],
        reasons=[BadReviewReason(r) for r in row["reasons"] or []],
        is_default=row["is_default"],
        status=row["status"],
        created_at=row["created_at"],
        rater=rater,
        follow_up=follow_up,
        appeal=appeal,
        rectification=None,
        version=row["version"],
        viewer_can=EvaluationViewerCan(
            appeal=EVALUATION.may(actor, facts, "APPEAL", reach),
            follow_up=EVALUATION.may(actor, facts, "FOLLOW_UP", reach),
            decide_appeal=EVALUATION.may(actor, facts, "UPHOLD", reach),
        ),
        order_number=row["order__number"],
        _order_pk=row["order_id"],
    )


async def load_evaluations(
    actor: Actor,
    reach: Reach,
    *,
    order_ids: Sequence[int] = (),
    evaluation_ids: Sequence[int] = (),
) -> list[EvaluationType]:
    """The evaluations of `order_ids` (orders the viewer sees) or with `evaluation_ids` (ids
    the caller found among the visible ones), each with its rectification."""
    query = Evaluation.all()
    if order_ids:
        query = query.filter(order_id__in=list(order_ids))
    elif evaluation_ids:
        query = query.filter(id__in=list(evaluation_ids))
    else:
        return []
    rows = await query.order_by("id").values(*EVALUATION_COLUMNS)
    if not rows:
        return []
    found = {row["id"]: _evaluation(row, actor, reach) for row in rows}
    numbers = {row["id"]: row["order__number"] for row in rows}
    now = clock.now()
    for rect in await Rectification.filter(evaluation_id__in=list(found)).values(
        *RECTIFICATION_COLUMNS
    ):
        evaluation = found[rect["evaluation_id"]]
        rectification = _rectification(rect, actor, reach, now, numbers[rect["evaluation_id"]])
        rectification.evaluation = evaluation
        evaluation.rectification = rectification
    return list(found.values())
