"""The viewer's API tokens: list with last use, create (secret shown once), revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from backend.schema.scopes import ROOT_SCOPES
from web.shell import field_errors, login_redirect, page, redirect, run, signed_in, text

SCOPES = tuple(sorted(set(ROOT_SCOPES.values())))
EXPIRY_DAYS = ("30", "90", "365")


async def _tokens_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    result = await run(request, "tokens")
    values = {
        "tokens": [e["node"] for e in result.data["apiTokens"]["edges"]],
        "scopes": SCOPES,
        "expiry_days": EXPIRY_DAYS,
        "create": extra.get("create", {"errors": {}, "input": {"scopes": []}}),
        "created": extra.get("created"),
        "revoke_errors": extra.get("revoke_errors", []),
    }
    response = await page(
        request,
        "tokens.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here="/tokens",
    )
    if extra.get("created"):
        response.headers["Cache-Control"] = "no-store"
    return response


async def tokens(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    return await _tokens_page(request)


async def create(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    form = await request.form()
    values: dict[str, Any] = {
        "name": text(form, "name"),
        "scopes": [s for s in form.getlist("scopes") if isinstance(s, str)],
        "expires": text(form, "expires"),
    }
    expires_at = None
    if values["expires"] in EXPIRY_DAYS:
        expires_at = (datetime.now(UTC) + timedelta(days=int(values["expires"]))).isoformat()
    variables = {
        "input": {"name": values["name"], "scopes": values["scopes"], "expiresAt": expires_at}
    }
    payload = (await run(request, "create_api_token", variables)).data["createApiToken"]
    if payload["userErrors"]:
        create_form = {"errors": field_errors(payload["userErrors"]), "input": values}
        return await _tokens_page(request, 422, create=create_form)
    created = {"name": payload["apiToken"]["name"], "secret": payload["secret"]}
    return await _tokens_page(request, created=created)


async def revoke(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    form = await request.form()
    payload = (await run(request, "revoke_api_token", {"id": text(form, "id")})).data[
        "revokeApiToken"
    ]
    if payload["userErrors"]:
        messages = [e["message"] for e in payload["userErrors"]]
        return await _tokens_page(request, 422, revoke_errors=messages)
    return redirect(request, "/tokens", flash=N_("The token was revoked."))


routes = [
    Route("/tokens", tokens, methods=["GET"]),
    Route("/tokens/new", create, methods=["POST"]),
    Route("/tokens/revoke", revoke, methods=["POST"]),
]
