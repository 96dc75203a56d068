"""Unexpected failures are masked, carry the request id, and leak nothing; expected ones are
userErrors whose codes their domain's enum lists."""

from __future__ import annotations

import ast
import dataclasses
import logging
from enum import Enum

import httpx2
import pytest
from graphql import GraphQLEnumType

from backend.app import create_app
from backend.schema.applications.errors import ApplicationErrorCode
from backend.schema.calendar.types import CalendarErrorCode
from backend.schema.catalog.errors import CatalogErrorCode
from backend.schema.enterprises.errors import (
    EnterpriseErrorCode,
    FileErrorCode,
    PremisesErrorCode,
    ProviderErrorCode,
)
from backend.schema.errors import AccountErrorCode, NotificationErrorCode, TeamErrorCode
from backend.schema.evaluations.errors import EvaluationErrorCode
from backend.schema.jobs.errors import JobErrorCode
from backend.schema.orders.errors import OrderErrorCode
from backend.services.accounts import accounts
from backend.services.core.errors import (
    MESSAGES,
    ForbiddenTransition,
    Invalid,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Stale,
    Throttled,
)
from backend.services.notifications import notifications
from backend.settings import ROOT, Settings
from tests.conftest import SECRET, Api
from tests.schema.helpers import codes


async def test_a_bug_is_masked_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await api.sign_up("赵磊", "13800138000")

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr(notifications, "unread_count", broken)
    with caplog.at_level(logging.ERROR):
        response = await api.post("{ me { name unreadNotificationCount } }")
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    assert codes(body) == ["INTERNAL_ERROR"]
    error = body["errors"][0]
    assert error["extensions"]["requestId"] == request_id
    assert request_id in error["message"]
    assert error["path"] == ["me", "unreadNotificationCount"]
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "db.internal" not in response.text
    # The rest of the answer is still there, and the details went to the log.
    assert body["data"]["me"] == {"name": "赵磊", "unreadNotificationCount": None}
    assert "hunter2" in caplog.text


async def test_a_bug_in_a_mutation_is_masked_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await api.sign_up("赵磊", "13800138000")

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(notifications, "mark_read", broken)
    response = await api.post(
        "mutation { markNotificationsRead(input: {}) { marked } }",
        headers={"X-Request-ID": "trace-abcdef123456"},
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "trace-abcdef123456"}
    assert response.headers["x-request-id"] == "trace-abcdef123456"
    assert "SELECT" not in response.text


async def test_expected_errors_are_not_masked(api: Api) -> None:
    body = (await api.post("{ notifications(first: 500) { totalCount } }")).json()
    assert codes(body) == ["BAD_PAGE_SIZE"]
    assert "requestId" not in body["errors"][0]["extensions"]


# --- the one mutation runner: every service problem becomes a userError of its domain's enum ---

