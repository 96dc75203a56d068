"""userErrors: the service's problems, shown in the viewer's language with a per-domain code."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Protocol, TypeVar, get_type_hints

import strawberry

from backend.schema.context import context_of
from backend.services.core.errors import ServiceError

log = logging.getLogger(__name__)


class UserErrorType(Protocol):
    def __init__(self, *, field: list[str] | None, code: object, message: str) -> None: ...


ErrorT = TypeVar("ErrorT", bound=UserErrorType)
PayloadT = TypeVar("PayloadT")


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
    NO_EMAIL = "NO_EMAIL"
    EMAIL_ALREADY_CONFIRMED = "EMAIL_ALREADY_CONFIRMED"
    MAIL_OFF = "MAIL_OFF"
    INVALID_LINK = "INVALID_LINK"
    LINK_EXPIRED = "LINK_EXPIRED"
    PROVIDER_ACCOUNT_UNLINKED = "PROVIDER_ACCOUNT_UNLINKED"
    NOT_A_PROVIDER_ACCOUNT = "NOT_A_PROVIDER_ACCOUNT"


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
    CAPACITY_OUT_OF_RANGE = "CAPACITY_OUT_OF_RANGE"


@strawberry.enum(description="Why an inbox mutation did not go through.")
class NotificationErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    EMAIL_NOT_CONFIRMED = "EMAIL_NOT_CONFIRMED"
    MAIL_OFF = "MAIL_OFF"
    INVALID_LINK = "INVALID_LINK"


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


class UnlistedErrorCode(RuntimeError):
    """A service raised a problem code its domain's error enum does not list: a bug to fix."""


@functools.cache
def codes_of(error_type: type[UserErrorType]) -> type[Enum]:
    """The enum an error type's `code` field is declared with."""
    codes = get_type_hints(error_type)["code"]
    assert isinstance(codes, type) and issubclass(codes, Enum)
    return codes


def user_errors(
    error_type: type[ErrorT], exc: ServiceError, language: str, *, strict: bool
) -> list[ErrorT]:
    """The problems of `exc` as `error_type`s.

    A code the domain's enum does not list is a bug: under `strict` (every setting but
    production, so tests and the demo fail loudly) it raises; in production the person still
    gets the words and INVALID while the log says which code is missing.
    """
    codes = codes_of(error_type)
    result = []
    for problem in exc.problems:
        code = codes.__members__.get(problem.code)
        if code is None:
            if strict:
                raise UnlistedErrorCode(f"{codes.__name__} does not list {problem.code}")
            log.error("%s does not list %s; shown as INVALID", codes.__name__, problem.code)
            code = codes.__members__["INVALID"]
        result.append(
            error_type(
                field=list(problem.field) if problem.field else None,
                code=code,
                message=problem.message(language),
            )
        )
    return result


async def run_mutation(
    info: strawberry.Info,
    error_type: type[ErrorT],
    change: Callable[[], Awaitable[PayloadT]],
    failed: Callable[[list[ErrorT]], PayloadT],
) -> PayloadT:
    """Runs `change` (the service call and its payload); a `ServiceError` becomes the `failed`
    payload with the domain's userErrors. Every mutation goes through here, so the mapping and
    its strictness about unlisted codes live once."""
    context = context_of(info)
    try:
        return await change()
    except ServiceError as exc:
        strict = not context.settings.production
        return failed(user_errors(error_type, exc, context.language, strict=strict))
