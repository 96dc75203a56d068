"""`/graphql` over HTTP, after the GraphQL-over-HTTP spec.

- GET runs queries only (a mutation is a 405); a browser's GET without a query gets GraphiQL.
- POST takes `application/json`, or `multipart/form-data` after the GraphQL multipart request
  spec for uploads; anything else is a 415.
- The answer is `application/graphql-response+json` when the client's Accept asks for it,
  with 400 for a request that never started executing; plain `application/json` keeps 200.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from backend.schema.runner import apply_cookies, build_context, execute

log = logging.getLogger("servicehall.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# How deep JSON arrays and objects may nest in a request. Real inputs (an input object holding
# a form's answers holding a list) stay under ten; without a bound, a body nested a thousand
# deep ends in a RecursionError in the parser or in whatever walks the value next.
MAX_JSON_DEPTH = 32


class RequestProblem(Exception):
    def __init__(
        self, status: int, message: str, *, code: str = "BAD_REQUEST", **headers: str
    ) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers
        super().__init__(message)


def _media_type(accept: str) -> str | None:
    """The response type the client accepts: graphql-response+json first, then JSON."""
    if not accept.strip():
        return JSON
    offered: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        offered[media.strip().lower()] = quality
    candidates = [
        (offered.get(GRAPHQL_RESPONSE, 0.0), 1, GRAPHQL_RESPONSE),
        (
            max(offered.get(JSON, 0.0), offered.get("application/*", 0.0), offered.get("*/*", 0.0)),
            0,
            JSON,
        ),
    ]
    quality, _, media = max(candidates)
    return media if quality > 0 else None


def _graphiql(request: Request) -> HTMLResponse:
    html = get_graphql_ide_html("graphiql")
    token = json.dumps(request.state.csrf_token)
    html = html.replace(
        'const csrfToken = Cookies.get("csrftoken");', f"const csrfToken = {token};"
    ).replace('defaultHeaders["x-csrftoken"]', 'defaultHeaders["X-CSRF-Token"]')
    # GraphiQL loads from unpkg (pinned by integrity hashes) and has one inline script: only
    # that script runs, by its nonce. Its editor styles elements inline, so styles are looser.
    nonce = secrets.token_urlsafe(16)
    html = html.replace("<script>", f'<script nonce="{nonce}">')
    policy = (
        f"default-src 'self'; script-src 'nonce-{nonce}' https://unpkg.com; "
        "style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data:; "
        "font-src 'self' data: https://unpkg.com; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def _nesting(value: Any) -> int:
    """How deep `value`'s arrays and objects nest (iteratively: no recursion to exhaust)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            current = list(current.values())
        elif not isinstance(current, list):
            continue
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return depth
        deepest = max(deepest, depth)
        pending.extend((item, depth) for item in current)
    return deepest


def _load_json(raw: str | bytes, what: str) -> Any:
    """`raw` parsed, or a 400 naming `what`: not JSON, or nested deeper than the bound."""
    too_deep = RequestProblem(
        400,
        f"{what} nests arrays and objects deeper than {MAX_JSON_DEPTH} levels.",
        code="JSON_TOO_DEEP",
    )
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise too_deep from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestProblem(400, f"{what} is not valid JSON.") from exc
    if _nesting(value) > MAX_JSON_DEPTH:
        raise too_deep
    return value


async def _json_body(request: Request) -> Any:
    return _load_json(await request.body(), "The request body")


async def _multipart(request: Request) -> dict[str, Any]:
    """Reads `operations`, `map` and the files, and puts each file where the map says."""
    form = await request.form(max_files=10, max_fields=20)
    operations = _load_json(str(form.get("operations", "")), "`operations`")
    file_map = _load_json(str(form.get("map", "{}")), "`map`")
    if not isinstance(operations, dict) or not isinstance(file_map, dict):
        raise RequestProblem(400, "`operations` must be one operation; `map` an object.")
    for key, paths in file_map.items():
        upload = form.get(key)
        if not isinstance(upload, UploadFile):
            raise RequestProblem(400, f"The file `{key}` named in `map` is missing.")
        if not isinstance(paths, list):
            raise RequestProblem(400, "Each `map` entry must be a list of paths.")
        for path in paths:
            _place(operations, str(path).split("."), upload)
    return operations


def _place(target: Any, path: list[str], value: Any) -> None:
    for i, key in enumerate(path):
        last = i == len(path) - 1
        try:
            if isinstance(target, list):
                index = int(key)
                if last:
                    target[index] = value
                else:
                    target = target[index]
            elif isinstance(target, dict):
                if last:
                    target[key] = value
                else:
                    target = target[key]
            else:
                raise TypeError
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise RequestProblem(
                400, f"The map path `{'.'.join(path)}` is not in `operations`."
            ) from exc


def _params(data: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(data, dict):
        raise RequestProblem(400, "The request must be one JSON object (batches are not served).")
    query = data.get("query")
    variables = data.get("variables")
    operation_name = data.get("operationName")
    if isinstance(variables, str) and variables:
        variables = _load_json(variables, "`variables`")
    if not isinstance(query, str) or not query.strip():
        raise RequestProblem(400, "The request has no `query` string.")
    if variables is not None and variables != "" and not isinstance(variables, dict):
        raise RequestProblem(400, "`variables` must be an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestProblem(400, "`operationName` must be a string.")
    return query, variables or None, operation_name or None


async def graphql_endpoint(request: Request) -> Response:
    try:
        return await _serve(request)
    finally:
        await request.close()  # uploaded files are spooled to temporary files


async def _serve(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    if request.method == "GET" and "query" not in request.query_params and "text/html" in accept:
        return _graphiql(request)
    media = _media_type(accept)
    try:
        if media is None:
            raise RequestProblem(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}.")
        if request.method == "GET":
            data: Any = dict(request.query_params)
            allowed = {OperationType.QUERY}
        elif request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == JSON:
                data = await _json_body(request)
            elif content_type == "multipart/form-data":
                data = await _multipart(request)
            else:
                raise RequestProblem(415, f"Send {JSON} (or multipart/form-data for uploads).")
            allowed = {OperationType.QUERY, OperationType.MUTATION}
        else:
            raise RequestProblem(405, "Use GET for queries or POST.", Allow="GET, POST")
        query, variables, operation_name = _params(data)
        context = build_context(request)
        try:
            result, context = await execute(
                request, query, variables, operation_name, allowed=allowed, context=context
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type == OperationType.SUBSCRIPTION:
                raise RequestProblem(
                    400, "Subscriptions are served over WebSocket, not over HTTP."
                ) from exc
            raise RequestProblem(405, "Mutations must be sent with POST.", Allow="POST") from exc
        except CannotGetOperationTypeError as exc:
            # A request error: 400 for graphql-response+json, 200 for legacy JSON clients.
            raise RequestProblem(
                400 if media == GRAPHQL_RESPONSE else 200,
                f"The document has no operation named {operation_name!r}.",
                code="UNKNOWN_OPERATION",
            ) from exc
    except RequestProblem as problem:
        return JSONResponse(
            {"errors": [{"message": problem.message, "extensions": {"code": problem.code}}]},
            status_code=problem.status,
            headers=problem.headers,
            media_type=media or JSON,
        )
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if context.executed:
        body["data"] = result.data
    if result.extensions:
        body["extensions"] = result.extensions
    status = 200
    if media == GRAPHQL_RESPONSE and not context.executed:
        status = 400
    response = JSONResponse(body, status_code=status, media_type=media)
    apply_cookies(response, context)
    return response
