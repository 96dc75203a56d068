"""The inbox: newest first, paged with a "more" link; "mark all read" with or without htmx."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import login_redirect, page, redirect, run, signed_in, translate

PAGE_SIZE = 20


async def inbox(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    variables = {"first": PAGE_SIZE, "after": request.query_params.get("after") or None}
    result = await run(request, "inbox", variables)
    return await page(
        request,
        "notifications.html",
        {"connection": result.data["notifications"]},
        viewer=result.data["me"],
    )


async def mark_all_read(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    await run(request, "mark_read")
    done = N_("All messages are marked read.")
    if not request.headers.get("HX-Request"):
        return redirect(request, "/notifications", flash=done)
    result = await run(request, "inbox", {"first": PAGE_SIZE, "after": None})
    return await page(
        request,
        "_inbox_swap.html",
        {"connection": result.data["notifications"], "status": translate(request, done)},
        viewer=result.data["me"],
    )


routes = [
    Route("/notifications", inbox, methods=["GET"]),
    Route("/notifications/read", mark_all_read, methods=["POST"]),
]
