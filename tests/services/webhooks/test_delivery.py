"""Deliveries over real HTTP: announced in a transaction, carried by jobs one attempt at a
time, retried on the schedule with the same webhook-id, and acknowledged once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backend.models.jobs import Job
from backend.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery
from backend.services.core.clock import moved_to
from backend.services.webhooks import deliveries, on_acknowledged
from backend.services.webhooks.deliveries import AcknowledgedDelivery
from backend.services.webhooks.events import ORDER_CANCELLED, ORDER_FORWARDED
from tests.services.jobs.helpers import START
from tests.services.webhooks.helpers import announce_now, provider_with_endpoint, worker
from tests.services.webhooks.receiver import Receiver, Reply


@pytest.mark.postgres
async def test_fails_twice_then_accepts_across_a_restart_one_id_one_acknowledgement(
    db: str,
) -> None:
    acknowledged: list[AcknowledgedDelivery] = []

    @on_acknowledged(ORDER_FORWARDED)
    async def forwarded(delivery: AcknowledgedDelivery) -> None:
        acknowledged.append(delivery)

    try:
        with Receiver(Reply(500), Reply(503), Reply(200)) as receiver, moved_to(START) as clock:
            provider, _ = await provider_with_endpoint(receiver.url)
            await announce_now(provider.id, {"orderId": "T3JkZXI6MQ", "number": "SH-1"}, key="o:1")
            await announce_now(provider.id, {"orderId": "T3JkZXI6MQ"}, key="o:1")  # a repeat
            first = worker("before-restart")
            assert await first.run_due() == 1
            assert len(receiver.received) == 1
            # The server restarts: a new worker carries on from the rows alone.
            second = worker("after-restart")
            clock.move(seconds=4)
            assert await second.run_due() == 0  # the 5 s wait (at least) has not passed
            clock.move(seconds=3)
            assert await second.run_due() == 1
            clock.move(seconds=400)
            assert await second.run_due() == 1
            clock.move(hours=1)
            assert await second.run_due() == 0
    finally:
        deliveries.ACKNOWLEDGED[ORDER_FORWARDED].remove(forwarded)

    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1
    delivery = await WebhookDelivery.get()
    assert delivery.message_id in ids
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    body = json.loads(receiver.received[-1].body)
    assert body["type"] == ORDER_FORWARDED and body["data"]["number"] == "SH-1"
    attempts = await WebhookAttempt.filter(delivery_id=delivery.id).order_by("number")
    assert [(a.number, a.response_code, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert [a.id for a in acknowledged] == [delivery.id]
    assert acknowledged[0].data["number"] == "SH-1"


async def test_nothing_for_a_provider_without_endpoint_or_subscription(db: str) -> None:
    with Receiver() as receiver:
        provider, _ = await provider_with_endpoint(receiver.url, event_types=(ORDER_FORWARDED,))
        await announce_now(provider.id, {"orderId": "x"}, event_type=ORDER_CANCELLED)
        from backend.models.enterprises import Provider

        other = await Provider.create(name="没有端点的服务商")
        await announce_now(other.id, {"orderId": "x"})
    assert await WebhookDelivery.all().count() == 0
    assert await Job.all().count() == 0


async def test_a_payload_of_20_kb_is_refused_at_announce(db: str) -> None:
    provider, _ = await provider_with_endpoint("https://provider.example.com/hooks")
    with pytest.raises(deliveries.PayloadTooLarge):
        await announce_now(provider.id, {"note": "x" * 20_480})
    assert await WebhookDelivery.all().count() == 0


def _unused() -> timedelta:
    return timedelta()


async def test_redelivery_sends_again_with_the_same_id_and_old_payloads_are_pruned(db: str) -> None:
    from backend.services.core.errors import Invalid
    from backend.services.webhooks import endpoints, redelivery
    from tests.services.webhooks.helpers import admin, hook_settings

    actor = await admin()
    with Receiver(Reply(500), Reply(200)) as receiver, moved_to(START) as clock:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "x"})
        w = worker(webhook_retry_schedule=(), webhook_keep_days=3)
        await w.run_due()
        delivery = await WebhookDelivery.get()
        assert delivery.status is DeliveryStatus.FAILED  # and the endpoint disabled
        with pytest.raises(Invalid) as disabled:
            await redelivery.redeliver(actor, delivery.id)
        assert disabled.value.problems[0].code == "ENDPOINT_DISABLED"
        await endpoints.configure(
            actor,
            hook_settings(),
            provider.id,
            endpoints.EndpointFields(url=receiver.url, event_types=[ORDER_FORWARDED]),
        )
        await redelivery.redeliver(actor, delivery.id)
        with pytest.raises(Invalid) as pending:
            await redelivery.redeliver(actor, delivery.id)
        assert pending.value.problems[0].code == "DELIVERY_PENDING"
        await w.run_due()
        delivery = await WebhookDelivery.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
        clock.move(days=2)
        await w.run_due()  # the day's pruning: nothing old enough yet
        assert (await WebhookDelivery.get()).body is not None
        clock.move(days=2)  # no announcement since: each pruning schedules the next
        await w.run_due()
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    first = await WebhookDelivery.get(id=delivery.id)
    assert first.body is None and first.pruned_at is not None
    with pytest.raises(Invalid) as pruned:
        await redelivery.redeliver(actor, delivery.id)
    assert pruned.value.problems[0].code == "PAYLOAD_PRUNED"


async def test_an_attempt_cut_off_by_a_dying_worker_is_recorded_and_the_next_one_goes(
    db: str,
) -> None:
    from backend.services.jobs.jobs import JobRun
    from backend.services.webhooks import attempts
    from backend.services.webhooks.deliveries import ATTEMPT

    async def dies_mid_request(run: JobRun) -> None:
        await attempts._begin(run.settings, int(run.payload["deliveryId"]), run.payload["seq"])
        raise ConnectionAbortedError("the process stopped")  # before any outcome is written

    with Receiver() as receiver, moved_to(START) as clock:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "x"})
        dying = worker()
        dying.handlers = {ATTEMPT: dies_mid_request}
        await dying.run_due()
        assert receiver.received == []
        clock.move(minutes=5)  # the job's own retry, by the next server's worker
        await worker().run_due()
        clock.move(minutes=5)  # the next attempt, on the schedule
        await worker().run_due()
    assert len(receiver.received) == 1
    rows = await WebhookAttempt.all().order_by("number")
    assert [(a.number, a.succeeded, a.error) for a in rows] == [
        (1, False, attempts.INTERRUPTED),
        (2, True, ""),
    ]
    assert (await WebhookDelivery.get()).status is DeliveryStatus.DELIVERED


async def test_a_failing_acknowledgement_hook_runs_again_without_sending_again(db: str) -> None:
    calls: list[int] = []

    @on_acknowledged(ORDER_CANCELLED)
    async def flaky(delivery: AcknowledgedDelivery) -> None:
        calls.append(delivery.id)
        if len(calls) == 1:
            raise RuntimeError("the database blinked")

    try:
        with Receiver() as receiver, moved_to(START) as clock:
            provider, _ = await provider_with_endpoint(receiver.url)
            await announce_now(provider.id, {"orderId": "x"}, event_type=ORDER_CANCELLED)
            await worker().run_due()
            clock.move(minutes=5)
            await worker().run_due()
    finally:
        deliveries.ACKNOWLEDGED[ORDER_CANCELLED].remove(flaky)
    assert len(receiver.received) == 1
    delivery = await WebhookDelivery.get()
    assert calls == [delivery.id, delivery.id]
    assert await WebhookAttempt.all().count() == 1
