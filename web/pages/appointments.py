"""Appointments on pages: booking and cancelling from an order's page, the handler's day list
with its check-in, and an item's plan and slots for admins.

Plain POST forms that come back with a 303 (PRG); a problem the API names is shown next to
the form on the page it came from, what was chosen kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.pages.applications import application_page
from web.pages.orders import _order_page
from web.shell import (
    as_int,
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

# Windows the plan form shows (the plan's own and empty rows to add more).
WINDOW_ROWS = 6


def _today(request: Request) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


@dataclass(frozen=True)
class Owner:
    """What a booking form belongs to: an order or an application, by its number."""

    key: str  # the input's field: orderId or applicationId
    id: str
    page_path: str
    show: Callable[..., Awaitable[Response]]  # its page again, with a refused form


async def _owner(request: Request) -> Owner:
    """The order (or application) the form was posted on; someone else's is the 404 page."""
    number = request.path_params["number"]
    if request.url.path.startswith("/orders/"):
        found = (await run(request, "order_ref", {"number": number})).data["orderByNumber"]
        if found is None:
            raise HTTPException(404)

        async def show_order(status_code: int, forms: dict[str, Any]) -> Response:
            return await _order_page(request, number, status_code, forms=forms)

        return Owner("orderId", found["id"], f"/orders/{number}", show_order)
    data = (await run(request, "application_page", {"number": number})).data
    application = data["applicationByNumber"]
    if application is None:
        raise HTTPException(404)

    async def show_application(status_code: int, forms: dict[str, Any]) -> Response:
        return await application_page(request, status_code, forms)

    return Owner("applicationId", application["id"], f"/applications/{number}", show_application)


