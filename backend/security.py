"""Request admission in front of both faces: request ids, who is asking, language, CSRF.

One pure-ASGI middleware, so every route — pages, `/graphql`, downloads — gets the same rules:

- a bearer token authenticates an integrator (an unknown, expired or revoked one is a 401);
- otherwise the session cookie, if any, authenticates a person;
- every write that is not bearer-authenticated carries a CSRF token (header `X-CSRF-Token`, a
  `csrf_token` form field, or for multipart forms a `csrf_token` query parameter): an HMAC over
  the session (signed in) or the visitor's pre-session id in the CSRF cookie (signed out, for
  the sign-in and sign-up forms). A sibling host that can set cookies can plant a visitor id,
  but not a token for someone's session. The one exemption is a JSON `/graphql` POST with no
  session cookie: it carries no credentials, and browsers cannot send JSON cross-site without a
  preflight. The other is the one-click unsubscribe link of a notice's e-mail (RFC 8058): mail
  programs POST to it without cookies, and the signed token in its address is the proof.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.i18n import from_accept_language, normalise, translate
from backend.logs import new_request_id, request_id_var
from backend.schema.context import CSRF_COOKIE, LANGUAGE_COOKIE, SESSION_COOKIE
from backend.services.accounts import sessions, tokens
from backend.services.core.actors import ANONYMOUS, Actor
from backend.settings import Settings

log = logging.getLogger("servicehall.http")
access_log = logging.getLogger("servicehall.access")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where a notice mail's one-click "stop e-mail" link posts (web/pages/account.py).
ONE_CLICK_UNSUBSCRIBE = "/mail/unsubscribe/"

# Pages run this site's own scripts and styles only (none inline; htmx 4 adds its indicator
# styles as a constructed stylesheet, which needs no exception), and no other site may frame
# them. A response that sets its own policy (GraphiQL, downloads) keeps it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
)
MAX_FORM_BYTES = 1024 * 1024


def csrf_token_for(secret_key: str, *, session_cookie: str | None, visitor_id: str) -> str:
    """The CSRF token of a request: bound to its session cookie's hash (the session's id while
    it lives, so a page opened before its session ended still posts, and is answered as signed
    out rather than as forged), or with no session cookie to the visitor's pre-session id."""
    if session_cookie:
        bound_to = f"session:{sessions.session_key(session_cookie)}"
    else:
        bound_to = f"visitor:{visitor_id}"
    digest = hmac.new(secret_key.encode(), b"csrf:" + bound_to.encode(), hashlib.sha256)
    return digest.hexdigest()


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookies
                return {}
            return {key: morsel.value for key, morsel in jar.items()}
    return {}


def _header(scope: Scope, wanted: bytes) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return None


def _media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header (`multipart/form-data; boundary=...`)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _same(supplied: str, expected: str) -> bool:
    """A constant-time comparison that any supplied text (non-ASCII too) can go through."""
    return hmac.compare_digest(supplied.encode("utf-8", "replace"), expected.encode())


def _is_page_request(scope: Scope) -> bool:
    """A person's form post (not the API, not a download): answered with a page."""
    if scope["path"].startswith(("/graphql", "/files/")):
        return False
    return "text/html" in (_header(scope, b"accept") or "")


def token_actor(holder: tokens.TokenHolder, request_id: str) -> Actor:
    """Who an API token speaks for, limited by its scopes."""
    return Actor(
        user_id=holder.user.id,
        name=holder.user.name,
        roles=holder.roles,
        language=holder.user.language,
        token_id=holder.token.id,
        scopes=frozenset(holder.token.scopes),
        provider_id=holder.user.provider_id,
        request_id=request_id,
    )


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else ""


