"""Orders: the handler's queue (everyone's for supervisors), one order's page, and the
supervisor's list of orders waiting for a handler, with the reassignment form.

The queue is a plain GET form; htmx sends the same request with `HX-Request` as filters change,
and gets just the results back. Reassignment is a plain POST form that comes back to the page
it was posted from, with the problem next to the field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from graphql import GraphQLError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from backend.schema.nodes import global_id
from backend.schema.relay import decode_id_of
from web.shell import (
    count_limit,
    enum_values,
    field_errors,
    login_redirect,
    may_open,
    only_for,
    page,
    redirect,
    run,
    safe_next,
    signed_in,
    text,
    translate,
)

PAGE_SIZE = 20
SORTS = ("CREATED_AT_DESC", "CREATED_AT_ASC", "DUE_AT_ASC")
FILTER_NAMES = ("q", "status", "category", "from", "to", "sort")


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def _park_midnight(request: Request, day: date) -> str:
    zone = ZoneInfo(request.app.state.settings.timezone)
    return datetime.combine(day, time(), tzinfo=zone).isoformat()


def _filters(
    request: Request, everyone: bool
) -> tuple[dict[str, str], dict[str, Any], dict[str, list[str]]]:
    """The filter form as given, as an `OrderFilter`, and what is wrong with the dates.

    `everyone`: the viewer's queue shows every order (`me.can.allOrders`), not only theirs."""
    given = {name: request.query_params.get(name, "").strip() for name in FILTER_NAMES}
    wanted: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if given["q"]:
        wanted["search"] = given["q"]
    if given["status"] in enum_values("OrderStatus"):
        wanted["status"] = [given["status"]]
    else:
        given["status"] = ""
    if _is_id_of(given["category"], "Category"):
        wanted["categoryId"] = given["category"]
    else:
        given["category"] = ""
    for name, key, days in (("from", "createdAfter", 0), ("to", "createdBefore", 1)):
        if not given[name]:
            continue
        try:
            day = date.fromisoformat(given[name])
        except ValueError:
            errors[name] = [translate(request, N_("Enter a date like 2026-11-25."))]
            continue
        wanted[key] = _park_midnight(request, day + timedelta(days=days))
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
    everyone = await may_open(request, "allOrders")
    given, wanted, errors = _filters(request, everyone)
    full = not _htmx(request)
    variables = {
        "filter": wanted,
        "orderBy": given["sort"],
        "first": PAGE_SIZE,
        "after": request.query_params.get("after") or None,
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
    }
    if not full:
        return await page(request, "_orders_results.html", values)
    values["categories"] = [edge["node"] for edge in data["categories"]["edges"]]
    return await page(request, "orders_queue.html", values, viewer=data["me"])


def _more_link(given: dict[str, str], page_info: dict[str, Any]) -> str | None:
    if not page_info["hasNextPage"]:
        return None
    kept = {name: value for name, value in given.items() if value}
    return "/orders?" + urlencode({**kept, "after": page_info["endCursor"]})


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


async def _order_page(
    request: Request, number: str, status_code: int = 200, form: dict[str, Any] | None = None
) -> Response:
    # The teams are loaded only for people who may reassign orders at all.
    may_assign = await may_open(request, "unassignedOrders")
    data = (await run(request, "order_page", {"number": number, "canAssign": may_assign})).data
    order = data["order"]
    if order is None:
        raise HTTPException(404)
    values = {
        "order": order,
        "events": [edge["node"] for edge in order["timeline"]["edges"]],
        "handlers": _handlers_by_team(data.get("teams")),
        "form": form or {"errors": {}, "input": {}},
    }
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


async def _unassigned_page(
    request: Request, status_code: int = 200, forms: dict[str, Any] | None = None
) -> Response:
    after = request.query_params.get("after") or None
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
        "forms": forms or {},
    }
    return await page(
        request,
        "supervision_unassigned.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here="/supervision/unassigned",
    )


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
    Route("/supervision/unassigned", unassigned, methods=["GET"]),
]
