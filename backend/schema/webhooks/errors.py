"""userErrors of the webhook mutations."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why a webhook mutation did not go through.")
class WebhookErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    STALE = "STALE"
    INVALID_URL = "INVALID_URL"
    PRIVATE_ADDRESS = "PRIVATE_ADDRESS"
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE"
    NO_ENDPOINT = "NO_ENDPOINT"
    DELIVERY_PENDING = "DELIVERY_PENDING"
    ENDPOINT_DISABLED = "ENDPOINT_DISABLED"
    PAYLOAD_PRUNED = "PAYLOAD_PRUNED"


@strawberry.type
class WebhookError:
    field: list[str] | None
    code: WebhookErrorCode
    message: str