async def _json_error(send: Send, status: int, message: str, code: str, **headers: str) -> None:
    body = json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, ensure_ascii=False
    ).encode()
    raw_headers = [(b"content-type", b"application/json; charset=utf-8")]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"x-request-id", request_id_var.get().encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class Gatekeeper:
    """`csrf_page` renders the refusal for people posting page forms; APIs get JSON."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        csrf_page: Callable[[Request], Awaitable[Response]] | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.csrf_page = csrf_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = new_request_id(_header(scope, b"x-request-id"))
        token = request_id_var.set(request_id)
        status = 0
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._handle(scope, receive, send_noting_status, request_id)
        except Exception:
            # Escaping here, it becomes the 500 page outside this middleware: log what is sent.
            status = status or 500
            raise
        finally:
            # Our own access line, so it carries the request id (uvicorn's is turned off).
            access_log.info(
                "%s %s %s %.1fms",
                scope.get("method", "WS"),
                scope["path"],
                status or "-",
                (time.perf_counter() - started) * 1000,
            )
            request_id_var.reset(token)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        cookies = _cookies(scope)
        state = scope.setdefault("state", {})
        authorization = _header(scope, b"authorization")
        actor = replace(ANONYMOUS, request_id=request_id)
        bearer = None
        if authorization and authorization.lower().startswith("bearer "):
            bearer = authorization[7:].strip()
        if bearer is not None:
            try:
                holder = await tokens.authenticate(bearer)
            except tokens.TokenRejected as rejected:
                if scope["type"] == "websocket":
                    # Refused at the handshake (HTTP 403): a socket has no JSON error body.
                    log.info("refused a socket with a %s API token", rejected.reason)
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await _json_error(
                    send,
                    401,
                    f"The API token is {rejected.reason}.",
                    "INVALID_TOKEN",
                    **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
                return
            actor = token_actor(holder, request_id)
        elif cookies.get(SESSION_COOKIE):
            signed_in = await sessions.resume(cookies[SESSION_COOKIE])
            if signed_in is not None:
                actor = Actor(
                    user_id=signed_in.user.id,
                    name=signed_in.user.name,
                    roles=signed_in.roles,
                    language=signed_in.user.language,
                    session_id=signed_in.session_id,
                    provider_id=signed_in.user.provider_id,
                    request_id=request_id,
                )
        language = self._language(scope, cookies, actor)
        actor = replace(actor, language=language)

        csrf_cookie = cookies.get(CSRF_COOKIE, "")
        new_csrf_cookie = None
        if not csrf_cookie:
            new_csrf_cookie = csrf_cookie = secrets.token_urlsafe(32)
        state["actor"] = actor
        state["csrf_token"] = csrf_token_for(
            self.settings.secret_key,
            session_cookie=cookies.get(SESSION_COOKIE),
            visitor_id=csrf_cookie,
        )
        state["request_id"] = request_id

        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS and bearer is None:
            exempt = (
                scope["path"] == "/graphql"
                and not cookies.get(SESSION_COOKIE)
                and _media_type(_header(scope, b"content-type")) == "application/json"
            ) or scope["path"].startswith(ONE_CLICK_UNSUBSCRIBE)
            if not exempt:
                receive, ok = await self._check_csrf(scope, receive, state["csrf_token"])
                if not ok:
                    log.info("refused a write without a valid CSRF token: %s", scope["path"])
                    if self.csrf_page is not None and _is_page_request(scope):
                        refusal = await self.csrf_page(Request(scope, receive))
                        await refusal(scope, receive, send)
                        return
                    await _json_error(
                        send,
                        403,
                        translate(
                            language,
                            "The form has expired or did not come from this site. "
                            "Reload the page and try again.",
                        ),
                        "CSRF_FAILED",
                    )
                    return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                headers.append((b"x-request-id", request_id.encode()))
                if new_csrf_cookie is not None:
                    headers.append((b"set-cookie", self._csrf_cookie(new_csrf_cookie).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _csrf_cookie(self, value: str) -> str:
        secure = "; Secure" if self.settings.production else ""
        return f"{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"

    def _language(self, scope: Scope, cookies: dict[str, str], actor: Actor) -> str:
        chosen = cookies.get(LANGUAGE_COOKIE)
        if chosen:
            return normalise(chosen)
        if actor.user_id is not None:
            return normalise(actor.language)
        return from_accept_language(_header(scope, b"accept-language")) or "zh-CN"

    async def _check_csrf(
        self, scope: Scope, receive: Receive, expected: str
    ) -> tuple[Receive, bool]:
        supplied = _header(scope, b"x-csrf-token")
        if supplied is not None:
            return receive, _same(supplied, expected)
        content_type = _media_type(_header(scope, b"content-type"))
        if content_type == "multipart/form-data":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            supplied = (query.get("csrf_token") or [""])[0]
            return receive, _same(supplied, expected)
        if content_type == "application/x-www-form-urlencoded":
            body, replay = await _buffer(receive)
            if body is None:
                return replay, False
            fields = parse_qs(body.decode("utf-8", "replace"))
            supplied = (fields.get("csrf_token") or [""])[0]
            return replay, _same(supplied, expected)
        return receive, False


async def _buffer(receive: Receive) -> tuple[bytes | None, Receive]:
    """Reads a small form body so it can be checked, and replays it to the route."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, receive
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def actor_of(scope_state: Any) -> Actor:
    actor = getattr(scope_state, "actor", None)
    return actor if isinstance(actor, Actor) else ANONYMOUS