async def book(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    owner = await _owner(request)
    form = await request.form()
    slot_id = text(form, "slotId")
    if not slot_id:
        errors = {"slotId": [translate(request, N_("Choose a time."))]}
        return await owner.show(422, {"appointment": {"errors": errors}})
    variables = {"input": {"slotId": slot_id, owner.key: owner.id}}
    payload = (await run(request, "book_appointment", variables)).data["bookAppointment"]
    if payload["userErrors"]:
        errors = field_errors(payload["userErrors"])
        return await owner.show(422, {"appointment": {"errors": errors, "slotId": slot_id}})
    return redirect(
        request, f"{owner.page_path}#appointment", flash=N_("The appointment is booked.")
    )


async def cancel(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    owner = await _owner(request)
    form = await request.form()
    variables = {"input": {"appointmentId": text(form, "appointmentId")}}
    payload = (await run(request, "cancel_appointment", variables)).data["cancelAppointment"]
    if payload["userErrors"]:
        errors = field_errors(payload["userErrors"])
        return await owner.show(422, {"appointment": {"errors": errors}})
    return redirect(
        request,
        f"{owner.page_path}#appointment",
        flash=N_("The appointment is cancelled. You may book another time."),
    )


def _day(request: Request, value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return _today(request)


async def _day_page(
    request: Request, day: date, status_code: int = 200, errors: dict[str, Any] | None = None
) -> Response:
    result = await run(request, "appointment_day", {"day": day.isoformat()})
    return await page(
        request,
        "appointment_day.html",
        {
            "entries": result.data["appointmentDay"],
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "row_errors": errors or {},
        },
        viewer=result.data["me"],
        status_code=status_code,
        here=f"/appointments?day={day.isoformat()}",
    )


async def day_list(request: Request) -> Response:
    if (refused := await only_for(request, "appointmentDay")) is not None:
        return refused
    return await _day_page(request, _day(request, request.query_params.get("day")))


async def check_in(request: Request) -> Response:
    if (refused := await only_for(request, "appointmentDay")) is not None:
        return refused
    form = await request.form()
    day = _day(request, text(form, "day"))
    appointment_id = request.path_params["id"]
    variables = {"input": {"appointmentId": appointment_id}}
    payload = (await run(request, "check_in_appointment", variables)).data["checkInAppointment"]
    if payload["userErrors"]:
        messages = [e["message"] for e in payload["userErrors"]]
        return await _day_page(request, day, 422, {appointment_id: messages})
    return redirect(
        request, f"/appointments?day={day.isoformat()}#a-{appointment_id}",
        flash=N_("Checked in."),
    )  # fmt: skip


# -- an item's plan and slots, for admins -------------------------------------------------------


async def _plan_page(
    request: Request,
    item_id: str,
    status_code: int = 200,
    entered: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    slot_errors: dict[str, list[str]] | None = None,
) -> Response:
    today = _today(request)
    variables = {
        "item": item_id,
        "from": today.isoformat(),
        "to": (today + timedelta(days=62)).isoformat(),
    }
    result = await run(request, "admin_appointments", variables)
    item = result.data["serviceItem"]
    if item is None:
        raise HTTPException(404)
    plan = result.data["appointmentPlan"]
    if entered is None:
        entered = _as_entered(plan)
    rows = list(entered["windows"]) + [{"start": "", "end": "", "quota": ""}] * WINDOW_ROWS
    return await page(
        request,
        "admin_appointments.html",
        {
            "item": item,
            "plan": plan,
            "entered": entered,
            "window_rows": rows[: max(WINDOW_ROWS, len(entered["windows"]) + 2)],
            "errors": errors or {},
            "slot_errors": slot_errors or {},
            "slots": result.data["appointmentSlots"],
        },
        viewer=result.data["me"],
        status_code=status_code,
        here=f"/admin/catalog/items/{item_id}/appointments",
    )


def _by_path(user_errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """userErrors by their whole field path (`windows.2.start`): a window's row shows its own."""
    found: dict[str, list[str]] = {}
    for error in user_errors:
        found.setdefault(".".join(error.get("field") or []), []).append(error["message"])
    return found


def _as_entered(plan: dict[str, Any] | None) -> dict[str, Any]:
    if plan is None:
        return {
            "weekdays": [], "windows": [], "daysAhead": "14", "locationZh": "",
            "locationEn": "", "beforeReview": False, "expectedVersion": "",
        }  # fmt: skip
    return {
        "weekdays": plan["weekdays"],
        "windows": plan["windows"],
        "daysAhead": str(plan["daysAhead"]),
        "locationZh": plan["locationZh"],
        "locationEn": plan["locationEn"],
        "beforeReview": plan["beforeReview"],
        "expectedVersion": str(plan["version"]),
    }


async def plan_page(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    return await _plan_page(request, request.path_params["id"])


async def save_plan(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    item_id = request.path_params["id"]
    form = await request.form()
    windows = []
    rows = min(as_int(text(form, "rows")), 48)
    for i in range(rows):
        start, end, quota = (text(form, f"windows.{i}.{k}") for k in ("start", "end", "quota"))
        if start or end or quota:
            windows.append({"start": start, "end": end, "quota": as_int(quota)})
    days_ahead, expected = text(form, "daysAhead"), text(form, "expectedVersion")
    entered: dict[str, Any] = {
        "weekdays": [int(str(d)) for d in form.getlist("weekdays") if str(d).isdigit()],
        "windows": windows,
        "daysAhead": days_ahead,
        "locationZh": text(form, "locationZh"),
        "locationEn": text(form, "locationEn"),
        "beforeReview": text(form, "beforeReview") == "true",
        "expectedVersion": expected,
    }
    variables = {
        "input": {
            "serviceItemId": item_id,
            "weekdays": entered["weekdays"],
            "windows": windows,
            "daysAhead": as_int(days_ahead),
            "locationZh": entered["locationZh"],
            "locationEn": entered["locationEn"],
            "beforeReview": entered["beforeReview"],
            "expectedVersion": as_int(expected) or None,
        }
    }
    payload = (await run(request, "set_appointment_plan", variables)).data["setAppointmentPlan"]
    if payload["userErrors"]:
        return await _plan_page(
            request, item_id, 422, entered=entered, errors=_by_path(payload["userErrors"])
        )
    return redirect(
        request,
        f"/admin/catalog/items/{item_id}/appointments",
        flash=N_("The appointment plan is saved and its slots are made."),
    )


async def change_slot(request: Request) -> Response:
    if (refused := await only_for(request, "catalog")) is not None:
        return refused
    item_id = request.path_params["id"]
    form = await request.form()
    slot_id = text(form, "slotId")
    change: dict[str, Any] = {"slotId": slot_id}
    if text(form, "open") in ("true", "false"):
        change["isOpen"] = text(form, "open") == "true"
    if text(form, "quota"):
        change["quota"] = as_int(text(form, "quota")) if text(form, "quota").isdigit() else -1
    payload = (await run(request, "update_appointment_slot", {"input": change})).data[
        "updateAppointmentSlot"
    ]
    if payload["userErrors"]:
        messages = [e["message"] for e in payload["userErrors"]]
        return await _plan_page(request, item_id, 422, slot_errors={slot_id: messages})
    return redirect(
        request,
        f"/admin/catalog/items/{item_id}/appointments#s-{slot_id}",
        flash=N_("The slot is changed."),
    )


routes = [
    Route("/orders/{number:str}/appointment/book", book, methods=["POST"]),
    Route("/orders/{number:str}/appointment/cancel", cancel, methods=["POST"]),
    Route("/applications/{number:str}/appointment/book", book, methods=["POST"]),
    Route("/applications/{number:str}/appointment/cancel", cancel, methods=["POST"]),
    Route("/appointments", day_list, methods=["GET"]),
    Route("/appointments/{id:str}/check-in", check_in, methods=["POST"]),
    Route("/admin/catalog/items/{id:str}/appointments", plan_page, methods=["GET"]),
    Route("/admin/catalog/items/{id:str}/appointments/plan", save_plan, methods=["POST"]),
    Route("/admin/catalog/items/{id:str}/appointments/slot", change_slot, methods=["POST"]),
]
