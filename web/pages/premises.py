"""The park's registers, for admins: premises (buildings, floors, units, bindings) and providers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import (
    as_int,
    enum_values,
    field_errors,
    only_for,
    page,
    redirect,
    run,
    text,
    translate,
)

PROVIDERS_PAGE = 50


async def _premises_page(request: Request, status_code: int = 200, **forms: Any) -> Response:
    result = await run(request, "admin_premises")
    data = result.data
    values = {
        "buildings": [e["node"] for e in data["buildings"]["edges"]],
        "enterprises": [e["node"] for e in data["enterprises"]["edges"]],
        "forms": forms,
    }
    return await page(
        request,
        "admin_premises.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here="/admin/premises",
    )


async def premises(request: Request) -> Response:
    return await only_for(request, "premises") or await _premises_page(request)


def _building(form: Any) -> dict[str, Any]:
    return {"name": text(form, "name"), "address": text(form, "address")}


def _floor(form: Any) -> dict[str, Any]:
    return {
        "buildingId": text(form, "buildingId"),
        "label": text(form, "label"),
        "position": as_int(text(form, "position")),
    }


def _unit(form: Any) -> dict[str, Any]:
    area = text(form, "areaM2")
    return {"floorId": text(form, "floorId"), "label": text(form, "label"), "areaM2": area or None}


def _bind(form: Any) -> dict[str, Any]:
    return {
        "unitId": text(form, "unitId"),
        "enterpriseId": text(form, "enterpriseId"),
        "startsOn": text(form, "startsOn"),
    }


def _end(form: Any) -> dict[str, Any]:
    return {"bindingId": text(form, "bindingId"), "endsOn": text(form, "endsOn")}


# Each form of the page: how its input is read, the operation and payload field, which fields
# must be chosen before the operation can run (ids, dates and numbers the schema types), and
# the flash on success.
PREMISES_ACTIONS = {
    "building": (_building, "create_building", "createBuilding", (), N_("The building was added.")),
    "floor": (_floor, "create_floor", "createFloor", ("buildingId",), N_("The floor was added.")),
    "unit": (_unit, "create_unit", "createUnit", ("floorId",), N_("The unit was added.")),
    "bind": (
        _bind,
        "bind_premises",
        "bindPremises",
        ("unitId", "enterpriseId", "startsOn"),
        N_("The unit was bound to the enterprise."),
    ),
    "end": (
        _end,
        "end_premises_binding",
        "endPremisesBinding",
        ("endsOn",),
        N_("The binding was ended."),
    ),
}


def _missing(
    request: Request, fields: dict[str, Any], required: tuple[str, ...]
) -> dict[str, list[str]]:
    message = translate(request, N_("Choose or enter this."))
    return {name: [message] for name in required if not fields.get(name)}


def _malformed(request: Request, fields: dict[str, Any]) -> dict[str, list[str]]:
    """Areas and dates the schema could not even read, as field errors."""
    errors: dict[str, list[str]] = {}
    area = fields.get("areaM2")
    if area is not None and not _is_number(area):
        errors["areaM2"] = [translate(request, N_("Enter a number, e.g. 120.5."))]
    for name in ("startsOn", "endsOn"):
        value = fields.get(name)
        if value and not _is_date(value):
            errors[name] = [translate(request, N_("Enter the date as YYYY-MM-DD."))]
    return errors


def _is_number(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


async def premises_action(request: Request) -> Response:
    if (refused := await only_for(request, "premises")) is not None:
        return refused
    action = request.path_params["action"]
    if action not in PREMISES_ACTIONS:
        raise HTTPException(404)
    read, operation, field, required, done = PREMISES_ACTIONS[action]
    form = await request.form()
    fields = read(form)
    errors = _missing(request, fields, required) | _malformed(request, fields)
    if not errors:
        payload = (await run(request, operation, {"input": fields})).data[field]
        errors = field_errors(payload["userErrors"])
    if errors:
        key = f"end-{fields['bindingId']}" if action == "end" else action
        return await _premises_page(request, 422, **{key: {"errors": errors, "input": fields}})
    return redirect(request, "/admin/premises", flash=done)


async def _providers_page(request: Request, status_code: int = 200, **forms: Any) -> Response:
    after = request.query_params.get("after") or None
    result = await run(request, "admin_providers", {"first": PROVIDERS_PAGE, "after": after})
    values = {
        "connection": result.data["providers"],
        "after": after,
        "create": forms.get("create", {"errors": {}, "input": {"active": True}}),
        "edit": forms.get("edit", {}),
        # Webhook endpoints (web/pages/webhooks.py): forms back with errors, a new secret.
        "webhook": forms.get("webhook", {}),
        "shown_secret": forms.get("shown_secret"),
        "webhook_event_types": result.data["webhookEventTypes"],
        "webhook_schemes": enum_values("WebhookSigningScheme"),
    }
    return await page(
        request,
        "admin_providers.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here="/admin/providers",
    )


# The webhook endpoint forms (web/pages/webhooks.py) answer with this page too.
providers_page = _providers_page


async def providers(request: Request) -> Response:
    return await only_for(request, "providers") or await _providers_page(request)


def _provider(form: Any) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "contactName": text(form, "contactName"),
        "contactPhone": text(form, "contactPhone"),
        "email": text(form, "email"),
        "description": text(form, "description"),
        "active": text(form, "active") == "true",
    }


async def create_provider(request: Request) -> Response:
    if (refused := await only_for(request, "providers")) is not None:
        return refused
    values = _provider(await request.form())
    payload = (await run(request, "create_provider", {"input": values})).data["createProvider"]
    if payload["userErrors"]:
        create = {"errors": field_errors(payload["userErrors"]), "input": values}
        return await _providers_page(request, 422, create=create)
    return redirect(request, "/admin/providers", flash=N_("The provider was added."))


async def update_provider(request: Request) -> Response:
    if (refused := await only_for(request, "providers")) is not None:
        return refused
    form = await request.form()
    values = _provider(form)
    provider_id = text(form, "providerId")
    variables = {
        "input": {
            **values,
            "providerId": provider_id,
            "expectedVersion": as_int(text(form, "expectedVersion")),
        }
    }
    payload = (await run(request, "update_provider", variables)).data["updateProvider"]
    if payload["userErrors"]:
        edit = {provider_id: {"errors": field_errors(payload["userErrors"]), "input": values}}
        return await _providers_page(request, 422, edit=edit)
    return redirect(
        request, f"/admin/providers#provider-{provider_id}", flash=N_("The provider was saved.")
    )


routes = [
    Route("/admin/premises", premises, methods=["GET"]),
    Route("/admin/premises/{action:str}", premises_action, methods=["POST"]),
    Route("/admin/providers", providers, methods=["GET"]),
    Route("/admin/providers/new", create_provider, methods=["POST"]),
    Route("/admin/providers/edit", update_provider, methods=["POST"]),
]
