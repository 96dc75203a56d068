"""The booking part of an order's page, and of an application's (items that take appointments
before review), rendered by `_appointment.html`: the booking with its queue number, and the
slots the viewer may book, read through the schema."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Any

from starlette.requests import Request

from web.shell import run


async def booking_for(
    request: Request,
    *,
    order: dict[str, Any] | None = None,
    application: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """None when the item takes no appointments (for an application: none before review) and
    none is held. Give the order or the application (its `id` and `number`)."""
    if order is not None:
        data = (await run(request, "order_appointment", {"orderId": order["id"]})).data
        owner, base = data["order"], f"/orders/{order['number']}/appointment"
    else:
        assert application is not None
        variables = {"applicationId": application["id"]}
        data = (await run(request, "application_appointment", variables)).data
        owner, base = data["application"], f"/applications/{application['number']}/appointment"
    choices = data["appointmentChoices"]
    shown = (owner or {}).get("appointment")
    if choices is None and shown is None:
        return None
    slots = (choices or {}).get("slots") or []
    return {
        "base": base,
        "appointment": shown,
        "may_book": bool(choices and choices["viewerMayBook"]),
        "location": choices["plan"]["location"] if choices else "",
        # The slots by day, for a list a person can read down.
        "days": [
            {"day": day, "weekday": date.fromisoformat(day).isoweekday(), "slots": list(found)}
            for day, found in groupby(slots, lambda s: s["day"])
        ],
    }
