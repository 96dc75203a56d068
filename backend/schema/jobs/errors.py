"""userErrors of the job mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why a job mutation did not go through.")
class JobErrorCode(Enum):
    INVALID = "INVALID"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"


@strawberry.type
class JobError:
    field: list[str] | None
    code: JobErrorCode
    message: str
