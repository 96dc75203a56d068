"""Webhooks to providers, after the Standard Webhooks specification v1.0.0: an endpoint per
provider (`endpoints`), signed (`signing`), deliveries announced in the transaction that causes
them and carried by jobs, one job per attempt (`deliveries`, `attempts`), sent over HTTP with a
guard against private addresses (`sending`), and pruned after a while (`pruning`)."""

from backend.services.webhooks.deliveries import (
    PayloadTooLarge,
    announce,
    on_acknowledged,
    subscribes,
)

__all__ = ["PayloadTooLarge", "announce", "on_acknowledged", "subscribes"]
