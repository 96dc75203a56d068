"""Home, sign-up, sign-in, sign-out and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_, SUPPORTED
from backend.schema.context import LANGUAGE_COOKIE
from web.shell import field_errors, page, redirect, run, safe_next, signed_in, text

LANGUAGE_SECONDS = 365 * 24 * 3600


async def home(request: Request) -> Response:
    result = await run(request, "shell")
    return await page(request, "home.html", viewer=result.data["me"])


async def sign_up(request: Request) -> Response:
    if request.method == "GET":
        if signed_in(request):
            return redirect(request, "/")
        return await page(request, "signup.html", {"errors": {}, "values": {}})
    form = await request.form()
    values = {"name": text(form, "name"), "contact": text(form, "contact")}
    password = form.get("password")
    variables = {"input": {**values, "password": password if isinstance(password, str) else ""}}
    result = await run(request, "sign_up", variables)
    payload = result.data["signUp"]
    if payload["userErrors"]:
        errors = field_errors(payload["userErrors"])
        return await page(
            request,
            "signup.html",
            {"errors": errors, "values": values},
            status_code=422,
            here="/signup",
        )
    return redirect(
        request, "/", flash=N_("Welcome! Your account is ready."), context=result.context
    )


async def login(request: Request) -> Response:
    if request.method == "GET":
        next_url = safe_next(request.query_params.get("next"))
        if signed_in(request):
            return redirect(request, next_url)
        return await page(request, "login.html", {"errors": {}, "values": {}, "next": next_url})
    form = await request.form()
    values = {"identifier": text(form, "identifier")}
    next_url = safe_next(text(form, "next"))
    password = form.get("password")
    variables = {"input": {**values, "password": password if isinstance(password, str) else ""}}
    result = await run(request, "login", variables)
    payload = result.data["login"]
    if payload["userErrors"]:
        errors = field_errors(payload["userErrors"])
        return await page(
            request,
            "login.html",
            {"errors": errors, "values": values, "next": next_url},
            status_code=422,
            here="/login",
        )
    return redirect(request, next_url, flash=N_("You are signed in."), context=result.context)


async def logout(request: Request) -> Response:
    result = await run(request, "logout")
    return redirect(request, "/", flash=N_("You are signed out."), context=result.context)


async def language(request: Request) -> Response:
    form = await request.form()
    chosen = text(form, "value")
    response = redirect(request, safe_next(text(form, "next")))
    if chosen not in SUPPORTED:
        return response
    if signed_in(request):
        await run(request, "set_language", {"language": chosen})
    response.set_cookie(
        LANGUAGE_COOKIE,
        chosen,
        max_age=LANGUAGE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.production,
    )
    return response


routes = [
    Route("/", home, methods=["GET"]),
    Route("/signup", sign_up, methods=["GET", "POST"]),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/language", language, methods=["POST"]),
]
