"""The booking part of an order's page (`_appointment_order.html`): the order's booking with
its queue number, and the slots the viewer may book, read through the schema."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Any

from starlette.requests import Request

from web.shell import run


async def booking_for(request: Request, order: dict[str, Any]) -> dict[str, Any] | None:
    """None when the order's item takes no appointments and the order holds none."""
    data = (await run(request, "order_appointment", {"orderId": order["id"]})).data
    choices = data["appointmentChoices"]
    shown = (data["order"] or {}).get("appointment")
    if choices is None and shown is None:
        return None
    slots = (choices or {}).get("slots") or []
    return {
        "appointment": shown,
        "may_book": bool(choices and choices["viewerMayBook"]),
        "location": choices["plan"]["location"] if choices else "",
        # The slots by day, for a list a person can read down.
        "days": [
            {"day": day, "weekday": date.fromisoformat(day).isoweekday(), "slots": list(found)}
            for day, found in groupby(slots, lambda s: s["day"])
        ],
    }
