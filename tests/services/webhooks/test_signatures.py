"""Signatures checked by code that did not make them: `v1` by the npm `standardwebhooks`
package, `v1a` by Node's ed25519; both before and during a key rotation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.models.webhooks import SigningScheme, WebhookEndpoint, WebhookSecret
from backend.services.webhooks import endpoints
from tests.services.webhooks.helpers import (
    admin,
    announce_now,
    hook_settings,
    provider_with_endpoint,
    worker,
)
from tests.services.webhooks.receiver import Received, Receiver

VERIFY = Path(__file__).with_name("verify.mjs")
ROOT = Path(__file__).parents[3]

# Skipped on a machine without them, never in CI (`make setup` installs both).
pytestmark = pytest.mark.skipif(
    not os.environ.get("CI")
    and (shutil.which("node") is None or not (ROOT / "node_modules" / "standardwebhooks").exists()),
    reason="needs node and `npm install` (standardwebhooks)",
)


def node_verifies(scheme: str, key: str, received: Received) -> bool:
    headers = {
        k: received.headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    result = subprocess.run(
        ["node", str(VERIFY)],
        input=json.dumps({"scheme": scheme, "key": key, "headers": headers, "body": received.body}),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.returncode == 0 and result.stdout.strip() == "ok"


async def _public_keys(provider_id: int) -> list[str]:
    endpoint = await WebhookEndpoint.get(provider_id=provider_id)
    return [key.public_key for key in await endpoints.live_keys(endpoint.id)]


async def test_v1_verified_by_the_npm_package_across_a_rotation(db: str) -> None:
    with Receiver() as receiver:
        provider, first_secret = await provider_with_endpoint(receiver.url)
        assert first_secret is not None and first_secret.startswith("whsec_")
        await announce_now(provider.id, {"orderId": "a", "number": "SH-甲"})
        await worker().run_due()
        rotated = await endpoints.rotate_secret(await admin(), hook_settings(), provider.id)
        second_secret = rotated.secret
        assert second_secret is not None and second_secret != first_secret
        await announce_now(provider.id, {"orderId": "b"})
        await worker().run_due()

    before, during = receiver.received
    assert before.headers["webhook-signature"].count("v1,") == 1
    assert during.headers["webhook-signature"].count("v1,") == 2
    assert node_verifies("v1", first_secret, before)
    assert node_verifies("v1", first_secret, during)  # the old key still signs in the window
    assert node_verifies("v1", second_secret, during)
    assert not node_verifies("v1", second_secret, before)
    tampered = Received(before.path, before.headers, before.body.replace("SH-甲", "SH-乙"))
    assert not node_verifies("v1", first_secret, tampered)


async def test_v1a_verified_by_node_crypto_across_a_rotation(db: str) -> None:
    with Receiver() as receiver:
        provider, secret = await provider_with_endpoint(receiver.url, scheme=SigningScheme.V1A)
        assert secret is None  # nothing to show: the public key is published instead
        [first_key] = await _public_keys(provider.id)
        assert first_key.startswith("whpk_")
        await announce_now(provider.id, {"orderId": "a"})
        await worker().run_due()
        await endpoints.rotate_secret(await admin(), hook_settings(), provider.id)
        second_key, old_key = await _public_keys(provider.id)
        assert old_key == first_key
        await announce_now(provider.id, {"orderId": "b"})
        await worker().run_due()

    before, during = receiver.received
    assert node_verifies("v1a", first_key, before)
    assert not node_verifies("v1a", second_key, before)
    assert node_verifies("v1a", first_key, during)
    assert node_verifies("v1a", second_key, during)


async def test_an_expired_key_stops_signing_and_keys_are_sealed(db: str) -> None:
    settings = hook_settings(webhook_rotation_hours=0.0)
    with Receiver() as receiver:
        provider, first = await provider_with_endpoint(receiver.url)
        rotated = await endpoints.rotate_secret(await admin(), settings, provider.id)
        await announce_now(provider.id, {"orderId": "a"})
        await worker().run_due()
    [received] = receiver.received
    assert received.headers["webhook-signature"].count("v1,") == 1
    assert rotated.secret is not None and first is not None
    assert node_verifies("v1", rotated.secret, received)
    assert not node_verifies("v1", first, received)
    for row in await WebhookSecret.all():
        assert "whsec_" not in row.sealed and first not in repr(row)


async def test_the_provider_list_publishes_only_the_keys_that_still_sign(db: str) -> None:
    """`Provider.webhookPublicKeys` (all providers at once) keeps the rule `live_keys` keeps:
    across a rotation's overlap both keys, once it has ended only the new one."""
    with Receiver() as receiver:
        provider, _ = await provider_with_endpoint(receiver.url, scheme=SigningScheme.V1A)
        [first_key] = await _public_keys(provider.id)
        assert (await endpoints.live_public_keys())[provider.id] == [first_key]
        await endpoints.rotate_secret(await admin(), hook_settings(), provider.id)
        overlap = await endpoints.live_public_keys()
        assert overlap[provider.id] == await _public_keys(provider.id)
        second_key, old_key = overlap[provider.id]
        assert old_key == first_key
        # Rotated again with no overlap: the second key stops at once, the first still overlaps.
        ended = hook_settings(webhook_rotation_hours=0.0)
        await endpoints.rotate_secret(await admin(), ended, provider.id)
        after = (await endpoints.live_public_keys())[provider.id]
        assert after == await _public_keys(provider.id)
        assert second_key not in after and after[1:] == [first_key]
