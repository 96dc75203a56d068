"""The service catalog: categories, search as one types, the common-services board, items.

Anyone may browse; pinning needs an account. Search and pins work as plain forms and are
swapped in place by htmx, which marks its requests with `HX-Request`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import page, redirect, run, safe_next, signed_in, text, translate

CATEGORY_PAGE = 6
ITEM_PAGE = 20


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


async def home(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    if _htmx(request):
        return await _search_fragment(request, q)
    variables = {
        "first": CATEGORY_PAGE,
        "after": request.query_params.get("after") or None,
        "q": q or None,
        "searching": bool(q),
    }
    data = (await run(request, "catalog_home", variables)).data
    pinned = data["pinnedServiceItems"]
    values = {
        "connection": data["categories"],
        "pins": pinned,
        "popular": data["popularServiceItems"],
        "pinned_ids": {item["id"] for item in pinned},
        "q": q,
        "results": data.get("results"),
    }
    return await page(request, "catalog_home.html", values, viewer=data["me"])


async def _search_fragment(request: Request, q: str) -> Response:
    if not q:
        return await page(request, "_catalog_results.html", {"q": "", "results": None})
    data = (await run(request, "catalog_search", {"q": q})).data
    values = {
        "q": q,
        "results": data["results"],
        "pinned_ids": {item["id"] for item in data["pinnedServiceItems"]},
    }
    return await page(request, "_catalog_results.html", values)


async def category(request: Request) -> Response:
    variables = {
        "id": request.path_params["id"],
        "first": ITEM_PAGE,
        "after": request.query_params.get("after") or None,
    }
    data = (await run(request, "catalog_category", variables)).data
    if data["category"] is None:
        raise HTTPException(404)
    values = {
        "category": data["category"],
        "pinned_ids": {pinned["id"] for pinned in data["pinnedServiceItems"]},
    }
    return await page(request, "catalog_category.html", values, viewer=data["me"])


async def item(request: Request) -> Response:
    data = (await run(request, "catalog_item", {"id": request.path_params["id"]})).data
    found = data["serviceItem"]
    if found is None:
        raise HTTPException(404)
    values = {
        "item": found,
        "pinned_ids": {pinned["id"] for pinned in data["pinnedServiceItems"]},
        "figures": (data["evaluationFigures"] or [None])[0],
    }
    return await page(request, "catalog_item.html", values, viewer=data["me"])


# Pinning and unpinning: the operation, its payload field and the flash without JavaScript.
PIN_ACTIONS: dict[str, tuple[str, str, str]] = {
    "pin": ("pin_service_item", "pinServiceItem", N_("Added to your common services.")),
    "unpin": ("unpin_service_item", "unpinServiceItem", N_("Removed from your common services.")),
}


async def pin(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in PIN_ACTIONS:
        raise HTTPException(404)
    operation, field, done = PIN_ACTIONS[action]
    form = await request.form()
    item_id = text(form, "serviceItemId")
    back = safe_next(text(form, "next"), "/catalog")
    if not signed_in(request):
        return RedirectResponse(f"/login?next={quote(back, safe='/')}", status_code=303)
    payload = (await run(request, operation, {"input": {"serviceItemId": item_id}})).data[field]
    if payload["userErrors"]:
        raise HTTPException(404)
    if not _htmx(request):
        return redirect(request, back, flash=done)
    pinned: list[dict[str, Any]] = payload["pinnedServiceItems"] or []
    values = {
        "item_id": item_id,
        "pins": pinned,
        "pinned_ids": {entry["id"] for entry in pinned},
        "next": back,
        "status": translate(request, done),
    }
    return await page(request, "_catalog_pin_swap.html", values)


routes = [
    Route("/catalog", home, methods=["GET"]),
    Route("/catalog/categories/{id:str}", category, methods=["GET"]),
    Route("/catalog/items/{id:str}", item, methods=["GET"]),
    Route("/catalog/pins/{action:str}", pin, methods=["POST"]),
]
