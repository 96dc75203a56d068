"""Enterprises: my enterprises, registration with the licence, the status page, the review queue.

Registration and resubmission post one multipart form (fields and licence together). The route
uploads the licence through `uploadFile`, then registers with the returned file id, so every
problem (the file's and the fields') is shown at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from graphql import GraphQLError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from backend.schema.relay import decode_id_of
from web.shell import (
    as_int,
    enum_values,
    field_errors,
    login_redirect,
    only_for,
    page,
    redirect,
    run,
    signed_in,
    text,
    translate,
)

FIELDS = (
    "name",
    "creditCode",
    "establishedOn",
    "legalRepresentative",
    "contactName",
    "contactPhone",
    "address",
)
QUEUE_SIZE = 20


def _enterprise_id(request: Request) -> str:
    """The enterprise id in the path; anything that cannot name an enterprise is a 404."""
    value = request.path_params["id"]
    try:
        pk = decode_id_of(value, "Enterprise")
    except GraphQLError:
        pk = None
    if pk is None:
        raise HTTPException(404)
    return str(value)


async def _my_page(request: Request, status_code: int = 200, **forms: Any) -> Response:
    result = await run(request, "my_enterprises")
    values = {
        "memberships": result.data["myEnterprises"],
        "join": forms.get("join", {"errors": {}, "input": {}}),
    }
    return await page(
        request,
        "enterprise_list.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here="/enterprises",
    )


async def my_enterprises(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    return await _my_page(request)


async def join(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    form = await request.form()
    values = {"code": text(form, "code").upper()}
    payload = (await run(request, "join_enterprise", {"input": values})).data["joinEnterprise"]
    if payload["userErrors"]:
        joined = {"errors": field_errors(payload["userErrors"]), "input": values}
        return await _my_page(request, 422, join=joined)
    enterprise = payload["membership"]["enterprise"]
    return redirect(
        request, f"/enterprises/{enterprise['id']}", flash=N_("You have joined the enterprise.")
    )


def _date(value: str) -> tuple[str | None, bool]:
    """An ISO date for the API (None when empty), and whether the text was a date at all."""
    if not value:
        return None, True
    try:
        return date.fromisoformat(value).isoformat(), True
    except ValueError:
        return None, False


async def _upload_licence(request: Request, form: FormData) -> tuple[str | None, list[str]]:
    """The chosen licence uploaded: its file id, or the upload's problems (none if not chosen)."""
    chosen = form.get("licence")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return None, []
    variables = {"file": chosen, "purpose": "LICENCE"}
    payload = (await run(request, "upload_file", variables)).data["uploadFile"]
    if payload["userErrors"]:
        return None, [e["message"] for e in payload["userErrors"]]
    return str(payload["file"]["id"]), []


async def _submit(
    request: Request,
    form: FormData,
    operation: str,
    field: str,
    extra: dict[str, Any],
    keep: str | None = None,
) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    """Uploads the licence and runs the registration mutation: (payload, values, errors)."""
    values = {name: text(form, name) for name in FIELDS}
    established, well_formed = _date(values["establishedOn"])
    licence_id, upload_errors = await _upload_licence(request, form)
    fields = {**values, "establishedOn": established, "licenceFileId": licence_id or keep}
    payload = (await run(request, operation, {"input": {**extra, **fields}})).data[field]
    errors = field_errors(payload["userErrors"])
    if "licenceFileId" in errors or upload_errors:
        errors["licence"] = upload_errors or errors.pop("licenceFileId")
        errors.pop("licenceFileId", None)
    if not well_formed:
        errors["establishedOn"] = [translate(request, N_("Enter the date as YYYY-MM-DD."))]
    return payload, values, errors


