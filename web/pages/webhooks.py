"""Webhooks for admins: a provider's endpoint (a section of the providers page), and the
deliveries to providers with their attempts, each finished one redeliverable."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.pages.premises import providers_page
from web.shell import as_int, enum_values, field_errors, only_for, page, redirect, run, text

DELIVERIES_PAGE = 30


def _endpoint(form: Any) -> dict[str, Any]:
    scheme = text(form, "signingScheme")
    values: dict[str, Any] = {
        "providerId": text(form, "providerId"),
        "url": text(form, "url"),
        "eventTypes": [v for v in form.getlist("eventTypes") if isinstance(v, str)],
        "signingScheme": scheme if scheme in enum_values("WebhookSigningScheme") else "V1",
        "enabled": text(form, "enabled") == "true",
    }
    if text(form, "expectedVersion"):
        values["expectedVersion"] = as_int(text(form, "expectedVersion"))
    return values


async def configure_endpoint(request: Request) -> Response:
    if (refused := await only_for(request, "providers")) is not None:
        return refused
    values = _endpoint(await request.form())
    result = await run(request, "configure_webhook_endpoint", {"input": values})
    payload = result.data["configureWebhookEndpoint"]
    provider_id = values["providerId"]
    if payload["userErrors"]:
        shown = {
            "url": values["url"],
            "eventTypes": values["eventTypes"],
            "scheme": values["signingScheme"],
            "enabled": values["enabled"],
        }
        back = {provider_id: {"errors": field_errors(payload["userErrors"]), "input": shown}}
        return await providers_page(request, 422, webhook=back)
    return await _saved(request, provider_id, payload["secret"], N_("The endpoint was saved."))


async def rotate_secret(request: Request) -> Response:
    if (refused := await only_for(request, "providers")) is not None:
        return refused
    provider_id = text(await request.form(), "providerId")
    result = await run(request, "rotate_webhook_secret", {"input": {"providerId": provider_id}})
    payload = result.data["rotateWebhookSecret"]
    if payload["userErrors"]:
        back = {provider_id: {"errors": field_errors(payload["userErrors"]), "input": {}}}
        return await providers_page(request, 422, webhook=back)
    return await _saved(request, provider_id, payload["secret"], N_("A new signing key was made."))


async def _saved(request: Request, provider_id: str, secret: str | None, done: str) -> Response:
    if secret:
        # Shown in this answer only: never in a redirect's address or a flash cookie.
        shown = {"provider": provider_id, "secret": secret}
        response = await providers_page(request, 200, shown_secret=shown)
        response.headers["cache-control"] = "no-store"
        return response
    return redirect(request, f"/admin/providers#webhook-{provider_id}", flash=done)


def _filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    status = query.get("status") or None
    return {
        "provider": query.get("provider") or None,
        "status": status if status in enum_values("WebhookDeliveryStatus") else None,
        "eventType": query.get("eventType") or None,
    }


async def deliveries(request: Request) -> Response:
    if (refused := await only_for(request, "providers")) is not None:
        return refused
    filters = _filters(request)
    after = request.query_params.get("after") or None
    variables = {"first": DELIVERIES_PAGE, "after": after, **filters}
    result = await run(request, "admin_webhooks", variables)
    data = result.data
    values = {
        "connection": data["webhookDeliveries"],
        "providers": [edge["node"] for edge in data["providers"]["edges"]],
        "event_types": data["webhookEventTypes"],
        "statuses": enum_values("WebhookDeliveryStatus"),
        "filters": filters,
        "after": after,
        "query": request.url.query,
    }
    return await page(
        request, "admin_webhooks.html", values, viewer=data["me"], here="/admin/webhooks"
    )


async def redeliver(request: Request) -> Response:
    if (refused := await only_for(request, "providers")) is not None:
        return refused
    form = await request.form()
    back = "/admin/webhooks" + (f"?{text(form, 'back')}" if text(form, "back") else "")
    delivery_id = text(form, "deliveryId")
    result = await run(request, "redeliver_webhook", {"input": {"deliveryId": delivery_id}})
    errors = result.data["redeliverWebhook"]["userErrors"]
    if errors:
        return redirect(request, back, flash=errors[0]["message"])
    return redirect(request, back, flash=N_("The delivery is being sent again."))


routes = [
    Route("/admin/providers/webhook", configure_endpoint, methods=["POST"]),
    Route("/admin/providers/webhook/rotate", rotate_secret, methods=["POST"]),
    Route("/admin/webhooks", deliveries, methods=["GET"]),
    Route("/admin/webhooks/redeliver", redeliver, methods=["POST"]),
]
