"""The account page (e-mail confirmation, how notices arrive) and the links mail carries:
confirming an address, and stopping e-mail in one click (RFC 8058)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import field_errors, login_redirect, page, redirect, run, signed_in, text


async def _account_page(
    request: Request, status_code: int = 200, errors: dict[str, list[str]] | None = None
) -> Response:
    me = (await run(request, "account")).data["me"]
    return await page(
        request,
        "account.html",
        {"me": me, "errors": errors or {}},
        viewer=me,
        status_code=status_code,
        here="/account",
    )


async def account(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    return await _account_page(request)


async def request_confirmation(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    payload = (await run(request, "request_email_confirmation")).data["requestEmailConfirmation"]
    if payload["userErrors"]:
        return await _account_page(request, 422, field_errors(payload["userErrors"]))
    return redirect(
        request,
        "/account",
        flash=N_("A confirmation link is on its way to your e-mail address. Open it to confirm."),
    )


async def notification_preference(request: Request) -> Response:
    if not signed_in(request):
        return login_redirect(request)
    form = await request.form()
    variables = {"emailToo": text(form, "emailToo") == "true"}
    result = await run(request, "set_notification_preference", variables)
    payload = result.data["setNotificationPreference"]
    if payload["userErrors"]:
        return await _account_page(request, 422, field_errors(payload["userErrors"]))
    return redirect(request, "/account", flash=N_("Your choice is saved."))


async def confirm_email(request: Request) -> Response:
    """GET shows a button, POST confirms: a link checker fetching the mail's links confirms
    nothing by looking."""
    token = request.path_params["token"]
    values: dict[str, Any] = {"token": token, "errors": {}, "done": False}
    if request.method == "GET":
        return await page(request, "confirm_email.html", values)
    payload = (await run(request, "confirm_email", {"token": token})).data["confirmEmail"]
    if payload["userErrors"]:
        values["errors"] = field_errors(payload["userErrors"])
        return await page(request, "confirm_email.html", values, status_code=422, here="/")
    if signed_in(request):
        return redirect(request, "/account", flash=N_("Your e-mail address is confirmed."))
    return await page(request, "confirm_email.html", {**values, "done": True}, here="/")


async def unsubscribe(request: Request) -> Response:
    """GET asks to confirm; POST stops e-mail. Mail programs POST here themselves (the
    `List-Unsubscribe-Post` header) without cookies or a CSRF token: the signed token in the
    address is the proof, so the gatekeeper lets this one path through."""
    token = request.path_params["token"]
    values: dict[str, Any] = {"token": token, "errors": {}, "done": False}
    if request.method == "GET":
        return await page(request, "unsubscribe.html", values)
    payload = (await run(request, "unsubscribe_from_email", {"token": token})).data[
        "unsubscribeFromEmail"
    ]
    if payload["userErrors"]:
        values["errors"] = field_errors(payload["userErrors"])
        return await page(request, "unsubscribe.html", values, status_code=422, here="/")
    return await page(request, "unsubscribe.html", {**values, "done": True}, here="/")


routes = [
    Route("/account", account, methods=["GET"]),
    Route("/account/confirm-email", request_confirmation, methods=["POST"]),
    Route("/account/notifications", notification_preference, methods=["POST"]),
    Route("/account/confirm-email/{token:str}", confirm_email, methods=["GET", "POST"]),
    Route("/mail/unsubscribe/{token:str}", unsubscribe, methods=["GET", "POST"]),
]
