"""The error codes of the enterprise, premises, provider and file mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why an upload did not go through.")
class FileErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    EMPTY_FILE = "EMPTY_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    UNKNOWN_ATTACHMENT_KIND = "UNKNOWN_ATTACHMENT_KIND"


@strawberry.enum(description="Why an enterprise or membership mutation did not go through.")
class EnterpriseErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"
    CREDIT_CODE_LENGTH = "CREDIT_CODE_LENGTH"
    CREDIT_CODE_CHARACTERS = "CREDIT_CODE_CHARACTERS"
    CREDIT_CODE_CHECK_DIGIT = "CREDIT_CODE_CHECK_DIGIT"
    DUPLICATE_CREDIT_CODE = "DUPLICATE_CREDIT_CODE"
    INVALID_CONTACT_PHONE = "INVALID_CONTACT_PHONE"
    IN_THE_FUTURE = "IN_THE_FUTURE"
    LICENCE_NOT_YOURS = "LICENCE_NOT_YOURS"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    NOT_VERIFIED = "NOT_VERIFIED"
    INVITATION_INVALID = "INVITATION_INVALID"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    INVITATION_USED = "INVITATION_USED"
    ALREADY_IN_ENTERPRISE = "ALREADY_IN_ENTERPRISE"
    LAST_OWNER = "LAST_OWNER"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@strawberry.enum(description="Why a premises mutation did not go through.")
class PremisesErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    NAME_TAKEN = "NAME_TAKEN"
    LABEL_TAKEN = "LABEL_TAKEN"
    NOT_POSITIVE = "NOT_POSITIVE"
    NOT_VERIFIED = "NOT_VERIFIED"
    UNIT_TAKEN = "UNIT_TAKEN"
    BINDING_ENDED = "BINDING_ENDED"
    ENDS_BEFORE_START = "ENDS_BEFORE_START"
    OVERLAPS_PREVIOUS = "OVERLAPS_PREVIOUS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@strawberry.enum(description="Why a provider mutation did not go through.")
class ProviderErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    NAME_TAKEN = "NAME_TAKEN"
    INVALID_CONTACT_PHONE = "INVALID_CONTACT_PHONE"
    INVALID_EMAIL = "INVALID_EMAIL"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@strawberry.type
class FileError:
    field: list[str] | None
    code: FileErrorCode
    message: str


@strawberry.type
class EnterpriseError:
    field: list[str] | None
    code: EnterpriseErrorCode
    message: str


@strawberry.type
class PremisesError:
    field: list[str] | None
    code: PremisesErrorCode
    message: str


@strawberry.type
class ProviderError:
    field: list[str] | None
    code: ProviderErrorCode
    message: str
