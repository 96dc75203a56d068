"""Evaluations (好差评): the applicant's rating of a completed order, and the rectification a bad
rating opens."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from backend.models.accounts import User
    from backend.models.orders import Order


class EvaluationLevel(StrEnum):
    """The five levels of the national scheme (国办发〔2019〕51号), best first."""

    VERY_SATISFIED = "VERY_SATISFIED"
    SATISFIED = "SATISFIED"
    BASIC = "BASIC"
    DISSATISFIED = "DISSATISFIED"
    VERY_DISSATISFIED = "VERY_DISSATISFIED"


class EvaluationStatus(StrEnum):
    RATED = "RATED"  # stands, may still be appealed
    APPEALED = "APPEALED"  # the handler's appeal waits for a supervisor
    UPHELD = "UPHELD"  # the appeal was refused: the review stands for good
    VOIDED = "VOIDED"  # the appeal was granted: the review leaves every figure


class RectificationStatus(StrEnum):
    OPEN = "OPEN"  # waiting for the call back
    CALLED_BACK = "CALLED_BACK"  # the applicant was called; the fix is under way
    FIXED = "FIXED"  # what was done is recorded; the supervisor closes it
    CLOSED = "CLOSED"  # put right: the applicant may add the follow-up review
    WITHDRAWN = "WITHDRAWN"  # the review it answered was voided on appeal


class Evaluation(Model):
    """One order's rating, by a member of the applicant's enterprise or, after the period, by
    the system (a default). The order's item, team, handler and provider are copied when it is
    written (a completed order keeps them) so the published figures group one table."""

    id = fields.BigIntField(primary_key=True)
    order: fields.OneToOneRelation[Order] = fields.OneToOneField(
        "models.Order", related_name="evaluation", on_delete=fields.CASCADE
    )
    order_id: int
    level = fields.CharEnumField(EvaluationLevel, max_length=20)
    comment = fields.TextField(default="")
    # Codes from `services/evaluations/reasons.py`; required for the two lowest levels.
    reasons: list[str] = fields.JSONField(default=list)
    rater: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="evaluations", null=True, on_delete=fields.SET_NULL
    )
    rater_id: int | None
    is_default = fields.BooleanField(default=False)
    status = fields.CharEnumField(EvaluationStatus, max_length=10, default=EvaluationStatus.RATED)
    enterprise_id = fields.BigIntField()  # the applicant's enterprise
    item_id = fields.BigIntField()
    team_id = fields.BigIntField(null=True)
    assignee_id = fields.BigIntField(null=True)
    provider_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()
    # The appeal (once): who, why, and the supervisor's decision.
    appeal_reason = fields.TextField(default="")
    appealed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="evaluations_appealed", null=True, on_delete=fields.SET_NULL
    )
    appealed_by_id: int | None
    appealed_at = fields.DatetimeField(null=True)
    decision_reason = fields.TextField(default="")
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="appeals_decided", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    # When its rectification was closed (a bad review put right); then the one follow-up.
    rectified_at = fields.DatetimeField(null=True)
    follow_up_comment = fields.TextField(default="")
    follow_up_level = fields.CharEnumField(EvaluationLevel, max_length=20, null=True)
    follow_up_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "evaluations"
        indexes = (("item_id", "status"), ("team_id", "status"), ("assignee_id", "status"),
                   ("provider_id", "status"))  # fmt: skip


class Rectification(Model):
    """What a bad review opens: a call back to the applicant, then the fix, each due by a
    working-day deadline, under a supervisor (whoever takes the first step owns it)."""

    id = fields.BigIntField(primary_key=True)
    evaluation: fields.OneToOneRelation[Evaluation] = fields.OneToOneField(
        "models.Evaluation", related_name="rectification", on_delete=fields.CASCADE
    )
    evaluation_id: int
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="rectifications", on_delete=fields.CASCADE
    )
    order_id: int
    status = fields.CharEnumField(
        RectificationStatus, max_length=12, default=RectificationStatus.OPEN, db_index=True
    )
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="rectifications", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None
    call_back_due_at = fields.DatetimeField()
    fix_due_at = fields.DatetimeField()
    called_back_at = fields.DatetimeField(null=True)
    call_back_note = fields.TextField(default="")
    fixed_at = fields.DatetimeField(null=True)
    fix_note = fields.TextField(default="")
    closed_at = fields.DatetimeField(null=True)
    # Set by the deadline job when a deadline passed with its step not taken.
    overdue_flagged_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    version = fields.IntField(default=1)

    class Meta:
        table = "rectifications"
