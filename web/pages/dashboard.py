"""The supervisor's cockpit: `/dashboard`, the park's service at a glance (issue 13).

Every figure comes from the API's `dashboard(from, to)`; this module only draws it: each chart
is server-drawn SVG (Jinja macros in `_cockpit.html`, no script, nothing inline, so the pages'
content security policy holds), with its table beneath it and a link from each bar to the
filtered order list behind it (`/orders?…`, the queue's own filter names).

The range is a plain GET form (park days, inclusive). Each section of the page is one macro of
`_cockpit.html` rendered into an element with a stable id (`cockpit-<section>`), and
`/dashboard?section=<name>` (same range parameters) answers that section alone: what a live
stream, or htmx, swaps in by that id when the figures change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import live_query, only_for, page, run, translate

# The API's longest range (`dashboard`'s description; a test holds the two together).
MAX_DAYS = 366
DEFAULT_DAYS = 30
# The page's sections, in the order drawn; each is the macro of that name in `_cockpit.html`.
SECTIONS = ("attention", "statuses", "days", "processing", "teams", "handlers", "ratings")


def orders_link(*pairs: tuple[str, str]) -> str:
    return "/orders?" + urlencode(list(pairs))


def _range(
    request: Request, params: QueryParams
) -> tuple[dict[str, str], date, date, dict[str, list[str]]]:
    """The range asked for (in `params`), as typed, as dates, and what is wrong with it (the
    last 30 days up to today, park time, for what is missing or wrong)."""
    today = datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()
    given = {name: params.get(name, "").strip() for name in ("from", "to")}
    errors: dict[str, list[str]] = {}
    found: dict[str, date] = {}
    for name in ("from", "to"):
        if not given[name]:
            continue
        try:
            found[name] = date.fromisoformat(given[name])
        except ValueError:
            errors[name] = [translate(request, N_("Enter a date like 2026-11-25."))]
    end = found.get("to", today)
    start = found.get("from", end - timedelta(days=DEFAULT_DAYS - 1))
    if end < start:
        errors["to"] = [translate(request, N_("The last day comes before the first."))]
    elif (end - start).days + 1 > MAX_DAYS:
        errors["to"] = [
            translate(request, N_("At most %(days)s days at once."), days=str(MAX_DAYS))
        ]
    if errors:
        end = today if "to" in errors else end
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return given, start, end, errors


def _bars(rows: list[dict[str, Any]], top: float | None = None) -> list[dict[str, Any]]:
    """Rows with their bar's length as a share of the longest (`pct`, 0..100)."""
    longest = top if top is not None else max((float(r["value"] or 0) for r in rows), default=0)
    for row in rows:
        value = float(row["value"] or 0)
        row["pct"] = round(100 * value / longest, 2) if longest else 0
        if row.get("mark") is not None:
            row["mark_pct"] = round(100 * float(row["mark"]) / longest, 2) if longest else 0
    return rows


