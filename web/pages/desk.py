"""The auditor's desk: the queue of applications under review, one application's review page
(approve, return with reasons per field, reject; supplement for the enterprise), and filing a
whole application for a walk-in enterprise.

The queue is a plain GET form; htmx sends the same request with `HX-Request` as filters change
and gets just the results back. Forms with files are multipart, with the CSRF token in the
action URL; the route uploads each chosen material through `uploadFile` first, then runs the
mutation with the file ids, so every problem is shown beside its field at once.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from graphql import GraphQLError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from backend.schema.relay import decode_id_of
from web.forms import record_values
from web.shell import (
    as_int,
    field_errors,
    only_for,
    page,
    redirect,
    run,
    text,
    translate,
)

PAGE_SIZE = 20
DECISIONS = ("APPROVE", "RETURN", "REJECT")
# Codes that mean someone else acted first: the page is shown again as it now stands.
RACED = ("STALE", "FORBIDDEN_TRANSITION")


async def _auditor_only(request: Request) -> Response | None:
    """The sign-in redirect for visitors, the 403 page for anyone `me.can` keeps off the desk."""
    return await only_for(request, "serviceDesk")


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def _is_id_of(value: str, type_name: str) -> bool:
    try:
        return bool(value) and decode_id_of(value, type_name) is not None
    except GraphQLError:
        return False


# The queue ---------------------------------------------------------------------------------


def _queue_filters(request: Request) -> tuple[dict[str, str], dict[str, Any]]:
    """The filter form as given, and as the queue operation's filter variables (the operation
    itself asks for applications under review)."""
    given = {name: request.query_params.get(name, "").strip() for name in ("q", "item")}
    wanted: dict[str, Any] = {}
    if given["q"]:
        wanted["search"] = given["q"]
    kind, _, value = given["item"].partition(":")
    if kind == "item" and _is_id_of(value, "ServiceItem"):
        wanted["serviceItemId"] = value
    elif kind == "category" and _is_id_of(value, "Category"):
        wanted["categoryId"] = value
    else:
        given["item"] = ""
    return given, wanted


def _row(node: dict[str, Any]) -> dict[str, Any]:
    revisions = [r["number"] for r in node["revisions"]]
    return {
        **node,
        "revision": max(revisions, default=0),
        "returnedBefore": any(r["decision"] == "RETURN" for r in node["reviews"]),
    }


def _categories(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of the filter form, grouped by category in the catalog's order."""
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        category = item["category"]
        groups.setdefault(category["id"], {**category, "items": []})["items"].append(item)
    return list(groups.values())


async def queue(request: Request) -> Response:
    if (refused := await _auditor_only(request)) is not None:
        return refused
    given, wanted = _queue_filters(request)
    full = not _htmx(request)
    after = request.query_params.get("after") or None
    variables = {**wanted, "first": PAGE_SIZE, "after": after, "full": full}
    data = (await run(request, "desk_queue", variables)).data
    connection = data["applications"]
    page_info = connection["pageInfo"]
    kept = {name: value for name, value in given.items() if value}
    values = {
        "filters": given,
        "applications": [_row(edge["node"]) for edge in connection["edges"]],
        "total": connection["totalCount"],
        "more": "/desk?" + urlencode({**kept, "after": page_info["endCursor"]})
        if page_info["hasNextPage"]
        else None,
        "first_page": "/desk" + ("?" + urlencode(kept) if kept else "") if after else None,
    }
    if not full:
        return await page(request, "_desk_results.html", values)
    items = [edge["node"] for edge in data["serviceItems"]["edges"]]
    values["categories"] = _categories(items)
    return await page(request, "desk_queue.html", values, viewer=data["me"])


# Reading the answers and materials of a form -----------------------------------------------


def _answer(field: dict[str, Any], form: FormData, name: str) -> Any:
    """One answer as the API takes it; None when left empty."""
    if field["type"] == "MULTIPLE_CHOICE":
        chosen = [v for v in form.getlist(name) if isinstance(v, str) and v]
        return chosen or None
    if field["type"] == "CHECKBOX":
        return True if form.get(name) else None
    # Numbers and amounts go as typed: the service reads them as it does on every path.
    return text(form, name) or None


