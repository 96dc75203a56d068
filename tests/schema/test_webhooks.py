"""Webhooks in the API: admins configure an endpoint (a v1 secret shown once), rotate its key,
read deliveries with their attempts and redeliver; nobody else does; no answer carries a key."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.enterprises import Provider
from backend.models.webhooks import WebhookSecret
from tests.conftest import Api, QueryCounter
from tests.schema.helpers import global_id, signed_in, token_client
from tests.services.webhooks.helpers import announce_now, provider_with_endpoint, worker
from tests.services.webhooks.receiver import Receiver, Reply

pytestmark = pytest.mark.postgres

CONFIGURE = """mutation($input: ConfigureWebhookEndpointInput!) {
  configureWebhookEndpoint(input: $input) {
    secret
    endpoint { url eventTypes scheme state version keys { scheme fingerprint publicKey expiresAt } }
    userErrors { field code message } } }"""
ROTATE = """mutation($id: ID!) { rotateWebhookSecret(input: {providerId: $id}) {
    secret endpoint { keys { scheme fingerprint expiresAt } } userErrors { field code } } }"""
PROVIDER = """query($id: ID!) { node(id: $id) { ... on Provider {
    webhookPublicKeys webhookEndpoint { url state keys { publicKey } } } } }"""
DELIVERIES = """query($provider: ID, $status: WebhookDeliveryStatus) {
  webhookDeliveries(providerId: $provider, status: $status, first: 20) { totalCount edges { node {
    id messageId eventType status attemptCount lastResponseCode lastError payload
    attempts { number responseCode succeeded error durationMs } } } } }"""
REDELIVER = """mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) {
    delivery { status } userErrors { field code message } } }"""


def _input(provider: Provider, **changes: Any) -> dict[str, Any]:
    return {
        "providerId": global_id("Provider", provider.id),
        "url": "https://provider.example.com/hooks",
        "eventTypes": ["order.forwarded", "order.cancelled"],
        **changes,
    }


async def test_an_admin_configures_an_endpoint_and_sees_the_secret_once(
    api: Api, new_api: Any
) -> None:
    provider = await Provider.create(name="外包服务平台")
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    made = (await admin.gql(CONFIGURE, {"input": _input(provider)}))["configureWebhookEndpoint"]
    assert made["userErrors"] == []
    secret = made["secret"]
    assert secret.startswith("whsec_")
    assert made["endpoint"]["eventTypes"] == ["order.forwarded", "order.cancelled"]
    assert made["endpoint"]["state"] == "ENABLED" and made["endpoint"]["scheme"] == "V1"
    [key] = made["endpoint"]["keys"]
    assert key["publicKey"] is None and key["expiresAt"] is None
    # A change without a new key shows no secret; the old version is refused.
    again = (
        await admin.gql(CONFIGURE, {"input": _input(provider, expectedVersion=1, enabled=False)})
    )["configureWebhookEndpoint"]
    assert again["secret"] is None and again["endpoint"]["state"] == "DISABLED"
    stale = (await admin.gql(CONFIGURE, {"input": _input(provider, expectedVersion=1)}))[
        "configureWebhookEndpoint"
    ]
    assert [e["code"] for e in stale["userErrors"]] == ["STALE"]
    # v1a: a key pair, the public half published with the provider.
    v1a = (
        await admin.gql(
            CONFIGURE, {"input": _input(provider, expectedVersion=2, signingScheme="V1A")}
        )
    )["configureWebhookEndpoint"]
    assert v1a["secret"] is None
    new_key, old_key = v1a["endpoint"]["keys"]
    assert new_key["scheme"] == "V1A" and new_key["publicKey"].startswith("whpk_")
    assert old_key["scheme"] == "V1" and old_key["expiresAt"] is not None  # rotating out
    read = await admin.gql(PROVIDER, {"id": global_id("Provider", provider.id)})
    assert read["node"]["webhookPublicKeys"] == [new_key["publicKey"]]
    rotated = (await admin.gql(ROTATE, {"id": global_id("Provider", provider.id)}))[
        "rotateWebhookSecret"
    ]
    assert rotated["secret"] is None and len(rotated["endpoint"]["keys"]) == 3
    # No answer ever carried the secret again, nor any private key.
    sealed = await WebhookSecret.all().values_list("sealed", flat=True)
    assert all(secret not in str(value) for value in sealed)


async def test_bad_endpoints_are_user_errors(new_api: Any) -> None:
    provider = await Provider.create(name="外包服务平台")
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    cases = [
        ({"url": "ftp://provider.example.com/"}, ["url"], "INVALID_URL"),
        ({"url": "https://user:pw@provider.example.com/"}, ["url"], "INVALID_URL"),
        ({"url": "http://127.0.0.1:8080/hooks"}, ["url"], "PRIVATE_ADDRESS"),
        ({"url": "http://10.1.2.3/hooks"}, ["url"], "PRIVATE_ADDRESS"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, ["url"], "PRIVATE_ADDRESS"),
        ({"url": "http://[::1]/hooks"}, ["url"], "PRIVATE_ADDRESS"),
        ({"url": "http://localhost/hooks"}, ["url"], "PRIVATE_ADDRESS"),
        ({"url": ""}, ["url"], "REQUIRED"),
        ({"eventTypes": []}, ["eventTypes"], "REQUIRED"),
        ({"eventTypes": ["order.exploded"]}, ["eventTypes"], "UNKNOWN_EVENT_TYPE"),
        ({"providerId": global_id("Provider", 99999)}, ["providerId"], "NOT_FOUND"),
    ]
    for changes, field, code in cases:
        answer = (await admin.gql(CONFIGURE, {"input": _input(provider, **changes)}))[
            "configureWebhookEndpoint"
        ]
        assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [(field, code)], changes
        assert answer["userErrors"][0]["message"]
    missing = (await admin.gql(ROTATE, {"id": global_id("Provider", provider.id)}))[
        "rotateWebhookSecret"
    ]
    assert [e["code"] for e in missing["userErrors"]] == ["NO_ENDPOINT"]


async def test_addresses_that_cannot_be_sent_to_as_stored_are_refused(new_api: Any) -> None:
    # urlsplit drops tabs and line breaks silently and keeps a space in the host: the stored
    # address would not be the one posted to, or none could be.
    provider = await Provider.create(name="外包服务平台")
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    for url in [
        "https://provider.exa mple.com/hooks",
        "https://provider.example.com/ho oks",
        "https://provider.exam\nple.com/hooks",
        "https://provider.example.com/\thooks",
        "https://provider..example.com/hooks",
        "https://.provider.example.com/hooks",
    ]:
        answer = (await admin.gql(CONFIGURE, {"input": _input(provider, url=url)}))[
            "configureWebhookEndpoint"
        ]
        assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [
            (["url"], "INVALID_URL")
        ], url
    # An address with a trailing dot or a non-ASCII host still goes in.
    for expected_version, url in [
        (None, "https://provider.example.com./hooks"),
        (1, "https://例子.测试/hooks"),
    ]:
        changes: dict[str, Any] = {"url": url}
        if expected_version:
            changes["expectedVersion"] = expected_version
        taken = (await admin.gql(CONFIGURE, {"input": _input(provider, **changes)}))[
            "configureWebhookEndpoint"
        ]
        assert taken["userErrors"] == [] and taken["endpoint"]["url"] == url


async def test_only_admins_configure_or_see_deliveries(api: Api, new_api: Any) -> None:
    with Receiver() as receiver:
        provider, _ = await provider_with_endpoint(receiver.url)
        await announce_now(provider.id, {"orderId": "x"})
        await worker().run_due()
    supervisor = await signed_in(new_api, "sup@example.cn", ["SUPERVISOR"])
    refused = (await supervisor.gql(CONFIGURE, {"input": _input(provider)}))[
        "configureWebhookEndpoint"
    ]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    listed = (await supervisor.gql(DELIVERIES))["webhookDeliveries"]
    assert listed == {"totalCount": 0, "edges": []}
    read = await supervisor.gql(PROVIDER, {"id": global_id("Provider", provider.id)})
    assert read["node"]["webhookEndpoint"] is None
    anonymous = await api.gql(ROTATE, {"id": global_id("Provider", provider.id)})
    assert [e["code"] for e in anonymous["rotateWebhookSecret"]["userErrors"]] == [
        "NOT_AUTHENTICATED"
    ]
    # An admin's token without the webhooks scopes reads no deliveries.
    admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
    narrow = await token_client(new_api, admin, ["providers:read"])
    response = await narrow.post(DELIVERIES)
    body = response.json()
    assert body.get("data") is None and "webhooks:read" in str(body), body


async def test_admins_read_deliveries_with_attempts_and_redeliver(
    new_api: Any, sql_counter: QueryCounter
) -> None:
    with Receiver(Reply(500), Reply(200)) as receiver:
        provider, _ = await provider_with_endpoint(receiver.url, settings=None)
        for n in range(3):
            await announce_now(provider.id, {"orderId": f"o{n}"})
        await worker(webhook_retry_schedule=(3600.0,)).run_due()
        admin = await signed_in(new_api, "admin@example.cn", ["ADMIN"])
        sql_counter.reset()
        listed = (await admin.gql(DELIVERIES, {"provider": global_id("Provider", provider.id)}))[
            "webhookDeliveries"
        ]
        statements = sql_counter.count
        assert listed["totalCount"] == 3
        nodes = [edge["node"] for edge in listed["edges"]]
        failed = [n for n in nodes if n["lastResponseCode"] == 500]
        assert len(failed) == 1 and failed[0]["status"] == "PENDING"
        assert failed[0]["attempts"][0]["error"] == "HTTP 500"
        assert all(n["payload"] and n["messageId"].startswith("msg_") for n in nodes)
        pending = (await admin.gql(REDELIVER, {"id": failed[0]["id"]}))["redeliverWebhook"]
        assert [e["code"] for e in pending["userErrors"]] == ["DELIVERY_PENDING"]
        delivered = next(n for n in nodes if n["status"] == "DELIVERED")
        again = (await admin.gql(REDELIVER, {"id": delivered["id"]}))["redeliverWebhook"]
        assert again == {"delivery": {"status": "PENDING"}, "userErrors": []}
        await worker().run_due()
    assert len(receiver.received) == 4
    assert receiver.received[-1].headers["webhook-id"] == delivered["messageId"]
    # The page, its count and all its attempts: a fixed number of statements.
    assert statements <= 5, statements
