"""userErrors of the evaluation mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why an evaluation or rectification mutation did not go through.")
class EvaluationErrorCode(Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    STALE = "STALE"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    UNKNOWN_LEVEL = "UNKNOWN_LEVEL"
    UNKNOWN_REASON = "UNKNOWN_REASON"
    REASONS_REQUIRED = "REASONS_REQUIRED"
    ORDER_NOT_COMPLETED = "ORDER_NOT_COMPLETED"
    ALREADY_EVALUATED = "ALREADY_EVALUATED"
    NOT_THE_APPLICANT = "NOT_THE_APPLICANT"
    NOT_RECTIFIED = "NOT_RECTIFIED"
    ALREADY_FOLLOWED_UP = "ALREADY_FOLLOWED_UP"
    ALREADY_APPEALED = "ALREADY_APPEALED"
    NOT_APPEALED = "NOT_APPEALED"
    DEFAULT_NOT_APPEALABLE = "DEFAULT_NOT_APPEALABLE"
    STEP_NOTE_REQUIRED = "STEP_NOTE_REQUIRED"


@strawberry.type
class EvaluationError:
    field: list[str] | None
    code: EvaluationErrorCode
    message: str
