"""Requests for new services: an enterprise's form and list, and the admins' grouped view.

Each admin action is a plain form per request posting to `/admin/service-requests/<action>`;
its refusal is shown next to that request on the page it came from.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import as_int, enum_values, field_errors, only_for, page, redirect, run, text

MINE = "/enterprises/service-requests"
ADMIN = "/admin/service-requests"
FORM_FIELDS = ("enterpriseId", "title", "description", "reason", "urgency", "categoryId")


async def _mine(request: Request, status_code: int = 200, **form: Any) -> Response:
    result = await run(
        request, "my_service_requests", {"after": request.query_params.get("after") or None}
    )
    data = result.data
    enterprises = [
        m["enterprise"] for m in data["myEnterprises"] if m["enterprise"]["viewerCan"]["apply"]
    ]
    values = {
        "enterprises": enterprises,
        "categories": [e["node"] for e in data["categories"]["edges"]],
        "requests": data["serviceRequests"],
        "urgencies": enum_values("ServiceRequestUrgency"),
        "errors": form.get("errors", {}),
        "input": form.get("input", {"urgency": "NORMAL"}),
        # Minted when the form is drawn (kept when it comes back with errors): a double click
        # sends one request.
        "idempotency_key": form.get("key") or uuid.uuid4().hex,
    }
    return await page(
        request, "service_requests.html", values, viewer=data["me"], status_code=status_code,
        here=MINE,
    )  # fmt: skip


async def mine(request: Request) -> Response:
    return await only_for(request, "applicantPortal") or await _mine(request)


async def ask(request: Request) -> Response:
    if (refused := await only_for(request, "applicantPortal")) is not None:
        return refused
    form = await request.form()
    values = {name: text(form, name) for name in FORM_FIELDS}
    if values["urgency"] not in enum_values("ServiceRequestUrgency"):
        values["urgency"] = "NORMAL"
    variables = {
        **values,
        "categoryId": values["categoryId"] or None,
        "idempotencyKey": text(form, "idempotencyKey") or None,
    }
    payload = (await run(request, "request_new_service", {"input": variables})).data[
        "requestNewService"
    ]
    if payload["userErrors"]:
        errors = field_errors(payload["userErrors"])
        return await _mine(
            request, 422, errors=errors, input=values, key=variables["idempotencyKey"]
        )
    return redirect(request, MINE, flash=N_("Your request was sent. The park will answer it here."))


def _by(request: Request) -> str:
    by = request.query_params.get("by", "WORDING")
    return by if by in enum_values("ServiceRequestGrouping") else "WORDING"


async def _admin(request: Request, by: str, status_code: int = 200, **refusals: Any) -> Response:
    data = (await run(request, "admin_service_requests", {"by": by})).data
    values = {
        "by": by,
        "groupings": enum_values("ServiceRequestGrouping"),
        "grouped": data["serviceRequestGroups"],
        "categories": [e["node"] for e in data["categories"]["edges"]],
        "drafted": [e["node"] for e in data["drafted"]["edges"]],
        "refused": refusals.get("refused", {}),
        "input": refusals.get("input", {}),
    }
    return await page(
        request, "admin_service_requests.html", values, viewer=data["me"],
        status_code=status_code, here=f"{ADMIN}?by={by}",
    )  # fmt: skip


async def admin(request: Request) -> Response:
    return await only_for(request, "catalog") or await _admin(request, _by(request))


# Each action: its operation, payload field, the form's fields and what it says once done.
ACTIONS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "answer": (
        "answer_service_request", "answerServiceRequest", ("answer",),
        N_("The answer was sent to the enterprise."),
    ),
    "decline": (
        "decline_service_request", "declineServiceRequest", ("reason",),
        N_("The request was declined and the enterprise told why."),
    ),
    "merge": (
        "merge_service_request", "mergeServiceRequest", ("targetId",),
        N_("The request was merged; its enterprise follows the other one now."),
    ),
    "draft": (
        "draft_service_item_from_request", "draftServiceItemFromRequest",
        ("categoryId", "nameZh"),
        N_("A draft service item was made from the request. Check it and publish it."),
    ),
}  # fmt: skip


async def act(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404)
    operation, field, names, done = ACTIONS[action]
    form = await request.form()
    by = (
        text(form, "by") if text(form, "by") in enum_values("ServiceRequestGrouping") else "WORDING"
    )
    request_id = text(form, "serviceRequestId")
    variables: dict[str, Any] = {
        "serviceRequestId": request_id,
        "expectedVersion": as_int(text(form, "expectedVersion")),
        **{name: text(form, name) for name in names},
    }
    if action == "draft":
        variables["categoryId"] = variables["categoryId"] or None
    payload = (await run(request, operation, {"input": variables})).data[field]
    if payload["userErrors"]:
        refused_here = {request_id: {"action": action, **field_errors(payload["userErrors"])}}
        values = {request_id: {name: text(form, name) for name in names}}
        return await _admin(request, by, 422, refused=refused_here, input=values)
    if action == "draft":
        item = payload["serviceRequest"]["serviceItemId"]
        return redirect(request, f"/admin/catalog/items/{item}/edit", flash=done)
    return redirect(request, f"{ADMIN}?by={by}", flash=done)


routes = [
    Route(MINE, mine, methods=["GET"]),
    Route(MINE, ask, methods=["POST"]),
    Route(ADMIN, admin, methods=["GET"]),
    Route(ADMIN + "/{action:str}", act, methods=["POST"]),
]
