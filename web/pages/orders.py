"""Orders: the handler's queue (everyone's for supervisors), the applicant's list, one order's
page (the same address for the handler, the applicant and the park's staff), and the
supervisor's list of orders waiting for a handler, with the reassignment form.

Every action on an order is a plain POST form that comes back to the order's page (PRG), or,
when the API names a problem, renders the page again with the problem next to the field and
what was typed kept. With htmx the same POST is answered with the page at once (no redirect),
and the page's <main> replaces the one shown. Which forms show is the order's `viewerCan` (an
owed material's own `viewerCan`); the page decides nothing.

The queue is a plain GET form; htmx sends the same request with `HX-Request` as filters change,
and gets just the results back. Reassignment is a plain POST form that comes back to the page
it was posted from, with the problem next to the field.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from graphql import GraphQLError
from starlette.datastructures import FormData, QueryParams, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from backend.schema.nodes import global_id
from backend.schema.relay import decode_id_of
from web.pages.appointment_parts import booking_for
from web.pages.desk import answer_rows, labels_of, material_rows
from web.shell import (
    as_int,
    count_limit,
    enum_values,
    field_errors,
    live_query,
    login_redirect,
    may_open,
    only_for,
    page,
    redirect,
    run,
    safe_next,
    shown,
    signed_in,
    text,
    translate,
)

PAGE_SIZE = 20
SORTS = ("CREATED_AT_DESC", "CREATED_AT_ASC", "DUE_AT_ASC")
FILTER_NAMES = (
    "q", "status", "category", "from", "to", "sort", "due",
    # What the cockpit's charts link to (web/pages/dashboard.py): a team's, a provider's, a
    # handler's, completed in a range of park days, open, waiting for a handler, owed
    # materials past due, a bad review being put right.
    "team", "provider", "handler", "done_from", "done_to", "owed_past_due", "rectification",
    "open", "waiting",
)  # fmt: skip
# `status` may be given more than once (a chart's "open orders"): any of them.
DATE_FILTERS = (
    ("from", "createdAfter", 0),
    ("to", "createdBefore", 1),
    ("done_from", "completedAfter", 0),
    ("done_to", "completedBefore", 1),
)
ID_FILTERS = (
    ("category", "categoryId", "Category"),
    ("team", "teamId", "Team"),
    ("provider", "providerId", "Provider"),
    ("handler", "assigneeId", "User"),
)
# The time-limit filter's choices, as the API's filter fields.
DUE_FILTERS = {"overdue": "overdue", "soon": "dueSoon"}


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def _park_midnight(request: Request, day: date) -> str:
    zone = ZoneInfo(request.app.state.settings.timezone)
    return datetime.combine(day, time(), tzinfo=zone).isoformat()


def _filters(
    request: Request, everyone: bool, params: QueryParams | None = None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """The filter form as given (the address's, or `params`), as an `OrderFilter`, and what
    is wrong with the dates.

    `everyone`: the viewer's queue shows every order it may see (`me.can.allOrders`, or a
    provider's `providerOrders`), not only those assigned to it."""
    asked = request.query_params if params is None else params
    given: dict[str, Any] = {name: asked.get(name, "").strip() for name in FILTER_NAMES}
    wanted: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if given["q"]:
        wanted["search"] = given["q"]
    statuses = [s for s in asked.getlist("status") if s in enum_values("OrderStatus")]
    if statuses:
        wanted["status"] = statuses
    # One status shows in the select; several (a chart's "open orders") as ticked boxes.
    given["status"] = statuses[0] if len(statuses) == 1 else ""
    given["statuses"] = statuses
    for name, key, type_name in ID_FILTERS:
        if _is_id_of(given[name], type_name):
            wanted[key] = given[name]
        else:
            given[name] = ""
    flags = (("owed_past_due", "owedPastDue"), ("rectification", "openRectification"),
             ("open", "open"), ("waiting", "unassigned"))  # fmt: skip
    for name, key in flags:
        if given[name] == "1":
            wanted[key] = True
        else:
            given[name] = ""
    for name, key, days in DATE_FILTERS:
        if not given[name]:
            continue
        try:
            day = date.fromisoformat(given[name])
        except ValueError:
            errors[name] = [translate(request, N_("Enter a date like 2026-11-25."))]
            continue
        wanted[key] = _park_midnight(request, day + timedelta(days=days))
    if given["due"] in DUE_FILTERS:
        wanted[DUE_FILTERS[given["due"]]] = True
    else:
        given["due"] = ""
    if given["sort"] not in SORTS:
        given["sort"] = SORTS[0]
    if not everyone:
        wanted["assigneeId"] = global_id("User", int(request.state.actor.user_id))
    return given, wanted, errors


def _is_id_of(value: str, type_name: str) -> bool:
    try:
        return bool(value) and decode_id_of(value, type_name) is not None
    except GraphQLError:
        return False


async def queue(request: Request) -> Response:
    if (refused := await only_for(request, "orderQueue")) is not None:
        return refused
    full = not _htmx(request)
    values, data = await _queue(request, request.query_params, full=full)
    if not full:
        return await page(request, "_orders_results.html", {**values, "live_oob": True})
    values["categories"] = [edge["node"] for edge in data["categories"]["edges"]]
    values["teams"] = [edge["node"] for edge in data["teams"]["edges"]]
    values["providers"] = [edge["node"] for edge in data["providers"]["edges"]]
    return await page(request, "orders_queue.html", values, viewer=data["me"])


async def queue_results(request: Request, params: QueryParams) -> dict[str, Any]:
    """The values of the queue's results (`_orders_results.html`) for the filters `params`:
    what the page's live stream renders again when its orders change."""
    values, _ = await _queue(request, params, full=False)
    return values


async def _queue(
    request: Request, params: QueryParams, *, full: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    everyone = await may_open(request, "allOrders")
    # A provider's account reads the orders forwarded to its provider (the API scopes them),
    # not assignments of its own.
    unfiltered = everyone or await may_open(request, "providerOrders")
    given, wanted, errors = _filters(request, unfiltered, params)
    variables = {
        "filter": wanted,
        "orderBy": given["sort"],
        "first": PAGE_SIZE,
        "after": params.get("after") or None,
        "full": full,
        "countLimit": count_limit(request),
    }
    data = (await run(request, "orders_queue", variables)).data
    connection = data["orders"]
    values = {
        "filters": given,
        "errors": errors,
        "orders": [edge["node"] for edge in connection["edges"]],
        "count": connection["boundedCount"],
        "more": _more_link(given, connection["pageInfo"]),
        "everyone": everyone,
        "statuses": enum_values("OrderStatus"),
        # The live stream follows the queue as filtered (and paged) here.
    }
    values["live"] = live_query(
        queue=urlencode(_query(given, params.get("after"))), seen=queue_shown(values)
    )
    return values, data


def queue_shown(values: dict[str, Any]) -> str:
    """What the queue's results show, as its live stream compares it (`shown`)."""
    return shown(values["orders"], values["count"])


def unassigned_shown(values: dict[str, Any]) -> str:
    return shown(values["orders"], values["count"])


def _query(given: dict[str, Any], after: str | None) -> list[tuple[str, str]]:
    """The filters as an address's query (several statuses as several `status`), and `after`."""
    kept = [(name, value) for name, value in given.items() if value and name != "statuses"]
    if len(given["statuses"]) > 1:
        kept += [("status", s) for s in given["statuses"]]
    return [*kept, ("after", after)] if after else kept


def _more_link(given: dict[str, Any], page_info: dict[str, Any]) -> str | None:
    if not page_info["hasNextPage"]:
        return None
    return "/orders?" + urlencode(_query(given, page_info["endCursor"]))


def _handlers_by_team(teams: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Each team's handlers (name order), marked when on leave."""
    found: dict[str, list[dict[str, Any]]] = {}
    for edge in (teams or {}).get("edges", []):
        team = edge["node"]
        members = [m for m in team["members"] if m["handlesOrders"]]
        found[team["id"]] = sorted(
            ({**m["user"], "onLeave": m["onLeave"]} for m in members), key=lambda u: u["name"]
        )
    return found


async def _order_data(request: Request, number: str, *, whole: bool = True) -> dict[str, Any]:
    # The teams are loaded only for people who may reassign orders at all (the reassign form
    # is part of the state the live stream renders again, `whole` or not).
    may_assign = await may_open(request, "unassignedOrders")
    variables = {"number": number, "canAssign": may_assign, "whole": whole}
    return (await run(request, "order_page", variables)).data


async def order_state(request: Request, number: str) -> dict[str, Any] | None:
    """The values of the part of the order's page its status decides (`_order_state.html`,
    the viewer's own `viewerCan`): what the page's live stream renders again when the order
    changes. None when the order is out of the viewer's sight."""
    data = await _order_data(request, number, whole=False)
    order = data["order"]
    if order is None:
        return None
    return {
        "order": order,
        "forms": {},
        "form": {"errors": {}, "input": {}},
        "handlers": _handlers_by_team(data.get("teams")),
        "file_types": FILE_TYPES,
        "booking": await booking_for(request, order=order),
    }


async def _order_page(
    request: Request,
    number: str,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
    forms: dict[str, Any] | None = None,
    flash: str | None = None,
) -> Response:
    data = await _order_data(request, number)
    order = data["order"]
    if order is None:
        raise HTTPException(404)
    app_data = (
        await run(request, "order_application", {"number": order["application"]["number"]})
    ).data
    app = app_data["applicationByNumber"]
    labels = labels_of(app) if app else None
    events = [edge["node"] for edge in order["timeline"]["edges"]]
    values = {
        "order": order,
        "events": events,
        # The live stream goes on from the last event shown (web/live.py).
        "live": live_query(order=number, after=max((e["sequence"] for e in events), default=0)),
        "updates": [edge["node"] for edge in order["updates"]["edges"]],
        "messages": [edge["node"] for edge in (order["messages"] or {}).get("edges", [])],
        "app": app,
        "answers": answer_rows(app, labels) if app and labels else [],
        "materials": material_rows(app, labels) if app and labels else [],
        "file_types": FILE_TYPES,
        "handlers": _handlers_by_team(data.get("teams")),
        "form": form or {"errors": {}, "input": {}},
        "forms": forms or {},
        "idempotency_key": uuid.uuid4().hex,
        "booking": await booking_for(request, order=order),
    }
    if flash:
        values["flash"] = flash
    return await page(
        request,
        "order_page.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here=f"/orders/{number}",
    )


async def order(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    return await _order_page(request, request.path_params["number"])


# The kinds of file a handler may ask for, as the API names them (RequestOrderInformationInput).
FILE_TYPES = ("application/pdf", "image/jpeg", "image/png", "application/zip")
MAX_FILES = 10


async def _uploads(request: Request, form: FormData, name: str) -> tuple[list[str], list[str]]:
    """The files chosen in `name` uploaded for the order: their ids, and the upload problems."""
    ids: list[str] = []
    problems: list[str] = []
    for chosen in form.getlist(name):
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            continue
        variables = {"file": chosen, "purpose": "ORDER_ATTACHMENT"}
        payload = (await run(request, "upload_file", variables)).data["uploadFile"]
        if payload["userErrors"]:
            problems += [f"{chosen.filename}: {e['message']}" for e in payload["userErrors"]]
        else:
            ids.append(str(payload["file"]["id"]))
    return ids, problems


def _version(form: FormData) -> int:
    version = text(form, "expectedVersion")
    return int(version) if version.isdigit() else -1


# Each action: the operation, its payload's field, the fields typed into the form (kept when
# the page comes back with a problem), where its file input's problems show, the flash, and
# the place on the page to come back to.
ACTIONS: dict[str, tuple[str, str, tuple[str, ...], str, str, str]] = {
    "accept": ("accept_order", "acceptOrder", (), "", N_("You accepted the order."), "actions"),
    "decline": (
        "decline_order",
        "declineOrder",
        ("reason",),
        "",
        N_("You handed the order back."),
        "actions",
    ),
    "ask": (
        "request_order_information",
        "requestOrderInformation",
        ("question",),
        "",
        N_("Your question was sent to the applicant; the time limit is paused."),
        "asked",
    ),
    "answer": (
        "answer_order_information",
        "answerOrderInformation",
        ("answer",),
        "files",
        N_("Your answer was sent; the handler goes on with the order."),
        "asked",
    ),
    "complete": (
        "complete_order",
        "completeOrder",
        ("result",),
        "files",
        N_("The order is completed."),
        "result",
    ),
    "cancel": (
        "cancel_order",
        "cancelOrder",
        ("reason",),
        "",
        N_("The order is cancelled."),
        "actions",
    ),
    "note": (
        "post_order_update",
        "postOrderUpdate",
        ("body", "kind"),
        "files",
        N_("Your note was added."),
        "updates",
    ),
    "message": (
        "send_order_message",
        "sendOrderMessage",
        ("body",),
        "files",
        N_("Your message was sent."),
        "conversation",
    ),
    "read": ("mark_order_messages_read", "markOrderMessagesRead", (), "", "", "conversation"),
    "supply": (
        "supply_owed_material",
        "supplyOwedMaterial",
        ("expiresOn",),
        "file",
        N_("The material was handed in; the handler reviews it."),
        "owed",
    ),
    "review": (
        "review_owed_material",
        "reviewOwedMaterial",
        ("reason", "decision"),
        "",
        N_("Your review of the material was saved."),
        "owed",
    ),
}

# The API's names for the file inputs, shown at the form's file input.
FILE_FIELDS = {"attachmentIds": "files", "fileId": "file"}


def _input_for(
    action: str, order: dict[str, Any], form: FormData, entered: dict[str, str], files: list[str]
) -> dict[str, Any]:
    """The mutation's input from the form; the API checks every value."""
    target = {"orderId": order["id"]}
    if action == "accept":
        return {**target, "expectedVersion": _version(form)}
    if action in ("decline", "cancel"):
        return {**target, "reason": entered["reason"], "expectedVersion": _version(form)}
    if action == "ask":
        wanted = [t for t in form.getlist("fileTypes") if isinstance(t, str)]
        return {
            **target,
            "question": entered["question"],
            "fileTypes": wanted,
            "expectedVersion": _version(form),
        }
    if action == "answer":
        return {
            **target,
            "answer": entered["answer"],
            "attachmentIds": files,
            "expectedVersion": _version(form),
        }
    if action == "complete":
        return {
            **target,
            "result": entered["result"],
            "attachmentIds": files,
            "expectedVersion": _version(form),
        }
    if action == "note":
        kind = "INTERNAL" if entered["kind"] == "INTERNAL" else "PROGRESS"
        return {**target, "kind": kind, "body": entered["body"], "attachmentIds": files}
    if action == "message":
        key = text(form, "idempotencyKey") or None
        return {**target, "body": entered["body"], "attachmentIds": files, "idempotencyKey": key}
    if action == "read":
        upto = as_int(text(form, "upToSequence"))
        return {**target, "upToSequence": upto or None}
    owed = text(form, "owedMaterialId")
    if action == "supply":
        return {
            "owedMaterialId": owed,
            "fileId": files[0] if files else "",
            "expiresOn": entered["expiresOn"] or None,
        }
    decision = "RETURN" if entered["decision"] == "RETURN" else "ACCEPT"
    return {"owedMaterialId": owed, "decision": decision, "reason": entered["reason"]}


async def act(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    number = request.path_params["number"]
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404)
    # Someone else's order is the 404 page, as its address would be.
    found = (await run(request, "order_ref", {"number": number})).data["orderByNumber"]
    if found is None:
        raise HTTPException(404)
    async with request.form() as form:
        return await _act(request, number, action, found, form)


async def _act(
    request: Request, number: str, action: str, found: dict[str, Any], form: FormData
) -> Response:
    operation_name, field, typed, file_field, done, anchor = ACTIONS[action]
    entered = {name: text(form, name) for name in typed}
    files: list[str] = []
    upload_problems: list[str] = []
    if file_field:
        files, upload_problems = await _uploads(request, form, file_field)
        if file_field == "file" and not files and not upload_problems:
            upload_problems = [translate(request, N_("Choose the file to hand in."))]
    errors: dict[str, list[str]] = {}
    if upload_problems:
        errors[file_field] = upload_problems
    elif len(files) > MAX_FILES:
        errors[file_field] = [translate(request, N_("Attach at most 10 files."))]
    else:
        variables = {"input": _input_for(action, found, form, entered, files)}
        payload = (await run(request, operation_name, variables)).data[field]
        for name, messages in field_errors(payload["userErrors"]).items():
            shown = FILE_FIELDS.get(name, name)
            errors.setdefault(shown if shown in (*typed, file_field) else "", []).extend(messages)
        if not errors:
            if _htmx(request):
                # htmx swaps the page's <main> in place: the page itself, with the flash.
                return await _order_page(
                    request, number, flash=translate(request, done) if done else None
                )
            return redirect(request, f"/orders/{number}#{anchor}", flash=done or None)
    key = action
    if action in ("supply", "review"):
        key = f"{action}-{text(form, 'owedMaterialId')}"
    return await _order_page(
        request, number, 422, forms={key: {"errors": errors, "input": entered}}
    )


async def my_orders(request: Request) -> Response:
    """The orders of the viewer's enterprises (and any other the API shows them), newest first."""
    if not signed_in(request):
        return login_redirect(request)
    after = request.query_params.get("after") or None
    data = (await run(request, "my_orders", {"first": PAGE_SIZE, "after": after})).data
    connection = data["orders"]
    page_info = connection["pageInfo"]
    values = {
        "orders": [edge["node"] for edge in connection["edges"]],
        "total": connection["totalCount"],
        "more": (
            "/my/orders?" + urlencode({"after": page_info["endCursor"]})
            if page_info["hasNextPage"]
            else None
        ),
    }
    return await page(request, "my_orders.html", values, viewer=data["me"])


async def _unassigned_page(
    request: Request, status_code: int = 200, forms: dict[str, Any] | None = None
) -> Response:
    values, data = await _unassigned(request, request.query_params.get("after") or None)
    values["forms"] = forms or {}
    return await page(
        request,
        "supervision_unassigned.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here="/supervision/unassigned",
    )


async def unassigned_results(request: Request, after: str | None) -> dict[str, Any]:
    """The values of the list of orders waiting for a handler (`_unassigned_results.html`):
    what the supervisor's live stream renders again when orders change."""
    values, _ = await _unassigned(request, after)
    return {**values, "forms": {}}


async def _unassigned(request: Request, after: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    variables = {"first": PAGE_SIZE, "after": after, "countLimit": count_limit(request)}
    data = (await run(request, "supervision_unassigned", variables)).data
    connection = data["orders"]
    page_info = connection["pageInfo"]
    values = {
        "orders": [edge["node"] for edge in connection["edges"]],
        "count": connection["boundedCount"],
        "more": (
            "/supervision/unassigned?" + urlencode({"after": page_info["endCursor"]})
            if page_info["hasNextPage"]
            else None
        ),
        "handlers": _handlers_by_team(data["teams"]),
    }
    values["live"] = live_query(unassigned=after or "", seen=unassigned_shown(values))
    return values, data


async def unassigned(request: Request) -> Response:
    return await only_for(request, "unassignedOrders") or await _unassigned_page(request)


async def assign(request: Request) -> Response:
    if (refused := await only_for(request, "unassignedOrders")) is not None:
        return refused
    number = request.path_params["number"]
    form = await request.form()
    back = safe_next(text(form, "next"), f"/orders/{number}")
    automatic = text(form, "action") == "auto"
    version = text(form, "expectedVersion")
    entered = {"handlerId": text(form, "handlerId"), "reason": text(form, "reason")}
    variables = {
        "orderId": text(form, "orderId"),
        "handlerId": None if automatic else (entered["handlerId"] or None),
        "reason": entered["reason"],
        "expectedVersion": int(version) if version.isdigit() else -1,
    }
    errors: dict[str, list[str]] = {}
    if not automatic and not entered["handlerId"]:
        errors["handlerId"] = [translate(request, N_("Choose a handler."))]
    else:
        payload = (await run(request, "assign_order", {"input": variables})).data["assignOrder"]
        errors = field_errors(payload["userErrors"])
        if not errors:
            assigned = payload["order"] and payload["order"]["assignee"]
            if not assigned:
                done = N_("No handler could be chosen: the order still waits for one.")
            elif automatic:
                done = N_("The order was assigned automatically.")
            else:
                done = N_("The order was reassigned.")
            return redirect(request, back, flash=done)
    state = {"errors": errors, "input": entered}
    if back.startswith("/supervision/unassigned"):
        return await _unassigned_page(request, 422, {number: state})
    return await _order_page(request, number, 422, state)


routes = [
    Route("/orders", queue, methods=["GET"]),
    Route("/orders/{number:str}", order, methods=["GET"]),
    Route("/orders/{number:str}/assign", assign, methods=["POST"]),
    Route("/orders/{number:str}/{action:str}", act, methods=["POST"]),
    Route("/my/orders", my_orders, methods=["GET"]),
    Route("/supervision/unassigned", unassigned, methods=["GET"]),
]
