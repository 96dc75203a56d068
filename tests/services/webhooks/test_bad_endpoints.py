"""Endpoints that misbehave: each attempt recorded as failed, the worker carries on; 410 and a
used-up schedule disable the endpoint and tell the admins; 429 and Retry-After slow it down."""

from __future__ import annotations

import socket
import tracemalloc
from datetime import timedelta

import pytest

from backend.models.accounts import Notification, Role
from backend.models.webhooks import (
    DeliveryStatus,
    EndpointState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from backend.services.core.clock import moved_to
from tests.builders import user
from tests.schema.helpers import global_id
from tests.services.jobs.helpers import START
from tests.services.webhooks.helpers import announce_now, provider_with_endpoint, worker
from tests.services.webhooks.receiver import Receiver, Reply


async def _one_attempt(url: str, **settings: object) -> WebhookAttempt:
    provider, _ = await provider_with_endpoint(url)
    await announce_now(provider.id, {"orderId": "x"})
    await worker(**settings).run_due()
    [attempt] = await WebhookAttempt.all()
    delivery = await WebhookDelivery.get()
    assert delivery.status is DeliveryStatus.PENDING  # a retry is scheduled
    assert delivery.next_attempt_at is not None
    assert not attempt.succeeded and attempt.finished_at is not None
    return attempt


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_endpoint(db: str) -> None:
    attempt = await _one_attempt(f"http://127.0.0.1:{_closed_port()}/hooks")
    assert attempt.response_code is None and "ConnectError" in attempt.error


async def test_a_slow_endpoint_times_out(db: str) -> None:
    with Receiver(Reply(200, delay=3.0)) as receiver:
        attempt = await _one_attempt(receiver.url, webhook_timeout_seconds=0.5)
    assert attempt.response_code is None and "timed out" in attempt.error
    assert attempt.duration_ms is not None and attempt.duration_ms < 2500


async def test_a_redirect_is_not_followed(db: str) -> None:
    with Receiver(Reply(302, headers={"location": "http://127.0.0.1:1/elsewhere"})) as receiver:
        attempt = await _one_attempt(receiver.url)
    assert attempt.response_code == 302 and "redirects are not followed" in attempt.error
    assert len(receiver.received) == 1


async def test_a_private_address_is_refused_when_sending(db: str) -> None:
    # Configured while 127.0.0.1 was allowed; the worker's settings no longer allow it.
    with Receiver() as receiver:
        attempt = await _one_attempt(receiver.url, webhook_allowed_hosts=())
    assert attempt.response_code is None and "refused" in attempt.error
    assert receiver.received == []


async def test_a_10_mb_response_is_not_read(db: str) -> None:
    with Receiver(Reply(500, body_bytes=10 * 1024 * 1024)) as receiver:
        tracemalloc.start()
        try:
            attempt = await _one_attempt(receiver.url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert attempt.response_code == 500 and len(attempt.response_excerpt) == 1000
    assert peak < 3 * 1024 * 1024


async def test_after_bad_endpoints_a_good_one_still_gets_its_delivery(db: str) -> None:
    await _one_attempt(f"http://127.0.0.1:{_closed_port()}/hooks")
    with Receiver() as receiver:
        provider, _ = await provider_with_endpoint(receiver.url, name="好的服务商")
        await announce_now(provider.id, {"orderId": "y"})
        await worker().run_due()
    assert len(receiver.received) == 1


@pytest.mark.postgres
async def test_410_disables_the_endpoint_and_tells_the_admins(db: str) -> None:
    admin = await user(Role.ADMIN)
    with Receiver(Reply(410)) as receiver:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "x"})
        await worker().run_due()
        await announce_now(provider.id, {"orderId": "z"})
        await worker().run_due()
    assert len(receiver.received) == 1
    endpoint = await WebhookEndpoint.get(provider_id=provider.id)
    assert endpoint.state is EndpointState.GONE
    statuses = await WebhookDelivery.all().order_by("id").values_list("status", flat=True)
    assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    notices = await Notification.filter(user_id=admin.id, kind="WEBHOOK_ENDPOINT_GONE")
    link = f"/admin/webhooks?provider={global_id('Provider', provider.id)}"
    assert len(notices) == 1 and notices[0].link == link


@pytest.mark.postgres
async def test_a_used_up_schedule_disables_the_endpoint(db: str) -> None:
    admin = await user(Role.ADMIN)
    with Receiver(Reply(500)) as receiver, moved_to(START) as clock:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "x"})
        w = worker(webhook_retry_schedule=(1.0, 2.0))
        for _ in range(4):
            await w.run_due()
            clock.move(seconds=10)
    assert len(receiver.received) == 3  # at once, then the schedule's two
    delivery = await WebhookDelivery.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    endpoint = await WebhookEndpoint.get(provider_id=provider.id)
    assert endpoint.state is EndpointState.FAILING
    assert await Notification.filter(user_id=admin.id, kind="WEBHOOK_ENDPOINT_FAILING").count() == 1


async def test_retry_after_slows_the_endpoint_down(db: str) -> None:
    slow = Reply(429, headers={"retry-after": "120"})
    with Receiver(slow, Reply(200)) as receiver, moved_to(START) as clock:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "x"})
        w = worker()
        await w.run_due()
        endpoint = await WebhookEndpoint.get(provider_id=provider.id)
        assert endpoint.paused_until == START + timedelta(seconds=120)
        await announce_now(provider.id, {"orderId": "second"})  # held back too
        clock.move(seconds=60)
        assert await w.run_due() == 1  # the second's job: deferred, no attempt
        assert len(receiver.received) == 1
        clock.move(seconds=100)
        await w.run_due()
    assert len(receiver.received) == 3
    assert await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count() == 2
