"""The 403, 404 and 500 pages, in the reader's language, registered as exception handlers."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from web.shell import page

log = logging.getLogger("servicehall.web")

API_PREFIXES = ("/graphql", "/files/")


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not _wants_page(request):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    response = await page(
        request,
        "error.html",
        {"status_code": exc.status_code, "request_id": _request_id(request)},
        status_code=exc.status_code,
    )
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    request_id = _request_id(request)
    log.error("unhandled error (request %s)", request_id, exc_info=exc)
    response: Response
    try:
        shown = await page(
            request,
            "error.html",
            {"status_code": 500, "request_id": request_id},
            status_code=500,
        )
        response = shown
    except Exception:  # the error page itself failed: plain text still names the request
        log.exception("the 500 page could not be rendered")
        response = PlainTextResponse(f"Internal Server Error (request {request_id})", 500)
    response.headers["X-Request-Id"] = request_id
    return response


async def csrf_refused(request: Request) -> Response:
    """The 403 page for a form posted without its CSRF token (an old tab, another site)."""
    return await page(
        request,
        "error.html",
        {"status_code": 403, "csrf_failed": True, "request_id": _request_id(request)},
        status_code=403,
    )


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


exception_handlers = {HTTPException: http_error, Exception: server_error}
