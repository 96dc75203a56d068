"""The inbox: newest first, paged with a "more" link; "mark all read", or one entry's "mark as
read" (a button: reading is a write, never a link), with or without htmx."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import login_redirect, page, redirect, run, signed_in, text, translate

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
    form = await request.form()
    one = text(form, "id")
    result = await run(request, "mark_read", {"ids": [one] if one else None})
    marked = result.data["markNotificationsRead"]["marked"]
    done = N_("All messages are marked read.")
    if one:
        # An entry read already (in another tab), or not the reader's: nothing to mark.
        done = N_("The message is marked read.") if marked else N_("That message was read already.")
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