def _loads(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open orders against capacity: one scale for every row, so bars compare."""
    top = max(
        [float(i["value"]) for i in items] + [float(i["mark"]) for i in items if i["mark"]],
        default=0,
    )
    return _bars(items, top)


def charts(board: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    """Every chart's rows: values, bar lengths, links."""
    first, last = start.isoformat(), end.isoformat()
    attention = _bars(
        [
            {"key": "overdue", "value": board["overdue"], "href": orders_link(("due", "overdue"))},
            {"key": "dueSoon", "value": board["dueSoon"], "href": orders_link(("due", "soon"))},
            {
                "key": "waiting",
                "value": board["waitingForHandler"],
                "href": orders_link(("waiting", "1")),
            },
            {
                "key": "owed",
                "value": board["owedPastDue"]["orders"],
                "materials": board["owedPastDue"]["materials"],
                "href": orders_link(("owed_past_due", "1")),
            },
            {
                "key": "rectifications",
                "value": board["openRectifications"],
                "overdue": board["overdueRectifications"],
                "href": orders_link(("rectification", "1")),
            },
        ]
    )
    statuses = _bars(
        [
            {
                "status": row["status"],
                "value": row["count"],
                "href": orders_link(("status", row["status"]), ("from", first), ("to", last)),
            }
            for row in board["byStatus"]
        ]
    )
    teams = []
    for team in board["teams"]:
        teams.append(
            {
                "name": team["name"],
                "value": team["held"] + team["waiting"],
                "held": team["held"],
                "waiting": team["waiting"],
                "mark": team["capacity"],
                "href": orders_link(("team", team["teamId"]), ("open", "1")),
            }
        )
    teams = _loads(teams)
    for team in teams:
        total = team["value"] or 1
        team["held_pct"] = round(team["pct"] * team["held"] / total, 2)
    handlers = _loads(
        [
            {
                "name": h["name"],
                "team": team["name"],
                "value": h["open"],
                "mark": h["capacity"],
                "onLeave": h["onLeave"],
                "href": orders_link(("handler", h["userId"]), ("open", "1")),
            }
            for team in board["teams"]
            for h in team["handlers"]
        ]
    )
    days = board["days"]
    tallest = max([d["opened"] for d in days] + [d["completed"] for d in days] + [0])
    day_rows = [
        {
            **d,
            "opened_h": round(100 * d["opened"] / tallest, 2) if tallest else 0,
            "completed_h": round(100 * d["completed"] / tallest, 2) if tallest else 0,
            "opened_href": orders_link(("from", d["day"]), ("to", d["day"])),
            "completed_href": orders_link(("done_from", d["day"]), ("done_to", d["day"])),
        }
        for d in days
    ]
    p = board["processingTime"]
    completed_link = orders_link(("done_from", first), ("done_to", last))
    processing = _bars(
        [
            {"key": "average", "value": p["averageWorkingDays"], "href": completed_link},
            {"key": "p90", "value": p["p90WorkingDays"], "href": completed_link},
        ]
    )
    park = board["parkRatings"]
    ratings = [
        {
            "name": r.get("name", ""),
            "park": "id" not in r,
            "reviews": r["reviews"],
            "defaults": r["defaults"],
            "satisfaction": r["satisfactionRate"],
            "bad": r["badReviewRate"],
            "rectified": r["rectifiedShare"],
            "satisfaction_pct": round(100 * (r["satisfactionRate"] or 0), 1),
            "bad_pct": round(100 * (r["badReviewRate"] or 0), 1),
            # Rated orders are completed ones: the team's (the park's), completed up to the
            # range's end.
            "href": orders_link(*([("team", r["id"])] if "id" in r else []), ("done_to", last)),
        }
        for r in [park, *board["ratings"]]
        if r["reviews"] or r["defaults"] or "id" in r
    ]
    return {
        "attention": attention,
        "statuses": statuses,
        "teams": teams,
        "handlers": handlers,
        "days": day_rows,
        "tallest": tallest,
        "processing": processing,
        "processing_time": p,
        "completed_link": completed_link,
        "ratings": ratings,
    }


async def _cockpit(request: Request, params: QueryParams) -> tuple[dict[str, Any], dict[str, Any]]:
    given, start, end, errors = _range(request, params)
    variables = {"from": start.isoformat(), "to": end.isoformat()}
    data = (await run(request, "dashboard", variables)).data
    board = data["dashboard"]
    values = {
        "given": given,
        "errors": errors,
        "board": board,
        "start": start,
        "end": end,
        "charts": charts(board, start, end),
        "sections": SECTIONS,
        # The live stream renders the sections again, for this range, when orders change.
        "live": live_query(dashboard=urlencode({k: v for k, v in given.items() if v})),
    }
    return values, data


async def cockpit_values(request: Request, params: QueryParams) -> dict[str, Any]:
    """The values every section of the cockpit is drawn from, for the range in `params`:
    what the page's live stream renders the sections again with (web/live.py)."""
    values, _ = await _cockpit(request, params)
    return values


async def cockpit(request: Request) -> Response:
    if (refused := await only_for(request, "dashboard")) is not None:
        return refused
    values, data = await _cockpit(request, request.query_params)
    section = request.query_params.get("section")
    if section in SECTIONS:
        return await page(request, "_cockpit_section.html", {**values, "section": section})
    return await page(request, "dashboard.html", values, viewer=data["me"])


routes = [Route("/dashboard", cockpit, methods=["GET"])]
