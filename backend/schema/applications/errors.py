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
    # A malformed answer (`formData.<key>`), refused on every path before anything is written.
    UNKNOWN_FIELD = "UNKNOWN_FIELD"
    TOO_SHORT = "TOO_SHORT"
    NOT_A_NUMBER = "NOT_A_NUMBER"
    INVALID_MONEY = "INVALID_MONEY"
    INVALID_DATE = "INVALID_DATE"
    INVALID_PHONE_NUMBER = "INVALID_PHONE_NUMBER"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    ABOVE_MAXIMUM = "ABOVE_MAXIMUM"
    DATE_TOO_EARLY = "DATE_TOO_EARLY"
    DATE_TOO_LATE = "DATE_TOO_LATE"
    PATTERN_MISMATCH = "PATTERN_MISMATCH"
    NOT_AN_OPTION = "NOT_AN_OPTION"
    TOO_FEW_CHOICES = "TOO_FEW_CHOICES"
    TOO_MANY_CHOICES = "TOO_MANY_CHOICES"
    DUPLICATE_CHOICE = "DUPLICATE_CHOICE"
    MUST_BE_CHECKED = "MUST_BE_CHECKED"


@strawberry.type
class ApplicationError:
    field: list[str] | None
    code: ApplicationErrorCode
    message: str
