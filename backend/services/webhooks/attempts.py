"""The job that makes one attempt of a delivery, and schedules the next when it fails.

One job per attempt. The delivery row says which job is current (`job_seq`): a job from before a
redelivery or a pause finds another number there and does nothing. The attempt is written (and
counted) in a short transaction before the request goes out, and its outcome in another after,
both holding the delivery's row, so:

- a job run twice (its worker died after the work) finds the attempt already ended and leaves
  it; a worker that died *during* the request leaves the attempt open, and the job's next run
  records it as interrupted and schedules the next attempt, which carries the same `webhook-id`
  (the provider's key for ignoring a repeat);
- two processes never send the same attempt: the job is leased to one worker at a time, and the
  attempt row is unique per delivery and number.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.models.accounts import Role, UserRole
from backend.models.enterprises import Provider
from backend.models.webhooks import (
    DeliveryStatus,
    EndpointState,
    SigningScheme,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from backend.services.core import clock
from backend.services.core.transactions import in_transaction
from backend.services.jobs import jobs
from backend.services.jobs.jobs import JobRun
from backend.services.notifications import notifications
from backend.services.webhooks import sending, signing
from backend.services.webhooks.deliveries import (
    ATTEMPT,
    ENDPOINT_OFF,
    enqueue_attempt,
    run_acknowledged,
)
from backend.settings import Settings

log = logging.getLogger(__name__)

SLOW_DOWN = frozenset({429, 502, 504})
INTERRUPTED = "interrupted: the server stopped during the attempt"
JITTER = 0.2


@dataclass(frozen=True)
class Send:
    """An attempt written and ready to go out."""

    delivery_id: int
    seq: int
    attempt_id: int
    message_id: str
    body: str
    url: str
    keys: list[tuple[SigningScheme, str]]


@jobs.handler(ATTEMPT)
async def attempt(run: JobRun) -> None:
    delivery_id, seq = int(run.payload["deliveryId"]), int(run.payload["seq"])
    step = await _begin(run.settings, delivery_id, seq)
    if isinstance(step, WebhookDelivery):
        await run_acknowledged(step)  # a repeat of a job whose delivery was acknowledged
        return
    if step is None:
        return
    now = clock.now()
    timestamp = sending.unix_seconds(now)
    signatures = " ".join(
        signing.sign(scheme, secret, step.message_id, timestamp, step.body)
        for scheme, secret in step.keys
    )
    outcome = await sending.post(
        step.url,
        step.body,
        {
            "webhook-id": step.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signatures,
            "user-agent": "ServiceHall-Webhooks/1",
        },
        seconds=run.settings.webhook_timeout_seconds,
        allowed_hosts=run.settings.webhook_allowed_hosts,
    )
    delivered = await _finish(run.settings, step, outcome)
    if delivered is not None:
        await run_acknowledged(delivered)


async def _begin(settings: Settings, delivery_id: int, seq: int) -> Send | WebhookDelivery | None:
    async with in_transaction() as conn:
        delivery = await _locked(conn, delivery_id)
        if delivery is None or delivery.job_seq != seq:
            return None
        if delivery.status is DeliveryStatus.DELIVERED:
            return delivery
        if delivery.status is not DeliveryStatus.PENDING:
            return None
        now = clock.now()
        endpoint = (
            await WebhookEndpoint.filter(provider_id=delivery.provider_id).using_db(conn).first()
        )
        open_attempt = (
            await WebhookAttempt.filter(delivery_id=delivery.id, finished_at__isnull=True)
            .using_db(conn)
            .first()
        )
        if open_attempt is not None:
            await _end_attempt(conn, open_attempt, sending.Outcome(None, INTERRUPTED, "", 0))
            await _after_failure(conn, settings, delivery, endpoint, None, INTERRUPTED, None)
            return None
        if endpoint is None or endpoint.state is not EndpointState.ENABLED or delivery.body is None:
            await _fail(conn, delivery, None, ENDPOINT_OFF if delivery.body else "payload pruned")
            return None
        if endpoint.paused_until is not None and endpoint.paused_until > now:
            # The endpoint asked for a pause: wait it out without spending an attempt.
            await _schedule(conn, delivery, endpoint.paused_until)
            return None
        number = delivery.attempts + 1
        row = await WebhookAttempt.create(
            delivery_id=delivery.id,
            number=number,
            url=endpoint.url,
            started_at=now,
            using_db=conn,
        )
        delivery.attempts = number
        delivery.round_attempts += 1
        delivery.next_attempt_at = None
        await delivery.save(
            using_db=conn, update_fields=["attempts", "round_attempts", "next_attempt_at"]
        )
        keys = [
            (key.scheme, signing.unseal(settings.secret_key, key.sealed))
            for key in await WebhookSecret.filter(endpoint_id=endpoint.id)
            .using_db(conn)
            .order_by("-id")
            if key.expires_at is None or key.expires_at > now
        ]
        return Send(
            delivery.id, seq, row.id, delivery.message_id, delivery.body, endpoint.url, keys
        )


async def _finish(
    settings: Settings, step: Send, outcome: sending.Outcome
) -> WebhookDelivery | None:
    """Records the outcome; answers the delivery when this attempt delivered it."""
    async with in_transaction() as conn:
        delivery = await _locked(conn, step.delivery_id)
        row = await WebhookAttempt.filter(id=step.attempt_id).using_db(conn).first()
        if delivery is None or row is None or row.finished_at is not None:
            return None
        await _end_attempt(conn, row, outcome)
        if delivery.job_seq != step.seq or delivery.status is not DeliveryStatus.PENDING:
            return None
        delivery.last_response_code = outcome.status_code
        if outcome.succeeded:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = clock.now()
            delivery.last_error = ""
            await delivery.save(using_db=conn)
            return delivery
        endpoint = (
            await WebhookEndpoint.filter(provider_id=delivery.provider_id).using_db(conn).first()
        )
        await _after_failure(
            conn,
            settings,
            delivery,
            endpoint,
            outcome.status_code,
            outcome.error,
            outcome.retry_after,
        )
        return None


async def _after_failure(
    conn: BaseDBAsyncClient,
    settings: Settings,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint | None,
    status_code: int | None,
    error: str,
    retry_after: float | None,
) -> None:
    delivery.last_error = error
    schedule = settings.webhook_retry_schedule
    if endpoint is None:
        await _fail(conn, delivery, status_code, ENDPOINT_OFF)
        return
    if status_code == 410:
        await _fail(conn, delivery, status_code, error)
        await _disable(conn, endpoint, EndpointState.GONE, "WEBHOOK_ENDPOINT_GONE")
        return
    if delivery.round_attempts > len(schedule):
        await _fail(conn, delivery, status_code, error)
        await _disable(conn, endpoint, EndpointState.FAILING, "WEBHOOK_ENDPOINT_FAILING")
        return
    delay = schedule[delivery.round_attempts - 1] * (1 + random.uniform(0, JITTER))  # noqa: S311 (jitter, not a secret)
    now = clock.now()
    if status_code in SLOW_DOWN or retry_after is not None:
        # Slow down: at least what the endpoint asked, else twice the schedule's wait; and
        # hold the endpoint's other deliveries back as long.
        wait = retry_after if retry_after is not None else delay
        delay = max(delay, wait if retry_after is not None else 2 * delay)
        pause = now + timedelta(seconds=wait)
        if endpoint.paused_until is None or endpoint.paused_until < pause:
            await WebhookEndpoint.filter(id=endpoint.id).using_db(conn).update(paused_until=pause)
    await _schedule(conn, delivery, now + timedelta(seconds=delay))


async def _schedule(conn: BaseDBAsyncClient, delivery: WebhookDelivery, at: datetime) -> None:
    delivery.job_seq += 1
    delivery.next_attempt_at = at
    await delivery.save(using_db=conn)
    await enqueue_attempt(conn, delivery.id, delivery.job_seq, at)


async def _fail(
    conn: BaseDBAsyncClient, delivery: WebhookDelivery, status_code: int | None, error: str
) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = None
    delivery.last_error = error
    if status_code is not None:
        delivery.last_response_code = status_code
    await delivery.save(using_db=conn)


async def _disable(
    conn: BaseDBAsyncClient, endpoint: WebhookEndpoint, state: EndpointState, notice: str
) -> None:
    changed = await (
        WebhookEndpoint.filter(id=endpoint.id, state=EndpointState.ENABLED)
        .using_db(conn)
        .update(state=state, state_changed_at=clock.now())
    )
    if not changed:
        return  # already off: the admins were told then
    provider = await Provider.filter(id=endpoint.provider_id).using_db(conn).first()
    name = provider.name if provider is not None else str(endpoint.provider_id)
    admins: list[int] = await (
        UserRole.filter(role=Role.ADMIN).using_db(conn).values_list("user_id", flat=True)
    )  # type: ignore[assignment]
    stamp = int(clock.now().timestamp())
    for user_id in admins:
        await notifications.notify(
            int(user_id),
            notice,
            {"provider": name, "providerId": endpoint.provider_id},
            using_db=conn,
            key=f"{notice}:{endpoint.id}:{stamp}",
        )
    log.warning("webhook endpoint of provider %s disabled (%s)", endpoint.provider_id, state)


async def _end_attempt(
    conn: BaseDBAsyncClient, row: WebhookAttempt, outcome: sending.Outcome
) -> None:
    now = clock.now()
    row.finished_at = now
    row.duration_ms = outcome.duration_ms or int((now - row.started_at).total_seconds() * 1000)
    row.succeeded = outcome.succeeded
    row.response_code = outcome.status_code
    row.response_excerpt = outcome.excerpt
    row.error = outcome.error
    await row.save(using_db=conn)


async def _locked(conn: BaseDBAsyncClient, delivery_id: int) -> WebhookDelivery | None:
    return await WebhookDelivery.filter(id=delivery_id).using_db(conn).select_for_update().first()
