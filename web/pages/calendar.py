"""The working calendar page, for admins: a year's holidays and make-up working days."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import (
    field_errors,
    only_for,
    page,
    redirect,
    run,
    text,
    translate,
)


def _year(request: Request, value: str | None) -> int:
    """The year asked for, or this year in the park when none (or nonsense) is given."""
    if value and value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).year


async def _calendar_page(
    request: Request, year: int, status_code: int = 200, **forms: Any
) -> Response:
    result = await run(request, "admin_calendar", {"year": year})
    values = {
        "calendar": result.data["calendar"],
        "year": year,
        "entry": forms.get("entry", {"errors": {}, "input": {"kind": "OFF"}}),
        "row_errors": forms.get("row_errors", {}),
    }
    return await page(
        request,
        "admin_calendar.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here=f"/admin/calendar?year={year}",
    )


async def calendar(request: Request) -> Response:
    year = _year(request, request.query_params.get("year"))
    return await only_for(request, "calendar") or await _calendar_page(request, year)


async def set_day(request: Request) -> Response:
    if (refused := await only_for(request, "calendar")) is not None:
        return refused
    form = await request.form()
    values = {
        "day": text(form, "day"),
        "kind": text(form, "kind") if text(form, "kind") in ("OFF", "WORK") else "OFF",
        "nameZh": text(form, "nameZh"),
        "nameEn": text(form, "nameEn"),
    }
    year = _year(request, values["day"][:4])
    if not values["day"]:
        errors = {"day": [N_("Choose a date.")]}
        return await _calendar_page(
            request, year, 422, entry={"errors": _translated(request, errors), "input": values}
        )
    payload = (await run(request, "set_calendar_day", {"input": values})).data["setCalendarDay"]
    if payload["userErrors"]:
        entry = {"errors": field_errors(payload["userErrors"]), "input": values}
        return await _calendar_page(request, year, 422, entry=entry)
    return redirect(request, f"/admin/calendar?year={year}", flash=N_("The day was saved."))


async def clear_day(request: Request) -> Response:
    if (refused := await only_for(request, "calendar")) is not None:
        return refused
    form = await request.form()
    day = text(form, "day")
    year = _year(request, day[:4])
    payload = (await run(request, "clear_calendar_day", {"input": {"day": day}})).data[
        "clearCalendarDay"
    ]
    if payload["userErrors"]:
        row_errors = {day: [e["message"] for e in payload["userErrors"]]}
        return await _calendar_page(request, year, 422, row_errors=row_errors)
    return redirect(request, f"/admin/calendar?year={year}", flash=N_("The day was removed."))


def _translated(request: Request, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {key: [translate(request, m) for m in messages] for key, messages in errors.items()}


routes = [
    Route("/admin/calendar", calendar, methods=["GET"]),
    Route("/admin/calendar/days", set_day, methods=["POST"]),
    Route("/admin/calendar/days/clear", clear_day, methods=["POST"]),
]
