"""Applying for a service, and the applicant's own applications.

The apply form is one multipart form (answers and materials together, the CSRF token in the
action URL). Its route uploads each chosen material with `uploadFile`, keeps the file ids in
hidden inputs so a re-render keeps them, then either saves a draft or runs `checkApplication`
and shows the answers to check. The check page posts the same values (hidden) to submit, with
the idempotency key minted when the form was first drawn, so a double click submits once.
As the applicant leaves a field, htmx posts the form to the check endpoint, which answers with
that field's problems from `checkApplication` (the whole form page without htmx).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
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
from web.forms import record_values
from web.pages.appointment_parts import booking_for
from web.shell import (
    as_int,
    count_limit,
    enum_values,
    live_query,
    login_redirect,
    page,
    redirect,
    run,
    shown,
    signed_in,
    text,
)

PREFIX = "answer"
FILE_PREFIX = f"{PREFIX}-file"
LIST_SIZE = 20


@dataclass
class Answers:
    """What the applicant has entered so far, as the form holds it."""

    enterprise_id: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    promise: bool = False
    key: str = ""
    application_id: str = ""
    version: str = ""
    # One of the item's providers, chosen by the enterprise ("": the item's primary).
    provider_id: str = ""

    def input(self, item: dict[str, Any], *, with_key: bool = False) -> dict[str, Any]:
        """The ApplicationInput these answers make."""
        attachments = [
            {"kind": kind, "fileId": f["id"], "expiresOn": _date(f.get("expiresOn", ""))}
            for kind, f in self.files.items()
            if f.get("id")
        ]
        found: dict[str, Any] = {
            "serviceItemId": item["id"],
            "enterpriseId": self.enterprise_id or None,
            "formData": form_data(item, self.values),
            "attachments": attachments,
            "promiseDeferred": self.promise,
        }
        if self.provider_id:
            found["providerId"] = self.provider_id
        if self.application_id:
            found["applicationId"] = self.application_id
            found["expectedVersion"] = as_int(self.version)
        if with_key and self.key:
            found["idempotencyKey"] = self.key
        return found


def _date(value: str) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def form_data(item: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The form's answers in the API's shape: empty answers left out, booleans and lists typed.

    Numbers and amounts go as typed: the service reads them (full-width digits, grouping
    commas) the same way on every path, and refuses what is no number with the field's code.
    """
    data: dict[str, Any] = {}
    for f in item["form"]["fields"]:
        value = values.get(f["key"])
        if f["type"] == "CHECKBOX":
            if value:
                data[f["key"]] = True
        elif f["type"] == "MULTIPLE_CHOICE":
            if value:
                data[f["key"]] = list(value)
        elif isinstance(value, str) and value:
            data[f["key"]] = value
    return data