UNLISTED = "NOT_A_CODE_ANY_DOMAIN_LISTS"
SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) {
    user { id } userErrors { field code message } } }"""
SIGN_UP_INPUT = {"input": {"name": "赵磊", "contact": "13800138000", "password": "long enough pw"}}


def _raise_unlisted(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unlisted(*args: object, **kwargs: object) -> object:
        raise Invalid.at("name", UNLISTED)

    monkeypatch.setattr(accounts, "sign_up", unlisted)


async def test_a_code_missing_from_the_domain_enum_fails_loudly(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _raise_unlisted(monkeypatch)
    with caplog.at_level(logging.ERROR):
        body = (await api.post(SIGN_UP, SIGN_UP_INPUT)).json()
    assert codes(body) == ["INTERNAL_ERROR"]
    assert body["data"] is None
    assert f"AccountErrorCode does not list {UNLISTED}" in caplog.text


async def test_in_production_a_missing_code_shows_as_invalid_and_is_logged(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _raise_unlisted(monkeypatch)
    # Production refuses weak hashing; the strength is never used here (the service is replaced).
    production = dataclasses.replace(
        settings, env="production", argon2_time_cost=3, argon2_memory_cost=65536
    )
    transport = httpx2.ASGITransport(app=create_app(production, manage_database=False))
    async with httpx2.AsyncClient(transport=transport, base_url="https://testserver") as client:
        api = Api(client, SECRET)
        with caplog.at_level(logging.ERROR):
            data = await api.gql(SIGN_UP, SIGN_UP_INPUT)
    assert data["signUp"]["user"] is None
    assert [(e["field"], e["code"]) for e in data["signUp"]["userErrors"]] == [
        (["name"], "INVALID")
    ]
    assert f"AccountErrorCode does not list {UNLISTED}" in caplog.text


def test_no_resolver_maps_service_errors_itself() -> None:
    """`run_mutation` is the only place a ServiceError becomes userErrors."""
    schema_dir = ROOT / "backend" / "schema"
    catching = [
        str(path.relative_to(ROOT))
        for path in sorted(schema_dir.rglob("*.py"))
        if path.name != "errors.py" and "except ServiceError" in path.read_text()
    ]
    assert catching == []


# Which service code each domain's mutations reach: a module (all of it), or some of its
# functions (with the functions of the same module they call). Codes an audit returns as its
# outcome (not raised) and codes of another domain's flow are left out by naming functions.
ACTORS_USER = "core.actors:require_user"
ACTORS = "core.actors"
KEYS = "core.idempotency"
REACH: dict[type[Enum], list[str]] = {
    AccountErrorCode: [
        "accounts.accounts",
        "accounts.tokens",
        "accounts.throttle",
        "accounts.email",
        ACTORS,
        KEYS,
    ],
    TeamErrorCode: ["teams.teams", ACTORS, KEYS],
    CalendarErrorCode: ["calendar.calendar", ACTORS],
    CatalogErrorCode: [
        "catalog.catalog",
        "catalog.pins",
        "catalog.forms:check_definition",
        "applications.audit_rules:check_rules,_check_operator,_check_same_kind,_check_limits,"
        "_check_months,_field,_all,_no_config,_check_mirror",
        ACTORS,
        KEYS,
    ],
    ApplicationErrorCode: [
        "applications.applications:save_draft,submit,check",
        "applications.reviews",
        ACTORS,
        KEYS,
    ],
    OrderErrorCode: [
        "orders.assignment",
        "orders.orders",
        "orders.updates",
        "orders.conversation",
        "orders.attachments",
        "orders.owed",
        "orders.steps",
        "orders.time_limits",
        "applications.audit:material_problems",
        ACTORS,
        KEYS,
    ],
    NotificationErrorCode: [
        "notifications.notifications",
        "notifications.preferences",
        ACTORS_USER,
    ],
    JobErrorCode: ["jobs.jobs", ACTORS],
    EvaluationErrorCode: [
        "evaluations.evaluations",
        "evaluations.rectifications",
        "orders.policies:visible_order",
        ACTORS,
    ],
    EnterpriseErrorCode: ["enterprises.enterprises", "enterprises.credit_codes", ACTORS, KEYS],
    PremisesErrorCode: ["enterprises.premises", ACTORS, KEYS],
    ProviderErrorCode: ["enterprises.providers", ACTORS, KEYS],
    FileErrorCode: ["files.uploads", "applications.applications:attachment_policy", ACTORS_USER],
}
DEFAULT_CODES = {
    cls.__name__: cls.default_code
    for cls in (NotFound, PermissionDenied, Stale, ForbiddenTransition, Throttled, NotAuthenticated)
}


def _codes_in(nodes: list[ast.AST]) -> set[str]:
    found: set[str] = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if isinstance(node, ast.Constant) and node.value in MESSAGES:
            found.add(node.value)
        elif isinstance(node, ast.Name) and node.id in DEFAULT_CODES:
            found.add(DEFAULT_CODES[node.id])
    return found


def _reached_codes(spec: str) -> set[str]:
    module, _, names = spec.partition(":")
    tree = ast.parse(
        (ROOT / "backend" / "services" / (module.replace(".", "/") + ".py")).read_text()
    )
    if not names:
        return _codes_in([tree])
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    todo, seen = [n for n in names.split(",")], set()
    while todo:
        name = todo.pop()
        assert name in functions, f"{module} has no function {name}"
        seen.add(name)
        todo += [
            n.id
            for n in ast.walk(functions[name])
            if isinstance(n, ast.Name) and n.id in functions and n.id not in seen
        ]
    return _codes_in([functions[name] for name in seen])


@pytest.mark.parametrize("enum", list(REACH), ids=lambda enum: enum.__name__)
def test_every_code_a_domain_raises_is_in_its_enum(enum: type[Enum]) -> None:
    reached = set().union(*(_reached_codes(spec) for spec in REACH[enum]))
    assert reached  # the scan found the codes it is meant to find
    assert sorted(reached - set(enum.__members__)) == []


def test_every_error_enum_is_checked() -> None:
    from backend.schema import schema

    in_schema = {
        name
        for name, graphql_type in schema._schema.type_map.items()
        if isinstance(graphql_type, GraphQLEnumType) and name.endswith("ErrorCode")
    }
    assert in_schema == {enum.__name__ for enum in REACH}


def _graphql_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("strawberry", "servicehall.graphql"))]


async def test_expected_refusals_are_logged_on_one_line_below_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    refusals = [
        "{ nothingHere }",  # validation
        '{ node(id: "not-an-id") { id } }',  # a malformed id
        "{ notifications(first: 500) { totalCount } }",  # a bad page size
        "query A { me { id } } query B { me { id } }",  # admission: which operation?
    ]
    with caplog.at_level(logging.DEBUG):
        for query in refusals:
            body = (await api.post(query)).json()
            assert "INTERNAL_ERROR" not in str(body), body
    records = _graphql_records(caplog)
    assert len(records) == len(refusals)
    assert {r.levelno for r in records} == {logging.INFO}
    assert not any(r.exc_info for r in records)
    messages = [r.getMessage() for r in records]
    assert any("BAD_PAGE_SIZE" in m for m in messages), messages
    assert any("OPERATION_NAME_REQUIRED" in m for m in messages), messages


async def test_a_bug_is_logged_at_error_with_its_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await api.sign_up("赵磊", "13800138000")

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr(notifications, "unread_count", broken)
    with caplog.at_level(logging.DEBUG):
        await api.post("{ me { unreadNotificationCount } }")
    records = _graphql_records(caplog)
    assert [r.levelno for r in records] == [logging.ERROR]
    exc_info = records[0].exc_info
    assert exc_info and isinstance(exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text
