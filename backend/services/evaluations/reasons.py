"""The levels that count as a bad review, and the reasons a bad review chooses from.

The satisfaction rate counts VERY_SATISFIED, SATISFIED and BASIC (基本满意 is a pass in the
national scheme: only 不满意 and 非常不满意 are 差评); the bad-review rate the two lowest."""

from __future__ import annotations

from enum import StrEnum

from backend.models.evaluations import EvaluationLevel

L = EvaluationLevel

BAD = frozenset({L.DISSATISFIED, L.VERY_DISSATISFIED})
SATISFIED = frozenset({L.VERY_SATISFIED, L.SATISFIED, L.BASIC})


class BadReviewReason(StrEnum):
    SLOW = "SLOW"  # took too long
    ATTITUDE = "ATTITUDE"  # the staff's attitude
    RESULT_WRONG = "RESULT_WRONG"  # the result was wrong or incomplete
    REPEATED_MATERIALS = "REPEATED_MATERIALS"  # asked again and again for materials
    UNCLEAR_GUIDANCE = "UNCLEAR_GUIDANCE"  # what to do was not explained
    OTHER = "OTHER"


MAX_COMMENT = 1000
MAX_REASON = 500
