"""The optional `idempotencyKey` input field of the mutations that create things."""

from __future__ import annotations

from typing import Any

import strawberry

DESCRIPTION = (
    "A key of at most 100 characters, unique per user: repeating the call with it returns the "
    "first result and creates nothing new."
)


def idempotency_key() -> Any:
    """An input field `idempotencyKey: String` (null: every call creates)."""
    return strawberry.field(default=None, description=DESCRIPTION)
