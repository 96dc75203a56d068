"""The provider directory (enterprises): the third-party providers, what each serves, and a
way from each item to its application with that provider chosen."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web.shell import login_redirect, page, run, signed_in

PAGE = 20


async def directory(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    after = request.query_params.get("after") or None
    data = (await run(request, "provider_directory", {"first": PAGE, "after": after})).data
    values = {"connection": data["providerDirectory"], "after": after}
    return await page(request, "provider_directory.html", values, viewer=data["me"])


routes = [Route("/providers", directory, methods=["GET"])]
