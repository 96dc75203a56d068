"""Webhook deliveries carried by real server processes (`servicehall serve`, each with its job
worker): across a restart, and with two processes sharing one queue of deliveries."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backend.models.jobs import Job
from backend.models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery
from backend.services.webhooks.deliveries import ATTEMPT
from backend.settings import ROOT
from tests.conftest import SECRET
from tests.schema.live_helpers import free_port
from tests.services.webhooks.helpers import announce_now, provider_with_endpoint
from tests.services.webhooks.receiver import Receiver, Reply

pytestmark = pytest.mark.postgres


@contextmanager
def _server(database_url: str, tmp_path: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    port = free_port()
    env = {
        **os.environ,
        "SERVICEHALL_DATABASE_URL": database_url,
        "SERVICEHALL_SECRET_KEY": SECRET,
        "SERVICEHALL_STORAGE_DIR": str(tmp_path / "files"),
        "SERVICEHALL_JOBS_POLL_SECONDS": "0.2",
        "SERVICEHALL_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "SERVICEHALL_WEBHOOK_RETRY_SCHEDULE": "0.5,0.5,0.5",
        "SERVICEHALL_WEBHOOK_TIMEOUT_SECONDS": "5",
    }
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        text = log_path.read_text()
        assert "Traceback" not in text, text[-3000:]


async def _until(condition: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def test_fails_twice_then_accepts_with_the_server_restarted_in_between(
    db: str, tmp_path: Path
) -> None:
    with Receiver(Reply(500), Reply(500), Reply(200)) as receiver:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "T3JkZXI6MQ", "number": "SH-1"})

        async def some(n: int) -> bool:
            return len(receiver.received) >= n

        with _server(db, tmp_path, "first"):
            await _until(lambda: some(1))
        # The first server stopped after one failed attempt; another one carries on.
        with _server(db, tmp_path, "second"):

            async def delivered() -> bool:
                return await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).exists()

            await _until(delivered)
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    delivery = await WebhookDelivery.get()
    assert (
        delivery.attempts == 3 and delivery.message_id == receiver.received[0].headers["webhook-id"]
    )
    codes = await WebhookAttempt.all().order_by("number").values_list("response_code", flat=True)
    assert codes == [500, 500, 200]


@pytest.mark.postgres_only
async def test_two_server_processes_send_every_attempt_once_and_lose_none(
    db: str, tmp_path: Path
) -> None:
    deliveries = 40
    with Receiver(fail_first=1) as receiver:
        provider, _ = await provider_with_endpoint(receiver.url)
        with _server(db, tmp_path, "one"), _server(db, tmp_path, "two"):
            for n in range(deliveries):
                await announce_now(provider.id, {"orderId": f"o{n}"})

            async def all_delivered() -> bool:
                done = await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count()
                return done == deliveries

            await _until(all_delivered, 120)
    sent = Counter(r.headers["webhook-id"] for r in receiver.received)
    rows = await WebhookDelivery.all().values_list("message_id", "attempts")
    assert len(rows) == deliveries
    # Each delivery: one failed attempt and one accepted, each sent exactly once.
    assert {message_id: 2 for message_id, _ in rows} == dict(sent)
    assert {attempts for _, attempts in rows} == {2}
    assert await WebhookAttempt.all().count() == 2 * deliveries
    # They shared the queue: both processes ran attempts.
    workers = await Job.filter(kind=ATTEMPT).values_list("locked_by", flat=True)
    assert len({name.rsplit(":", 1)[0] for name in workers}) == 2, Counter(workers)