def answers_of(definition: dict[str, Any], form: FormData, prefix: str) -> dict[str, Any]:
    """The answers given in the form (empty ones left out)."""
    found = {}
    for field in definition["fields"]:
        value = _answer(field, form, f"{prefix}-{field['key']}")
        if value is not None:
            found[field["key"]] = value
    return found


def shown_values(definition: dict[str, Any], form: FormData, prefix: str) -> dict[str, Any]:
    """What the reader entered, to show again after a problem."""
    values: dict[str, Any] = {}
    for field in definition["fields"]:
        name = f"{prefix}-{field['key']}"
        if field["type"] == "MULTIPLE_CHOICE":
            values[field["key"]] = [v for v in form.getlist(name) if isinstance(v, str)]
        elif field["type"] == "CHECKBOX":
            values[field["key"]] = bool(form.get(name))
        else:
            values[field["key"]] = text(form, name)
    return values


async def upload_materials(
    request: Request, definition: dict[str, Any], item_id: str, form: FormData, prefix: str
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The chosen materials uploaded: attachment inputs, and upload problems by kind."""
    attachments: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for kind in definition["attachments"]:
        name = f"{prefix}-file-{kind['kind']}"
        chosen = form.get(name)
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            continue
        variables = {"file": chosen, "serviceItemId": item_id, "attachmentKind": kind["kind"]}
        payload = (await run(request, "upload_material", variables)).data["uploadFile"]
        if payload["userErrors"]:
            errors[kind["kind"]] = [e["message"] for e in payload["userErrors"]]
            continue
        attachment = {"kind": kind["kind"], "fileId": payload["file"]["id"]}
        expiry = text(form, f"{name}-expiry")
        if expiry:
            attachment["expiresOn"] = expiry
        attachments.append(attachment)
    return attachments, errors


def errors_at_fields(
    user_errors: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """userErrors by answer key or material kind (`["attachments", "0", ...]` at its kind), the
    enterprise's at `enterprise`, and the rest ("" : the form as a whole)."""
    found: dict[str, list[str]] = {}
    for error in user_errors:
        path = error.get("field") or []
        key = ""
        if len(path) >= 2 and path[0] == "formData":
            key = path[1]
        elif len(path) >= 2 and path[0] == "attachments":
            key = path[1]
            if key.isdigit() and int(key) < len(attachments):
                key = attachments[int(key)]["kind"]
        elif path and path[-1] == "enterpriseId":
            key = "enterprise"
        found.setdefault(key, []).append(error["message"])
    return found


def _optional(definition: dict[str, Any]) -> dict[str, Any]:
    """The form with nothing required: a supplement changes only what is filled in."""
    return {
        "fields": [{**f, "required": False} for f in definition["fields"]],
        "attachments": [{**k, "required": False} for k in definition["attachments"]],
    }


# One application ---------------------------------------------------------------------------


def labels_of(app: dict[str, Any]) -> dict[str, Any]:
    form = (app.get("serviceItem") or {}).get("form") or {"fields": [], "attachments": []}
    return {
        "fields": {f["key"]: f for f in form["fields"]},
        "kinds": {k["kind"]: k for k in form["attachments"]},
        # The audit names a material by its place in the submitted list.
        "kind_at": [a["kind"] for a in app["attachments"]],
        "form": form,
    }


def _files(app: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every file the application and its revisions name, by the number the changes use."""
    found: dict[int, dict[str, Any]] = {}
    for attachment in [
        *app["attachments"],
        *(a for r in app["revisions"] for a in r["attachments"]),
    ]:
        if attachment["file"]:
            pk = decode_id_of(attachment["file"]["id"], "File")
            if pk is not None:
                found[pk] = attachment["file"]
    return found


def answer_rows(app: dict[str, Any], labels: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers in the form's order, then any the form no longer names."""
    data = app["formData"] or {}
    rows = [
        {"key": key, "field": field, "value": data.get(key)}
        for key, field in labels["fields"].items()
    ]
    rows += [
        {"key": key, "field": None, "value": value}
        for key, value in data.items()
        if key not in labels["fields"]
    ]
    return rows


def material_rows(app: dict[str, Any], labels: dict[str, Any]) -> list[dict[str, Any]]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for attachment in app["attachments"]:
        by_kind.setdefault(attachment["kind"], []).append(attachment)
    owed = {o["kind"]: o for o in app["owedMaterials"]}
    kinds = list(labels["kinds"]) + [k for k in by_kind if k not in labels["kinds"]]
    return [
        {
            "kind": kind,
            "label": labels["kinds"].get(kind, {}).get("label", kind),
            "attachments": by_kind.get(kind, []),
            "owed": owed.get(kind),
        }
        for kind in kinds
    ]


async def _application_page(
    request: Request,
    number: str,
    status_code: int = 200,
    decision: dict[str, Any] | None = None,
    supplement: dict[str, Any] | None = None,
) -> Response:
    data = (await run(request, "desk_application", {"number": number})).data
    app = data["applicationByNumber"]
    if app is None:
        raise HTTPException(404)
    labels = labels_of(app)
    values = {
        "app": app,
        "labels": labels,
        "answers": answer_rows(app, labels),
        "materials": material_rows(app, labels),
        "files": _files(app),
        "revision": max((r["number"] for r in app["revisions"]), default=0),
        "supplement_form": _optional(labels["form"]),
        "decision": decision or {"errors": {}, "input": {}, "raced": False},
        "supplement": supplement or {"errors": {}, "answers": None},
    }
    return await page(
        request,
        "desk_application.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here=f"/desk/applications/{number}",
    )


async def application(request: Request) -> Response:
    return await _auditor_only(request) or await _application_page(
        request, request.path_params["number"]
    )


def _problems(form: FormData) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The reasons given per answer and per material, as review problems, and as entered."""
    problems: list[dict[str, Any]] = []
    entered: dict[str, str] = {}
    for name, value in form.multi_items():
        if not name.startswith("reason-") or not isinstance(value, str) or not value.strip():
            continue
        _, part, key = name.split("-", 2) if name.count("-") >= 2 else (name, "", "")
        if part not in ("formData", "attachments") or not key:
            continue
        problems.append({"field": [part, key], "message": value.strip()})
        entered[name] = value.strip()
    return problems, entered


async def decide(request: Request) -> Response:
    if (refused := await _auditor_only(request)) is not None:
        return refused
    number = request.path_params["number"]
    form = await request.form()
    given = text(form, "decision")
    decision = given if given in DECISIONS else "APPROVE"
    problems, reasons = _problems(form)
    entered = {"comment": text(form, "comment"), **reasons}
    fields = {
        "applicationId": text(form, "applicationId"),
        "expectedVersion": as_int(text(form, "expectedVersion")),
        "decision": decision,
        "comment": entered["comment"],
        "problems": problems if decision == "RETURN" else [],
    }
    result = await run(request, "audit_application", {"input": fields})
    payload = result.data["auditApplication"]
    if payload["userErrors"]:
        codes = {e["code"] for e in payload["userErrors"]}
        state = {
            "errors": field_errors(payload["userErrors"]),
            "input": entered,
            "raced": bool(codes & set(RACED)),
        }
        return await _application_page(request, number, 422, decision=state)
    done = {
        "APPROVE": N_("The application was approved and its order opened."),
        "RETURN": N_("The application was returned to the applicant with your reasons."),
        "REJECT": N_("The application was rejected; the applicant sees your comment."),
    }[decision]
    return redirect(request, f"/desk/applications/{number}", flash=done)


async def supplement(request: Request) -> Response:
    if (refused := await _auditor_only(request)) is not None:
        return refused
    number = request.path_params["number"]
    data = (await run(request, "desk_application", {"number": number})).data
    app = data["applicationByNumber"]
    if app is None or app["serviceItem"] is None:
        raise HTTPException(404)
    definition = app["serviceItem"]["form"]
    async with request.form() as form:
        given = answers_of(definition, form, "supplement")
        shown = shown_values(definition, form, "supplement")
        attachments, errors = await upload_materials(
            request, definition, app["serviceItem"]["id"], form, "supplement"
        )
        version = as_int(text(form, "expectedVersion"))
    current = app["formData"] or {}
    changed = {key: value for key, value in given.items() if current.get(key) != value}
    if not errors and not changed and not attachments:
        errors[""] = [translate(request, N_("Change an answer or choose a material to add."))]
    if not errors:
        fields: dict[str, Any] = {"applicationId": app["id"], "expectedVersion": version}
        if changed:
            fields["formData"] = changed
        if attachments:
            fields["attachments"] = attachments
        result = await run(request, "supplement_application", {"input": fields})
        payload = result.data["supplementApplication"]
        errors = errors_at_fields(payload["userErrors"], attachments)
        if not errors:
            return redirect(
                request,
                f"/desk/applications/{number}#supplement",
                flash=N_("Added for the enterprise; its members were told."),
            )
    state = {"errors": errors, "answers": shown}
    return await _application_page(request, number, 422, supplement=state)


# Filing for a walk-in enterprise -----------------------------------------------------------


async def _file_page(
    request: Request,
    chosen: dict[str, str],
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    with_item = _is_id_of(chosen["item"], "ServiceItem")
    variables = {
        "search": chosen.get("q") or None,
        "itemId": chosen["item"] if with_item else "",
        "withItem": with_item,
    }
    data = (await run(request, "desk_file", variables)).data
    enterprises = data["enterprisesToFileFor"]
    items = [edge["node"] for edge in data["serviceItems"]["edges"]]
    item = data.get("serviceItem") if with_item else None
    enterprise = next((e for e in enterprises if e["id"] == chosen["enterprise"]), None)
    if item is not None:
        # What the park holds for the chosen enterprise is shown, not asked.
        values = {**(values or {}), **record_values(item["form"]["fields"], enterprise)}
    context = {
        "enterprises": enterprises,
        "categories": _categories(items),
        "chosen": chosen,
        "enterprise": enterprise,
        "item": item if item and item["viewerCan"]["apply"] else None,
        "values": values or {},
        "errors": errors or {},
        "idempotency_key": chosen.get("key") or uuid.uuid4().hex,
    }
    query = urlencode({k: v for k, v in chosen.items() if k in ("q", "enterprise", "item") and v})
    return await page(
        request,
        "desk_file.html",
        context,
        viewer=data["me"],
        status_code=status_code,
        here="/desk/file" + (f"?{query}" if query else ""),
    )


async def file_for(request: Request) -> Response:
    if (refused := await _auditor_only(request)) is not None:
        return refused
    if request.method == "GET":
        names = ("q", "enterprise", "item")
        chosen = {name: request.query_params.get(name, "").strip() for name in names}
        return await _file_page(request, chosen)
    async with request.form() as form:
        chosen = {
            "q": text(form, "q"),
            "enterprise": text(form, "enterpriseId"),
            "item": text(form, "serviceItemId"),
            "key": text(form, "idempotencyKey"),
        }
        if not _is_id_of(chosen["item"], "ServiceItem"):
            return await _file_page(request, chosen, 422)
        variables = {"search": None, "itemId": chosen["item"], "withItem": True}
        data = (await run(request, "desk_file", variables)).data
        item = data["serviceItem"]
        if item is None:
            return await _file_page(request, chosen, 422)
        definition = item["form"]
        given = answers_of(definition, form, "answer")
        shown = shown_values(definition, form, "answer")
        attachments, errors = await upload_materials(
            request, definition, item["id"], form, "answer"
        )
    if errors:
        return await _file_page(request, chosen, 422, shown, errors)
    fields = {
        "serviceItemId": item["id"],
        "enterpriseId": chosen["enterprise"] or None,
        "formData": given,
        "attachments": attachments,
        "idempotencyKey": chosen["key"] or None,
    }
    payload = (await run(request, "file_application", {"input": fields})).data["submitApplication"]
    if payload["userErrors"]:
        errors = errors_at_fields(payload["userErrors"], attachments)
        return await _file_page(request, chosen, 422, shown, errors)
    filed = payload["application"]
    done = (
        N_("The application was filed for the enterprise; its members were told.")
        if not filed["auditResult"] or filed["auditResult"]["passed"]
        else N_("The application was filed, but the audit returned it: see the problems below.")
    )
    return redirect(request, f"/desk/applications/{filed['number']}", flash=done)


routes = [
    Route("/desk", queue, methods=["GET"]),
    Route("/desk/file", file_for, methods=["GET", "POST"]),
    Route("/desk/applications/{number:str}", application, methods=["GET"]),
    Route("/desk/applications/{number:str}/decide", decide, methods=["POST"]),
    Route("/desk/applications/{number:str}/supplement", supplement, methods=["POST"]),
]
