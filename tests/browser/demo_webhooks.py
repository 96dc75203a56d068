"""Webhook history for the browser test, on a seeded database (the seed has no providers).

`python -m tests.browser.demo_webhooks` with `SERVICEHALL_DATABASE_URL` set adds two providers:
one whose endpoint was disabled after a delivery failed on every retry (the delivery and its
attempts as the worker would have left them), and one with no endpoint yet.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from backend.db import tortoise_config
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
from backend.services.webhooks import signing
from backend.services.webhooks.deliveries import render_body
from backend.services.webhooks.events import EVENT_TYPES, ORDER_FORWARDED
from backend.settings import load_settings

URL = "https://hooks.example.invalid/servicehall"


async def main() -> None:
    settings = load_settings()
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        now = datetime.now(UTC)
        start = now - timedelta(hours=3)
        failing = await Provider.create(name="园区物业外包平台", contact_name="周经理")
        await Provider.create(name="正和律师事务所", contact_name="孙律师")
        endpoint = await WebhookEndpoint.create(
            provider=failing,
            url=URL,
            event_types=list(EVENT_TYPES),
            scheme=SigningScheme.V1,
            state=EndpointState.FAILING,
            state_changed_at=now,
            created_at=start,
        )
        key = signing.generate(SigningScheme.V1)
        await WebhookSecret.create(
            endpoint=endpoint,
            scheme=key.scheme,
            sealed=signing.seal(settings.secret_key, key.secret),
            fingerprint=key.fingerprint,
            created_at=start,
        )
        body = render_body(ORDER_FORWARDED, {"orderId": "T3JkZXI6MQ", "number": "SH-0001"}, start)
        delivery = await WebhookDelivery.create(
            provider=failing,
            message_id="msg_demo_forwarded_0001",
            event_type=ORDER_FORWARDED,
            body=body,
            body_bytes=len(body.encode()),
            status=DeliveryStatus.FAILED,
            attempts=3,
            round_attempts=3,
            last_response_code=503,
            last_error="HTTP 503",
            created_at=start,
        )
        for number, (minutes, code, error) in enumerate(
            [
                (0, None, "ConnectError: [Errno 111] Connection refused"),
                (1, 502, "HTTP 502"),
                (40, 503, "HTTP 503"),
            ],
            start=1,
        ):
            at = start + timedelta(minutes=minutes)
            await WebhookAttempt.create(
                delivery=delivery,
                number=number,
                url=URL,
                started_at=at,
                finished_at=at + timedelta(milliseconds=120),
                duration_ms=120,
                response_code=code,
                error=error,
            )
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