def values_of(item: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as the form shows them."""
    values: dict[str, Any] = {}
    for f in item["form"]["fields"]:
        value = data.get(f["key"])
        if value is None:
            continue
        if f["type"] == "MULTIPLE_CHOICE":
            values[f["key"]] = [str(v) for v in value] if isinstance(value, list) else []
        elif f["type"] == "CHECKBOX":
            values[f["key"]] = bool(value)
        else:
            values[f["key"]] = str(value)
    return values


def answers_from_form(item: dict[str, Any], form: FormData) -> Answers:
    values: dict[str, Any] = {}
    for f in item["form"]["fields"]:
        name = f"{PREFIX}-{f['key']}"
        if f["type"] == "MULTIPLE_CHOICE":
            values[f["key"]] = [v for v in form.getlist(name) if isinstance(v, str)]
        elif f["type"] == "CHECKBOX":
            values[f["key"]] = text(form, name) == "true"
        else:
            values[f["key"]] = text(form, name)
    files: dict[str, dict[str, str]] = {}
    for kind in item["form"]["attachments"]:
        name = f"{FILE_PREFIX}-{kind['kind']}"
        kept = {
            "id": text(form, f"{name}-keep"),
            "name": text(form, f"{name}-keepname"),
            "expiresOn": text(form, f"{name}-expiry"),
        }
        if kept["id"] or kept["expiresOn"]:
            files[kind["kind"]] = kept
    return Answers(
        enterprise_id=text(form, "enterpriseId"),
        values=values,
        files=files,
        promise=text(form, "promiseDeferred") == "true",
        key=text(form, "idempotencyKey") or str(uuid.uuid4()),
        application_id=text(form, "applicationId"),
        version=text(form, "expectedVersion"),
        provider_id=text(form, "providerId"),
    )


def answers_of(app: dict[str, Any]) -> Answers:
    """A saved (draft or returned) application as the form's answers; a fresh key to submit it."""
    files = {
        a["kind"]: {
            "id": str(a["file"]["id"]),
            "name": a["file"]["name"],
            "expiresOn": a["expiresOn"] or "",
        }
        for a in app["attachments"]
        if a["file"]
    }
    # The provider chosen before, while the item still lists it ("": the primary).
    chosen = (app.get("provider") or {}).get("id", "")
    served = {p["id"] for p in (app["serviceItem"] or {}).get("providers") or []}
    return Answers(
        enterprise_id=str(app["enterprise"]["id"]),
        values=values_of(app["serviceItem"], app["formData"] or {}),
        files=files,
        promise=bool(app["promisedDeferred"]),
        key=str(uuid.uuid4()),
        application_id=str(app["id"]),
        version=str(app["version"]),
        provider_id=chosen if chosen in served else "",
    )


@dataclass
class Problems:
    """Problems placed beside the inputs: form fields by key, materials by kind, the rest."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)

    def add(self, path: list[str], message: str, sent: list[dict[str, Any]]) -> None:
        head = path[0] if path else ""
        if head == "formData" and len(path) > 1:
            self.fields.setdefault(path[1], []).append(message)
        elif head == "attachments" and len(path) > 1:
            kind = path[1]
            if kind.isdigit():
                index = int(kind)
                kind = sent[index]["kind"] if index < len(sent) else ""
            self.files.setdefault(kind, []).append(message)
        else:
            self.other.append(message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.files or self.other)


def place(found: list[dict[str, Any]], sent: list[dict[str, Any]] | None = None) -> Problems:
    problems = Problems()
    for problem in found:
        problems.add(list(problem.get("field") or []), problem["message"], sent or [])
    return problems


def _item_id(request: Request) -> str:
    value = request.path_params["id"]
    try:
        pk = decode_id_of(value, "ServiceItem")
    except GraphQLError:
        pk = None
    if pk is None:
        raise HTTPException(404)
    return str(value)


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


async def _apply_data(request: Request, item_id: str) -> dict[str, Any]:
    data = (await run(request, "apply_page", {"id": item_id})).data
    item = data["serviceItem"]
    if item is None:
        raise HTTPException(404)
    return data


def _verified(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [m["enterprise"] for m in data["myEnterprises"] if m["enterprise"]["viewerCan"]["apply"]]


def _mirrored(data: dict[str, Any], answers: Answers) -> Answers:
    """Mirror fields as the chosen enterprise's record has them: never asked again (the
    service stores the record for them whatever is sent)."""
    chosen = next((e for e in _verified(data) if str(e["id"]) == answers.enterprise_id), None)
    answers.values.update(record_values(data["serviceItem"]["form"]["fields"], chosen))
    return answers


def _answers(data: dict[str, Any], form: FormData) -> Answers:
    """The posted answers; the enterprise is the first verified one unless one was chosen."""
    answers = answers_from_form(data["serviceItem"], form)
    enterprises = _verified(data)
    if not answers.enterprise_id and enterprises:
        answers.enterprise_id = str(enterprises[0]["id"])
    return _mirrored(data, answers)


async def _form_page(
    request: Request,
    data: dict[str, Any],
    answers: Answers,
    problems: Problems | None = None,
    *,
    status_code: int = 200,
    application: dict[str, Any] | None = None,
) -> Response:
    item = data["serviceItem"]
    enterprises = _verified(data)
    values = {
        "item": item,
        "enterprises": enterprises,
        "answers": _mirrored(data, answers),
        "problems": problems or Problems(),
        "application": application,
        "deferrable": [k for k in item["form"]["attachments"] if k["deferrable"]],
    }
    return await page(
        request,
        "apply_form.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here=f"/catalog/items/{item['id']}/apply",
    )


async def apply_form(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    data = await _apply_data(request, _item_id(request))
    enterprises = _verified(data)
    first = str(enterprises[0]["id"]) if enterprises else ""
    # The directory links here naming the provider chosen; only one of the item's counts.
    wanted = request.query_params.get("provider", "")
    served = {p["id"] for p in data["serviceItem"].get("providers") or []}
    answers = Answers(
        enterprise_id=first,
        key=str(uuid.uuid4()),
        provider_id=wanted if wanted in served else "",
    )
    return await _form_page(request, data, answers)


async def _upload(
    request: Request, item: dict[str, Any], form: FormData, answers: Answers, problems: Problems
) -> None:
    """Uploads each chosen material; its file id replaces the kept one, or its problem is kept."""
    for kind in item["form"]["attachments"]:
        chosen = form.get(f"{FILE_PREFIX}-{kind['kind']}")
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            continue
        variables = {"file": chosen, "serviceItemId": item["id"], "kind": kind["kind"]}
        payload = (await run(request, "upload_attachment", variables)).data["uploadFile"]
        if payload["userErrors"]:
            messages = [e["message"] for e in payload["userErrors"]]
            problems.files.setdefault(kind["kind"], []).extend(messages)
            continue
        entry = answers.files.setdefault(kind["kind"], {})
        entry.update(id=str(payload["file"]["id"]), name=payload["file"]["name"])


async def _check(
    request: Request, item: dict[str, Any], answers: Answers, problems: Problems
) -> dict[str, Any]:
    """Runs `checkApplication`, adding what it finds to `problems`; returns its payload."""
    input = answers.input(item)
    payload = (await run(request, "check_application", {"input": input})).data["checkApplication"]
    for found in (payload["userErrors"], payload["problems"]):
        for problem in found:
            problems.add(list(problem.get("field") or []), problem["message"], input["attachments"])
    return dict(payload)


async def apply(request: Request) -> Response:
    """The form posted: uploads, then a draft saved, or the answers checked and shown to check."""
    if not signed_in(request):
        return login_redirect(request)
    data = await _apply_data(request, _item_id(request))
    item = data["serviceItem"]
    problems = Problems()
    async with request.form() as form:
        answers = _answers(data, form)
        action = text(form, "step")
        await _upload(request, item, form, answers, problems)
    if action == "change":
        return await _form_page(request, data, answers)
    if action == "draft":
        return await _save_draft(request, data, answers, problems)
    payload = await _check(request, item, answers, problems)
    if problems or not payload["passed"]:
        return await _form_page(request, data, answers, problems, status_code=422)
    values = {"item": item, "answers": answers, "owed": payload["owed"], "data": data}
    values["enterprise"] = next(
        (e for e in _verified(data) if str(e["id"]) == answers.enterprise_id), None
    )
    return await page(
        request,
        "apply_check.html",
        values,
        viewer=data["me"],
        here=f"/catalog/items/{item['id']}/apply",
    )


async def _save_draft(
    request: Request, data: dict[str, Any], answers: Answers, problems: Problems
) -> Response:
    item = data["serviceItem"]
    input = answers.input(item)
    payload = (await run(request, "save_application_draft", {"input": input})).data[
        "saveApplicationDraft"
    ]
    for error in payload["userErrors"]:
        problems.add(list(error.get("field") or []), error["message"], input["attachments"])
    if problems:
        return await _form_page(request, data, answers, problems, status_code=422)
    number = payload["application"]["number"]
    return redirect(
        request,
        f"/applications/{number}/edit",
        flash=N_("The draft was saved. You can come back to it from My applications."),
    )


async def submit(request: Request) -> Response:
    """The checked answers submitted once (the idempotency key makes a repeat return the first)."""
    if not signed_in(request):
        return login_redirect(request)
    data = await _apply_data(request, _item_id(request))
    item = data["serviceItem"]
    form = await request.form()
    answers = _answers(data, form)
    input = answers.input(item, with_key=True)
    payload = (await run(request, "submit_application", {"input": input})).data["submitApplication"]
    if payload["userErrors"]:
        problems = place(payload["userErrors"], input["attachments"])
        return await _form_page(request, data, answers, problems, status_code=422)
    app = payload["application"]
    if app["auditResult"] and not app["auditResult"]["passed"]:
        return redirect(
            request,
            f"/applications/{app['number']}/edit",
            flash=N_("The check found problems. Correct the marked fields and submit again."),
        )
    return redirect(request, f"/applications/{app['number']}/submitted")


async def check_field(request: Request) -> Response:
    """The problems of one field as the applicant leaves it (the whole form without htmx)."""
    if not signed_in(request):
        return login_redirect(request)
    data = await _apply_data(request, _item_id(request))
    item = data["serviceItem"]
    problems = Problems()
    form = await request.form()
    answers = _answers(data, form)
    await _check(request, item, answers, problems)
    if not _htmx(request):
        return await _form_page(request, data, answers, problems)
    key = text(form, "field")
    messages = problems.fields.get(key, [])
    return await page(request, "_apply_problems.html", {"messages": messages})


# -- my applications ------------------------------------------------------------------------


def _status_filter(value: str | None) -> str | None:
    return value if value in enum_values("ApplicationStatus") else None


async def my_applications(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    status = _status_filter(request.query_params.get("status"))
    after = request.query_params.get("after") or None
    variables = {
        "first": LIST_SIZE, "after": after, "status": status,
        "countLimit": count_limit(request),
    }  # fmt: skip
    data = (await run(request, "my_applications", variables)).data
    values = {
        "connection": data["applications"],
        "status": status,
        "statuses": enum_values("ApplicationStatus"),
        "after": after,
    }
    return await page(request, "my_applications.html", values, viewer=data["me"])


async def _application(request: Request) -> dict[str, Any]:
    number = request.path_params["number"]
    data = (await run(request, "application_page", {"number": number})).data
    if data["applicationByNumber"] is None:
        raise HTTPException(404)
    return data


def latest_problems(app: dict[str, Any]) -> Problems:
    """What the applicant must fix: the audit's problems and the last return's reasons."""
    problems = Problems()
    if not app["viewerCan"]["edit"]:
        return problems
    audit = app["auditResult"]
    kinds = [{"kind": a["kind"]} for a in app["attachments"]]
    if audit and not audit["passed"]:
        for p in audit["problems"]:
            problems.add(list(p["field"]), p["message"], kinds)
    returns = [r for r in app["reviews"] if r["decision"] == "RETURN"]
    if returns:
        for p in returns[-1]["problems"]:
            problems.add(list(p["field"]), p["message"], kinds)
        if returns[-1]["comment"]:
            problems.other.append(returns[-1]["comment"])
    return problems


async def application_detail(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    return await application_page(request)


async def application_page(
    request: Request, status_code: int = 200, forms: dict[str, Any] | None = None
) -> Response:
    """The application's page; `forms` holds a refused attempt at one of its forms."""
    data = await _application(request)
    values = {
        **await _state(request, data["applicationByNumber"]),
        "forms": forms or {},
        "live": live_query(
            application=data["applicationByNumber"]["number"],
            seen=application_shown(data["applicationByNumber"]),
        ),
    }
    return await page(
        request, "my_application.html", values, viewer=data["me"], status_code=status_code
    )


