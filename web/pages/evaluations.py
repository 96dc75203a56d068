"""Evaluations (好差评) on the pages: the applicant's rating and follow-up, the handler's appeal
(forms on the order's page, `_evaluation.html`), and the supervisor's page of open
rectifications and appeals to decide (`/rectifications`).

Each form is a plain POST that comes back to its page (PRG) or, when the API names a problem,
renders the page again with the problem next to the field and what was typed kept. Which forms
show is the evaluation's and the order's `viewerCan`; the page decides nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.pages.orders import _order_page
from web.shell import (
    field_errors,
    live_query,
    login_redirect,
    only_for,
    page,
    redirect,
    run,
    shown,
    signed_in,
    text,
)


def _version(form: FormData) -> int:
    version = text(form, "expectedVersion")
    return int(version) if version.isdigit() else -1


def _strings(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


# On the order's page: the operation, its payload field, the fields kept, and the flash.
ORDER_FORMS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "rate": (
        "evaluate_order",
        "evaluateOrder",
        ("level", "comment"),
        N_("Thank you: your rating was recorded."),
    ),
    "follow-up": (
        "add_follow_up_review",
        "addFollowUpReview",
        ("level", "comment"),
        N_("Your follow-up review was added."),
    ),
    "appeal": (
        "appeal_evaluation",
        "appealEvaluation",
        ("reason",),
        N_("Your appeal was sent to the supervisors."),
    ),
}


def _order_input(action: str, order_id: str, form: FormData, entered: dict[str, str]) -> Any:
    if action == "rate":
        return {
            "orderId": order_id,
            "level": entered["level"],
            "comment": entered["comment"],
            "reasons": _strings(form, "reasons"),
        }
    evaluation = text(form, "evaluationId")
    if action == "follow-up":
        return {
            "evaluationId": evaluation,
            "level": entered["level"],
            "comment": entered["comment"],
            "expectedVersion": _version(form),
        }
    version = _version(form)
    return {"evaluationId": evaluation, "reason": entered["reason"], "expectedVersion": version}


async def on_order(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    number = request.path_params["number"]
    action = request.path_params["action"]
    if action not in ORDER_FORMS:
        raise HTTPException(404)
    # Someone else's order is the 404 page, as its address would be.
    found = (await run(request, "order_ref", {"number": number})).data["orderByNumber"]
    if found is None:
        raise HTTPException(404)
    operation, field, typed, done = ORDER_FORMS[action]
    async with request.form() as form:
        entered = {name: text(form, name) for name in typed}
        chosen = _strings(form, "reasons")
        variables = {"input": _order_input(action, found["id"], form, entered)}
    payload = (await run(request, operation, variables)).data[field]
    errors: dict[str, list[str]] = {}
    for name, messages in field_errors(payload["userErrors"]).items():
        errors.setdefault(name if name in (*typed, "reasons") else "", []).extend(messages)
    if not errors:
        return redirect(request, f"/orders/{number}#evaluation", flash=done)
    state = {"errors": errors, "input": {**entered, "reasons": chosen}}
    return await _order_page(request, number, 422, forms={f"evaluation-{action}": state})


# -- the supervisor's page ------------------------------------------------------------------------

STEPS: dict[str, tuple[str, str, str]] = {
    "call-back": (
        "record_rectification_call_back",
        "recordRectificationCallBack",
        N_("The call back was recorded; the rectification is yours."),
    ),
    "fix": ("record_rectification_fix", "recordRectificationFix", N_("What was done is recorded.")),
    "close": (
        "close_rectification",
        "closeRectification",
        N_("The rectification is closed; the applicant was told."),
    ),
    "decide": (
        "decide_evaluation_appeal",
        "decideEvaluationAppeal",
        N_("Your decision on the appeal was recorded."),
    ),
}


async def _rectifications_page(
    request: Request, status_code: int = 200, forms: dict[str, Any] | None = None
) -> Response:
    values, data = await _lists(request)
    values["forms"] = forms or {}
    return await page(
        request,
        "rectifications.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here="/rectifications",
    )


async def _lists(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    data = (await run(request, "rectifications_page")).data
    values = {
        "mine": [e["node"] for e in data["mine"]["edges"]],
        "others": [e["node"] for e in data["others"]["edges"]],
        "appeals": [e["node"] for e in data["appeals"]["edges"]],
        "forms": {},
    }
    values["live"] = live_query(rectifications=1, seen=rectifications_shown(values))
    return values, data


def rectifications_shown(values: dict[str, Any]) -> str:
    """What the supervisors' lists show, as their live stream compares it (`shown`)."""
    return shown(values["mine"], values["others"], values["appeals"])


async def rectification_lists(request: Request) -> dict[str, Any]:
    """The values of the open rectifications and the appeals (`_rectification_lists.html`):
    what the supervisors' live stream renders again when a review or a rectification
    changes."""
    values, _ = await _lists(request)
    return values


async def rectifications(request: Request) -> Response:
    return await only_for(request, "rectifications") or await _rectifications_page(request)


async def step(request: Request) -> Response:
    if (refused := await only_for(request, "rectifications")) is not None:
        return refused
    action = request.path_params["step"]
    if action not in STEPS:
        raise HTTPException(404)
    operation, field, done = STEPS[action]
    async with request.form() as form:
        target = text(form, "id")
        entered = {"note": text(form, "note"), "reason": text(form, "reason")}
        if action == "decide":
            variables: dict[str, Any] = {
                "evaluationId": target,
                "decision": "VOID" if text(form, "decision") == "VOID" else "KEEP",
                "reason": entered["reason"],
                "expectedVersion": _version(form),
            }
        else:
            variables = {"rectificationId": target, "expectedVersion": _version(form)}
            if action != "close":
                variables["note"] = entered["note"]
    payload = (await run(request, operation, {"input": variables})).data[field]
    errors = field_errors(payload["userErrors"])
    if not errors:
        return redirect(request, "/rectifications", flash=done)
    shown: dict[str, list[str]] = {}
    for name, messages in errors.items():
        shown.setdefault(name if name in ("note", "reason") else "", []).extend(messages)
    key = f"{action}-{target}"
    return await _rectifications_page(request, 422, {key: {"errors": shown, "input": entered}})


routes = [
    Route("/orders/{number:str}/evaluation/{action:str}", on_order, methods=["POST"]),
    Route("/rectifications", rectifications, methods=["GET"]),
    Route("/rectifications/{step:str}", step, methods=["POST"]),
]
