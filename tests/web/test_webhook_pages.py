"""Webhooks on admin pages: an endpoint configured on the providers page (its secret shown in
that answer only), errors next to the field, the deliveries page and its redeliver button."""

from __future__ import annotations

import re
from typing import Any

from backend.models.enterprises import Provider
from backend.models.webhooks import DeliveryStatus, WebhookDelivery
from tests.conftest import PASSWORD, Api, make_user
from tests.schema.helpers import global_id
from tests.services.webhooks.helpers import announce_now, provider_with_endpoint, worker
from tests.services.webhooks.receiver import Receiver, Reply
from tests.web.helpers import sign_in_by_form, submit


async def _admin(new_api: Any) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    client: Api = new_api()
    assert (await sign_in_by_form(client, "admin@example.cn", PASSWORD)).status_code == 303
    return client


def _section(html: str, provider_id: str) -> str:
    return html.split(f'id="webhook-{provider_id}"', 1)[1].split("</section>", 1)[0]


async def test_an_admin_configures_an_endpoint_on_the_providers_page(new_api: Any) -> None:
    admin = await _admin(new_api)
    provider = await Provider.create(name="正和律师事务所")
    pid = global_id("Provider", provider.id)
    page = (await admin.client.get("/admin/providers")).text
    assert "尚无端点" in _section(page, pid)
    bad = await submit(
        admin,
        "/admin/providers/webhook",
        {"providerId": pid, "url": "http://192.168.1.20/hook", "signingScheme": "V1"},
    )
    assert bad.status_code == 422
    section = _section(bad.text, pid)
    assert f'id="webhook-{pid}-url-error"' in section and "内网" in section
    assert f'id="webhook-{pid}-types-error"' in section
    assert 'value="http://192.168.1.20/hook"' in section  # what was typed comes back
    fields = {
        "providerId": pid,
        "url": "https://hooks.lawfirm.example.com/servicehall",
        "eventTypes": ["order.forwarded", "order.cancelled"],
        "signingScheme": "V1",
        "enabled": "true",
    }
    made = await admin.client.post(
        "/admin/providers/webhook", data={"csrf_token": admin.csrf(), **fields}
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", made.text)
    assert secret is not None and "只显示这一次" in made.text
    # Never again: not on the page, not after a rotation of a v1a key.
    page = (await admin.client.get("/admin/providers")).text
    assert secret.group(0) not in page and "已启用" in _section(page, pid)
    assert 'value="https://hooks.lawfirm.example.com/servicehall"' in page
    version = re.search(r'name="expectedVersion" value="(\d+)"', _section(page, pid))
    assert version is not None
    to_v1a = {**fields, "signingScheme": "V1A", "expectedVersion": version.group(1)}
    switched = await admin.client.post(
        "/admin/providers/webhook", data={"csrf_token": admin.csrf(), **to_v1a}
    )
    assert switched.status_code == 303
    page = (await admin.client.get("/admin/providers")).text
    assert re.search(r"whpk_[A-Za-z0-9+/=]+", _section(page, pid))
    assert "停止签名于" in _section(page, pid)  # the v1 key rotating out
    rotated = await submit(admin, "/admin/providers/webhook/rotate", {"providerId": pid})
    assert rotated.status_code == 303 and "whsk_" not in rotated.text


async def test_the_deliveries_page_lists_attempts_and_redelivers(new_api: Any) -> None:
    with Receiver(Reply(500)) as receiver:
        provider, _ = await provider_with_endpoint(receiver.url, name="园区物业")
        await announce_now(provider.id, {"orderId": "x"})
        await worker(webhook_retry_schedule=()).run_due()  # fails, the schedule is used up
    admin = await _admin(new_api)
    page = await admin.client.get(f"/admin/webhooks?provider={global_id('Provider', provider.id)}")
    assert page.status_code == 200
    assert "order.forwarded" in page.text and "HTTP 500" in page.text and "失败" in page.text
    delivery = await WebhookDelivery.get()
    did = global_id("WebhookDelivery", delivery.id)
    refused = await submit(admin, "/admin/webhooks/redeliver", {"deliveryId": did})
    assert refused.status_code == 303
    assert "请先启用" in (await admin.client.get(refused.headers["location"])).text
    await provider_with_endpoint_enabled(provider.id, receiver.url)
    again = await submit(admin, "/admin/webhooks/redeliver", {"deliveryId": did, "back": ""})
    assert again.status_code == 303
    assert (await WebhookDelivery.get()).status is DeliveryStatus.PENDING
    empty = await admin.client.get("/admin/webhooks?status=DELIVERED")
    assert "此列表中没有推送记录" in empty.text


async def test_only_admins_open_the_webhook_pages(new_api: Any) -> None:
    await make_user("sup@example.cn", ["SUPERVISOR"])
    supervisor: Api = new_api()
    await sign_in_by_form(supervisor, "sup@example.cn", PASSWORD)
    assert (await supervisor.client.get("/admin/webhooks")).status_code == 403
    posted = await submit(supervisor, "/admin/webhooks/redeliver", {"deliveryId": "x"})
    assert posted.status_code == 403


async def provider_with_endpoint_enabled(provider_id: int, url: str) -> None:
    from backend.models.webhooks import EndpointState, WebhookEndpoint

    await WebhookEndpoint.filter(provider_id=provider_id).update(state=EndpointState.ENABLED)
