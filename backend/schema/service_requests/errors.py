"""userErrors of the service request mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why a service request mutation did not go through.")
class ServiceRequestErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    STALE = "STALE"
    FORBIDDEN_TRANSITION = "FORBIDDEN_TRANSITION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    REQUESTER_NOT_VERIFIED = "REQUESTER_NOT_VERIFIED"
    MERGE_INTO_ITSELF = "MERGE_INTO_ITSELF"
    MERGE_TARGET_SETTLED = "MERGE_TARGET_SETTLED"
    # From the catalog's createServiceItem, which drafting an item runs.
    NAME_TAKEN = "NAME_TAKEN"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    ABOVE_MAXIMUM = "ABOVE_MAXIMUM"
    PROVIDER_REQUIRED = "PROVIDER_REQUIRED"


@strawberry.type
class ServiceRequestError:
    field: list[str] | None
    code: ServiceRequestErrorCode
    message: str
