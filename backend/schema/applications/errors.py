"""userErrors of the application mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why an application mutation or check did not go through.")
class ApplicationErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    WRONG_TYPE = "WRONG_TYPE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"
    ITEM_NOT_AVAILABLE = "ITEM_NOT_AVAILABLE"
    ENTERPRISE_NOT_VERIFIED = "ENTERPRISE_NOT_VERIFIED"
    ATTACHMENT_NOT_YOURS = "ATTACHMENT_NOT_YOURS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    ALREADY_OPEN = "ALREADY_OPEN"
    NOT_OWED = "NOT_OWED"
    DECISION_REASON_REQUIRED = "DECISION_REASON_REQUIRED"


@strawberry.type
class ApplicationError:
    field: list[str] | None
    code: ApplicationErrorCode
    message: str
