"""userErrors of the order mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why an order mutation did not go through.")
class OrderErrorCode(Enum):
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    STALE = "STALE"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"
    NOT_A_HANDLER = "NOT_A_HANDLER"
    HANDLER_ON_LEAVE = "HANDLER_ON_LEAVE"
    REASON_REQUIRED = "REASON_REQUIRED"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    REQUIRED = "REQUIRED"
    UNKNOWN_FILE_TYPE = "UNKNOWN_FILE_TYPE"
    FILE_NOT_YOURS = "FILE_NOT_YOURS"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    FILE_ALREADY_USED = "FILE_ALREADY_USED"
    FILES_WANTED = "FILES_WANTED"
    TOO_MANY_FILES = "TOO_MANY_FILES"
    OWED_MATERIALS_OUTSTANDING = "OWED_MATERIALS_OUTSTANDING"


@strawberry.type
class OrderError:
    field: list[str] | None
    code: OrderErrorCode
    message: str