async def _state(request: Request, app: dict[str, Any]) -> dict[str, Any]:
    return {
        "app": app,
        "item": app["serviceItem"],
        "problems": latest_problems(app),
        "withdrawable": app["viewerCan"]["withdraw"],
        "editable": app["viewerCan"]["edit"] and app["serviceItem"] is not None,
        "booking": await booking_for(request, application=app),
        "forms": {},
    }


def application_shown(app: dict[str, Any]) -> str:
    """What decides the application's facts and buttons, as its live stream compares it
    (`shown`): its status and version (its file links change with every render)."""
    return shown(app["status"], app["version"])


async def application_state(request: Request, number: str) -> dict[str, Any] | None:
    """The values of the application's facts and buttons (`_application_state.html`): what
    its page's live stream renders again when it changes; None when out of sight."""
    app = (await run(request, "application_page", {"number": number})).data["applicationByNumber"]
    return None if app is None else await _state(request, app)


async def submitted(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    data = await _application(request)
    app = data["applicationByNumber"]
    values = {"app": app, "item": app["serviceItem"]}
    return await page(request, "apply_done.html", values, viewer=data["me"])


async def edit(request: Request) -> Response:
    """A draft to continue, or a returned application to correct: the apply form, pre-filled."""
    if not signed_in(request):
        return login_redirect(request)
    data = await _application(request)
    app = data["applicationByNumber"]
    if not app["viewerCan"]["edit"] or app["serviceItem"] is None:
        return redirect(request, f"/applications/{app['number']}")
    form_data = {**data, "serviceItem": app["serviceItem"]}
    return await _form_page(
        request,
        form_data,
        answers_of(app),
        latest_problems(app),
        application=app,
    )


async def withdraw(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    data = await _application(request)
    app = data["applicationByNumber"]
    if request.method == "GET":
        if not app["viewerCan"]["withdraw"]:
            return redirect(request, f"/applications/{app['number']}")
        return await page(request, "my_application_withdraw.html", {"app": app}, viewer=data["me"])
    form = await request.form()
    input = {"applicationId": app["id"], "expectedVersion": as_int(text(form, "expectedVersion"))}
    payload = (await run(request, "withdraw_application", {"input": input})).data[
        "withdrawApplication"
    ]
    if payload["userErrors"]:
        values = {"app": app, "errors": [e["message"] for e in payload["userErrors"]]}
        return await page(
            request,
            "my_application_withdraw.html",
            values,
            viewer=data["me"],
            status_code=422,
            here=f"/applications/{app['number']}",
        )
    return redirect(
        request,
        f"/applications/{app['number']}",
        flash=N_("The application was withdrawn."),
    )


routes = [
    Route("/catalog/items/{id:str}/apply", apply_form, methods=["GET"]),
    Route("/catalog/items/{id:str}/apply", apply, methods=["POST"]),
    Route("/catalog/items/{id:str}/apply/check", check_field, methods=["POST"]),
    Route("/catalog/items/{id:str}/apply/submit", submit, methods=["POST"]),
    Route("/applications", my_applications, methods=["GET"]),
    Route("/applications/{number:str}", application_detail, methods=["GET"]),
    Route("/applications/{number:str}/submitted", submitted, methods=["GET"]),
    Route("/applications/{number:str}/edit", edit, methods=["GET"]),
    Route("/applications/{number:str}/withdraw", withdraw, methods=["GET", "POST"]),
]
