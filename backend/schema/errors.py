"""userErrors: the service's problems, shown in the viewer's language with a per-domain code."""

from __future__ import annotations

from enum import Enum
from typing import Protocol, TypeVar

import strawberry

from backend.services.core.errors import ServiceError


class UserErrorType(Protocol):
    def __init__(self, *, field: list[str] | None, code: object, message: str) -> None: ...


ErrorT = TypeVar("ErrorT", bound=UserErrorType)


@strawberry.enum(description="Why an account, session or token mutation did not go through.")
class AccountErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_SHORT = "TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    INVALID_CONTACT = "INVALID_CONTACT"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    CONTACT_TAKEN = "CONTACT_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    WRONG_CREDENTIALS = "WRONG_CREDENTIALS"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    THROTTLED = "THROTTLED"
    TOO_MANY_SIGN_UPS = "TOO_MANY_SIGN_UPS"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    LAST_ADMIN = "LAST_ADMIN"
    UNKNOWN_SCOPE = "UNKNOWN_SCOPE"
    IN_THE_PAST = "IN_THE_PAST"
    TOKEN_NOT_ALLOWED = "TOKEN_NOT_ALLOWED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@strawberry.enum(description="Why a team mutation did not go through.")
class TeamErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NAME_TAKEN = "NAME_TAKEN"
    NOT_FOUND = "NOT_FOUND"
    NOT_STAFF = "NOT_STAFF"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@strawberry.enum(description="Why an inbox mutation did not go through.")
class NotificationErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"


@strawberry.type
class AccountError:
    field: list[str] | None
    code: AccountErrorCode
    message: str


@strawberry.type
class TeamError:
    field: list[str] | None
    code: TeamErrorCode
    message: str


@strawberry.type
class NotificationError:
    field: list[str] | None
    code: NotificationErrorCode
    message: str


def user_errors(
    error_type: type[ErrorT], codes: type[Enum], exc: ServiceError, language: str
) -> list[ErrorT]:
    """The problems of `exc` as `error_type`s; a code the domain does not list shows as INVALID."""
    result = []
    for problem in exc.problems:
        code = codes.__members__.get(problem.code, codes.__members__["INVALID"])
        result.append(
            error_type(
                field=list(problem.field) if problem.field else None,
                code=code,
                message=problem.message(language),
            )
        )
    return result
