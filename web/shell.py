"""What every page shares: operations by name, templates per language, flashes, redirects.

Templates are rendered by one Jinja2 environment per language, each with that language's
gettext catalog installed, so concurrent requests in different languages never share state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import jinja2
from graphql import GraphQLEnumType
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from backend import i18n
from backend.schema.context import Context
from backend.schema.runner import apply_cookies, execute

WEB_DIR = Path(__file__).resolve().parent
OPERATIONS_DIR = WEB_DIR / "operations"
TEMPLATES_DIR = WEB_DIR / "templates"
FLASH_COOKIE = "sh_flash"
FRAGMENT_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_]\w*)")
FLASH_SECONDS = 60
# GraphQL error codes that mean the address named nothing (backend/schema/relay.py).
NOT_FOUND_CODES = frozenset({"BAD_ID", "BAD_CURSOR", "BAD_PAGE_SIZE"})
# ...and that the text sent was refused at the input boundary (backend/schema/boundary.py).
REFUSED_INPUT_CODES = frozenset({"INVALID_TEXT", "TOO_LONG"})

log = logging.getLogger("servicehall.web")


class OperationFailed(RuntimeError):
    """An operation a page runs came back with GraphQL errors: a bug, shown as the 500 page."""


@cache
def operation(name: str) -> str:
    """The document in `web/operations/<name>.graphql`, with the shared fragments it uses."""
    text = (OPERATIONS_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    included: set[str] = set()
    # Fragments may spread other fragments: add them until every spread is defined.
    while wanted := set(FRAGMENT_SPREAD.findall(text)) - included:
        for fragment_name in sorted(wanted):
            included.add(fragment_name)
            path = OPERATIONS_DIR / f"_{fragment_name}.graphql"
            if path.exists():
                text += "\n" + path.read_text(encoding="utf-8")
    return text


_templates: dict[str, tuple[Any, Jinja2Templates]] = {}


def templates_for(language: str) -> Jinja2Templates:
    """The templates rendering in `language` (rebuilt if the catalogs were reloaded)."""
    language = i18n.normalise(language)
    catalog = i18n.translations(language)
    cached = _templates.get(language)
    if cached is not None and cached[0] is catalog:
        return cached[1]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension adds this method at runtime; Environment's stubs do not declare it.
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.filters["localtime"] = localtime
    # Choices in forms (a fulfilment, a team member's kind) are the schema's enum values.
    env.globals["enum_values"] = enum_values
    templates = Jinja2Templates(env=env)
    _templates[language] = (catalog, templates)
    return templates


def count_limit(request: Request) -> int:
    """How far list pages count (`boundedCount`'s limit); beyond it they show "1,000+"."""
    return int(request.app.state.settings.list_count_limit)


def localtime(value: str | None, timezone: str) -> str:
    """An ISO timestamp from the API as park time, to the minute."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _actor(request: Request) -> Any:
    """Who is asking, as the gatekeeper middleware resolved it (None outside it)."""
    return getattr(request.state, "actor", None)


def language_of(request: Request) -> str:
    return i18n.normalise(getattr(_actor(request), "language", None))


def translate(request: Request, message: str, **params: object) -> str:
    return i18n.translate(language_of(request), message, **params)


@dataclass
class Result:
    """What an operation returned, with the context whose cookies the response must carry."""

    data: dict[str, Any]
    context: Context
    cookies: list[Any] = field(default_factory=list)


async def run(
    request: Request,
    name: str,
    variables: dict[str, Any] | None = None,
    *,
    context: Context | None = None,
) -> Result:
    """Runs `web/operations/<name>.graphql` for this request.

    What the reader typed into the address or a form reaches the API as variables, so the API's
    refusals of it are the reader's mistakes: a malformed id or cursor (or a missing one) is the
    404 page, text the boundary refuses the 400 page. Any other GraphQL error is a bug (500).
    """
    result, ctx = await execute(request, operation(name), variables, context=context)
    if result.errors:
        found = {(error.extensions or {}).get("code") for error in result.errors}
        if found & NOT_FOUND_CODES:
            raise HTTPException(404)
        if found & REFUSED_INPUT_CODES:
            raise HTTPException(400)
        raise OperationFailed(f"{name}: {[e.message for e in result.errors]}")
    return Result(data=result.data or {}, context=ctx)


def shown(*data: Any) -> str:
    """A short digest of what a page shows of a list or an object: its live stream, opening,
    sends it whole again only when what it reads then differs (a change between the page's
    render and the stream's start), so a page rendered with a form's problems keeps them."""
    encoded = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def live_query(**follows: str | int) -> str:
    """What a page's live stream follows (`/live?...`, web/live.py): `order` (a number, with
    the last `after` sequence the page shows), `application` (a number), `queue` (the order
    queue's own query string), `unassigned` (its `after` cursor, or empty), `rectifications`,
    `dashboard`; `seen`: the `shown` digest of the list or object the page shows."""
    return urlencode({name: str(value) for name, value in follows.items()})


def field_errors(user_errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """userErrors by the last named part of their field path ("" for the form as a whole).

    `["scopes", "2"]` (the third scope) is shown at `scopes`.
    """
    found: dict[str, list[str]] = {}
    for error in user_errors:
        names = [part for part in error.get("field") or [] if not part.isdigit()]
        found.setdefault(names[-1] if names else "", []).append(error["message"])
    return found


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="flash")


def flash_of(request: Request) -> str | None:
    """The flash message left by the previous response, in the reader's language."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        message = _serializer(request).loads(raw, max_age=FLASH_SECONDS)
    except BadSignature:
        return None
    return translate(request, message) if isinstance(message, str) else None


def redirect(
    request: Request, url: str, *, flash: str | None = None, context: Context | None = None
) -> RedirectResponse:
    """A 303 to `url`, carrying a flash message id and any cookies an operation asked for."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE,
            _serializer(request).dumps(flash),
            max_age=FLASH_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
        )
    if context is not None:
        apply_cookies(response, context)
    return response


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to; anything that could leave the site becomes `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 32 for ch in value):
        return default
    return value


def login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)


def signed_in(request: Request) -> bool:
    return getattr(_actor(request), "user_id", None) is not None


async def viewer_of(request: Request) -> dict[str, Any] | None:
    """The signed-in person as the shell shows them, with `can`, asked once per request."""
    if not signed_in(request):
        return None
    viewer: dict[str, Any] | None = getattr(request.state, "viewer", None)
    if viewer is None:
        viewer = (await run(request, "shell")).data["me"]
        request.state.viewer = viewer
    return viewer


async def may_open(request: Request, name: str) -> bool:
    """Whether the schema's `me { can { <name> } }` lets the viewer open that page."""
    viewer = await viewer_of(request)
    return bool(viewer and viewer["can"] and viewer["can"][name])


async def only_for(request: Request, name: str) -> Response | None:
    """For pages not everyone may open: the sign-in redirect for visitors, the 403 page for
    people `me.can.<name>` leaves out."""
    if not signed_in(request):
        return login_redirect(request)
    if not await may_open(request, name):
        raise HTTPException(403)
    return None


@cache
def enum_values(name: str) -> tuple[str, ...]:
    """The values of the schema's enum `name`, in the schema's order: filter choices and form
    values come from here, so a new status shows up without a list in `web/`."""
    from backend.schema import schema

    enum = schema._schema.get_type(name)
    if not isinstance(enum, GraphQLEnumType):
        raise KeyError(f"the schema has no enum {name}")
    return tuple(enum.values)


def as_int(value: str) -> int:
    """A number from a form field; 0 for anything else (the API then names the problem)."""
    try:
        return int(value)
    except ValueError:
        return 0


async def _shell_viewer(request: Request, status_code: int) -> dict[str, Any] | None:
    """The header's viewer (menu, unread count), for a page whose operation did not ask."""
    try:
        return await viewer_of(request)
    except Exception:
        if status_code < 400:
            raise
        # An error page whose cause may be the database itself: show it without a menu.
        log.warning("the error page's menu could not be loaded", exc_info=True)
        return None


async def page(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    viewer: dict[str, Any] | None = None,
    status_code: int = 200,
    context: Context | None = None,
    here: str | None = None,
) -> Response:
    """Renders a page in the viewer's language, with the shell's header data and the flash.

    The menu shows the pages `me { can }` opens: from `viewer` when the page's operation asked
    for it, else from the request's earlier answer, else asked here (the shell operation).
    `here` is where the language switch comes back to: the page's own address for a GET, and
    for a form that re-renders after a POST, the GET page it belongs to.
    """
    language = language_of(request)
    flash = flash_of(request)
    if viewer is None:
        viewer = getattr(request.state, "viewer", None)
    if (viewer is None or viewer.get("can") is None) and signed_in(request):
        viewer = await _shell_viewer(request, status_code)
    shell = {
        "request": request,
        "viewer": viewer,
        "signed_in": signed_in(request),
        "can": viewer.get("can") if viewer else None,
        "timezone": request.app.state.settings.timezone,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "flash": flash,
        "html_lang": language,
        "here": _here(request, here),
    }
    response = templates_for(language).TemplateResponse(
        request, template, {**shell, **(values or {})}, status_code=status_code
    )
    if flash is not None or request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
    if context is not None:
        apply_cookies(response, context)
    return response


def _here(request: Request, here: str | None) -> str:
    if here is not None:
        return safe_next(here)
    if request.method != "GET":
        return "/"
    query = f"?{request.url.query}" if request.url.query else ""
    return safe_next(request.url.path + query)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
