"""Announcing news to a provider: a delivery row and the job of its first attempt, written in
the transaction that causes the news; and what runs once a provider has acknowledged one.

The body is fixed when announced (`{type, timestamp, data}`), so every attempt sends the same
bytes under the same `webhook-id`; only `webhook-timestamp` and the signatures are per attempt.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.webhooks import (
    DeliveryStatus,
    EndpointState,
    WebhookDelivery,
    WebhookEndpoint,
)
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.webhooks.events import EVENT_TYPES

log = logging.getLogger(__name__)

ATTEMPT = "webhooks.attempt"
# The specification's advice: payloads under 20 kB. The data carries ids, never files.
MAX_BODY_BYTES = 20 * 1024
ENDPOINT_OFF = "the provider's endpoint is disabled"


class PayloadTooLarge(ValueError):
    """An announcement whose payload is 20 kB or more: send ids, not contents."""


@dataclass(frozen=True)
class AcknowledgedDelivery:
    """What an `on_acknowledged` hook is given: the delivery a provider answered with a 2xx."""

    id: int
    provider_id: int
    event_type: str
    message_id: str
    key: str | None
    data: dict[str, Any]


Acknowledged = Callable[[AcknowledgedDelivery], Awaitable[None]]
ACKNOWLEDGED: dict[str, list[Acknowledged]] = {}


def on_acknowledged(event_type: str) -> Callable[[Acknowledged], Acknowledged]:
    """Registers `f(delivery)` to run after a delivery of `event_type` got a 2xx: outside the
    delivery's own transaction, and possibly more than once (a worker may stop after the
    acknowledgement and before the job is recorded), so it must be safe to repeat."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")

    def register(function: Acknowledged) -> Acknowledged:
        hooks = ACKNOWLEDGED.setdefault(event_type, [])
        if function not in hooks:
            hooks.append(function)
        return function

    return register


async def run_acknowledged(delivery: WebhookDelivery) -> None:
    hooks = ACKNOWLEDGED.get(delivery.event_type, [])
    if not hooks or delivery.body is None:
        return
    acknowledged = AcknowledgedDelivery(
        id=delivery.id,
        provider_id=delivery.provider_id,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        key=delivery.key,
        data=json.loads(delivery.body)["data"],
    )
    for hook in hooks:
        await hook(acknowledged)


def render_body(event_type: str, data: dict[str, Any], at: datetime) -> str:
    stamp = at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return json.dumps(
        {"type": event_type, "timestamp": stamp, "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


async def subscribes(connection: BaseDBAsyncClient, provider_id: int, event_type: str) -> bool:
    """Whether `announce` writes the provider deliveries of `event_type`: it has an endpoint
    (enabled or not: a disabled one's deliveries wait for an admin) taking that type."""
    endpoint = await WebhookEndpoint.filter(provider_id=provider_id).using_db(connection).first()
    return endpoint is not None and event_type in endpoint.event_types


async def announce(
    connection: BaseDBAsyncClient,
    *,
    provider_id: int,
    event_type: str,
    data: dict[str, Any],
    key: str | None = None,
) -> None:
    """Tells the provider `event_type` happened, once the caller's transaction (`connection`)
    commits: a delivery and the job of its first attempt. Nothing when the provider has no
    endpoint or does not subscribe to `event_type`, or when `key` was announced before. An
    endpoint that is disabled gets the delivery as FAILED, for an admin to redeliver."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoint = await WebhookEndpoint.filter(provider_id=provider_id).using_db(connection).first()
    if endpoint is None or event_type not in endpoint.event_types:
        return
    now = clock.now()
    body = render_body(event_type, data, now)
    size = len(body.encode())
    if size >= MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"a {event_type} payload of {size} bytes; webhooks carry at most {MAX_BODY_BYTES - 1}"
        )
    if key is not None:
        if len(key) > 200:
            raise ValueError("a webhook key is at most 200 characters")
        if await WebhookDelivery.filter(key=key).using_db(connection).exists():
            return
    enabled = endpoint.state is EndpointState.ENABLED
    delivery = WebhookDelivery(
        provider_id=provider_id,
        message_id="msg_" + secrets.token_urlsafe(24),
        event_type=event_type,
        key=key,
        body=body,
        body_bytes=size,
        status=DeliveryStatus.PENDING if enabled else DeliveryStatus.FAILED,
        job_seq=1 if enabled else 0,
        next_attempt_at=now if enabled else None,
        last_error="" if enabled else ENDPOINT_OFF,
        created_at=now,
    )
    if key is None:
        await delivery.save(using_db=connection)
    else:
        # Two transactions that both found no row: the unique key lets one in, quietly.
        await WebhookDelivery.bulk_create([delivery], ignore_conflicts=True, using_db=connection)
        saved = await WebhookDelivery.filter(key=key).using_db(connection).first()
        if saved is None or saved.message_id != delivery.message_id:
            return
        delivery = saved
    if enabled:
        await enqueue_attempt(connection, delivery.id, 1, now)
    await enqueue_pruning(connection, now)


async def enqueue_attempt(
    connection: BaseDBAsyncClient, delivery_id: int, seq: int, run_at: datetime
) -> None:
    """The job that makes the delivery's next attempt; `seq` must be the delivery's `job_seq`,
    so a job made before a redelivery or a pause does nothing."""
    await jobs.enqueue(
        connection,
        ATTEMPT,
        {"deliveryId": delivery_id, "seq": seq},
        run_at=run_at,
        key=f"{ATTEMPT}:{delivery_id}:{seq}",
        # An attempt's own failures are the delivery's business; the job is retried only
        # when the bookkeeping itself failed (the database away).
        max_attempts=5,
    )


PRUNE = "webhooks.prune"


async def enqueue_pruning(connection: BaseDBAsyncClient, now: datetime) -> None:
    """Once a day while deliveries are made: the job that empties old payloads."""
    day = now.astimezone(UTC).date()
    await jobs.enqueue(
        connection,
        PRUNE,
        {},
        run_at=now + timedelta(days=1),
        key=f"{PRUNE}:{day.isoformat()}",
    )


@jobs.handler(PRUNE)
async def prune(run: jobs.JobRun) -> None:
    """Empties the payloads of deliveries finished more than `webhook_keep_days` ago; the rows
    and their attempts stay (what was sent when, and how it went). Safe to repeat."""
    now = clock.now()
    cutoff = now - timedelta(days=run.settings.webhook_keep_days)
    count = await WebhookDelivery.filter(
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED],
        created_at__lt=cutoff,
        pruned_at__isnull=True,
    ).update(body=None, pruned_at=now)
    if count:
        log.info("webhooks: emptied %s delivered payloads older than %s", count, cutoff)
    # While payloads are kept, tomorrow's pruning is due too, announcements or not.
    if await WebhookDelivery.filter(pruned_at__isnull=True).exists():
        async with in_transaction() as conn:
            await enqueue_pruning(conn, now)