async def register(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    if request.method == "GET":
        return await _register_page(request, {}, {})
    async with request.form() as form:
        payload, values, errors = await _submit(
            request, form, "register_enterprise", "registerEnterprise", {}
        )
    if errors:
        return await _register_page(request, values, errors, 422)
    enterprise = payload["enterprise"]
    return redirect(
        request,
        f"/enterprises/{enterprise['id']}",
        flash=N_("The registration was submitted. An administrator will verify it."),
    )


async def _register_page(
    request: Request, values: dict[str, str], errors: dict[str, list[str]], status_code: int = 200
) -> Response:
    result = await run(request, "shell")
    return await page(
        request,
        "enterprise_new.html",
        {"values": values, "errors": errors, "posted": status_code != 200},
        viewer=result.data["me"],
        status_code=status_code,
        here="/enterprises/new",
    )


async def _status_page(
    request: Request, enterprise_id: str, status_code: int = 200, **extra: Any
) -> Response:
    result = await run(request, "enterprise", {"id": enterprise_id})
    enterprise = result.data["enterprise"]
    if enterprise is None:
        raise HTTPException(404)
    values = {
        "enterprise": enterprise,
        "resubmit": extra.get("resubmit"),
        "invitation": extra.get("invitation"),
        "invite_errors": extra.get("invite_errors", []),
        "member_errors": extra.get("member_errors", {}),
    }
    response = await page(
        request,
        "enterprise_status.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here=f"/enterprises/{enterprise_id}",
    )
    if extra.get("invitation"):
        response.headers["Cache-Control"] = "no-store"
    return response


async def status(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    return await _status_page(request, _enterprise_id(request))


async def resubmit(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    enterprise_id = _enterprise_id(request)
    async with request.form() as form:
        version = as_int(text(form, "expectedVersion"))
        extra = {"enterpriseId": enterprise_id, "expectedVersion": version}
        keep = text(form, "currentLicenceId") or None
        _, values, errors = await _submit(
            request, form, "resubmit_enterprise", "resubmitEnterprise", extra, keep
        )
    if errors:
        resubmitted = {"input": values, "errors": errors}
        return await _status_page(request, enterprise_id, 422, resubmit=resubmitted)
    return redirect(
        request,
        f"/enterprises/{enterprise_id}",
        flash=N_("The corrected registration was sent back for verification."),
    )


async def invite(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    enterprise_id = _enterprise_id(request)
    variables = {"input": {"enterpriseId": enterprise_id}}
    payload = (await run(request, "invite_member", variables)).data["inviteMember"]
    if payload["userErrors"]:
        messages = [e["message"] for e in payload["userErrors"]]
        return await _status_page(request, enterprise_id, 422, invite_errors=messages)
    return await _status_page(request, enterprise_id, invitation=payload["invitation"])


async def remove_member(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    enterprise_id = _enterprise_id(request)
    form = await request.form()
    user_id = text(form, "userId")
    variables = {"input": {"enterpriseId": enterprise_id, "userId": user_id}}
    payload = (await run(request, "remove_member", variables)).data["removeMember"]
    if payload["userErrors"]:
        member_errors = {user_id: [e["message"] for e in payload["userErrors"]]}
        return await _status_page(request, enterprise_id, 422, member_errors=member_errors)
    return redirect(
        request, f"/enterprises/{enterprise_id}#members", flash=N_("The member was removed.")
    )


def _status_filter(value: str | None) -> str:
    # Without a choice the queue shows the first state, the registrations waiting for review.
    statuses = enum_values("EnterpriseStatus")
    return value if value in statuses else statuses[0]


async def _queue_page(
    request: Request, status: str, status_code: int = 200, **forms: Any
) -> Response:
    after = request.query_params.get("after") or None
    variables = {"status": status, "first": QUEUE_SIZE, "after": after}
    result = await run(request, "admin_enterprises", variables)
    values = {
        "connection": result.data["enterprises"],
        "status": status,
        "statuses": enum_values("EnterpriseStatus"),
        "after": after,
        "row_errors": forms.get("row_errors", {}),
        "row_input": forms.get("row_input", {}),
    }
    return await page(
        request,
        "admin_enterprises.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here=f"/admin/enterprises?status={status}",
    )


async def queue(request: Request) -> Response:
    status_filter = _status_filter(request.query_params.get("status"))
    return await only_for(request, "enterpriseReview") or await _queue_page(request, status_filter)


async def review(request: Request) -> Response:
    if (refused := await only_for(request, "enterpriseReview")) is not None:
        return refused
    form = await request.form()
    enterprise_id = text(form, "enterpriseId")
    decision = text(form, "decision")
    fields = {
        "enterpriseId": enterprise_id,
        "decision": decision if decision in ("VERIFY", "REJECT") else "VERIFY",
        "reason": text(form, "reason"),
        "expectedVersion": as_int(text(form, "expectedVersion")),
    }
    back = _status_filter(text(form, "status"))
    payload = (await run(request, "review_enterprise", {"input": fields})).data["reviewEnterprise"]
    if payload["userErrors"]:
        row_errors = {enterprise_id: field_errors(payload["userErrors"])}
        row_input = {enterprise_id: {"reason": fields["reason"]}}
        return await _queue_page(request, back, 422, row_errors=row_errors, row_input=row_input)
    done = (
        N_("The enterprise was verified.")
        if fields["decision"] == "VERIFY"
        else N_("The registration was rejected; the registrant sees the reason.")
    )
    return redirect(request, f"/admin/enterprises?status={back}", flash=done)


routes = [
    Route("/admin/enterprises", queue, methods=["GET"]),
    Route("/admin/enterprises/review", review, methods=["POST"]),
    Route("/enterprises", my_enterprises, methods=["GET"]),
    Route("/enterprises/join", join, methods=["POST"]),
    Route("/enterprises/new", register, methods=["GET", "POST"]),
    Route("/enterprises/{id:str}", status, methods=["GET"]),
    Route("/enterprises/{id:str}/resubmit", resubmit, methods=["POST"]),
    Route("/enterprises/{id:str}/invitations", invite, methods=["POST"]),
    Route("/enterprises/{id:str}/members/remove", remove_member, methods=["POST"]),
]
