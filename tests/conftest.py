"""Test fixtures: a migrated database per test, the real ASGI app, and a GraphQL client.

The schema is migrated once per run into a template (a SQLite file, or a PostgreSQL template
database); each test gets a copy, so tests see exactly what `servicehall migrate` builds.

`SERVICEHALL_TEST_BACKEND=postgres` runs the tests marked `postgres` against PostgreSQL
(`SERVICEHALL_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx2
import pytest
from tortoise.context import TortoiseContext

from backend.app import create_app
from backend.db import StatementLog, tortoise_config
from backend.schema.context import CSRF_COOKIE, SESSION_COOKIE
from backend.security import csrf_token_for
from backend.settings import ROOT, Settings

BACKEND = os.environ.get("SERVICEHALL_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("SERVICEHALL_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SERVICEHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"
SECRET = "test-secret-key-that-is-long-enough-for-production-checks"
PASSWORD = "correct horse battery"
_counter = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    if BACKEND == "postgres":
        config.option.markexpr = config.option.markexpr or "postgres"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of PostgreSQL-only behaviour leave the SQLite pass (deselected, never skipped)."""
    if BACKEND == "postgres":
        return
    kept = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _pg_admin_url() -> str:
    return PG_URL.replace("postgres://", "postgresql://", 1)


def _pg_url_for(database: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{database}"


def _migrate(database_url: str) -> None:
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite://{path}")
    return path


async def _pg_execute(sql: str) -> None:
    connection = await asyncpg.connect(_pg_admin_url())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    import asyncio

    name = f"sh_template_{os.getpid()}"
    try:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}"'))
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {PG_URL} is not reachable ({exc}): PostgreSQL tests skipped"
        if IN_CI:
            pytest.fail(message)
        print(f"\n!!! {message} !!!", file=sys.stderr)
        pytest.skip(message)
    _migrate(_pg_url_for(name))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def require_redis(url: str = REDIS_URL) -> str:
    """The test Redis URL; a missing Redis skips locally but fails CI, like PostgreSQL."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis is not reachable at {url} ({exc}): Redis tests skipped"
        if IN_CI:
            pytest.fail(message)
        print(f"\n!!! {message} !!!", file=sys.stderr)
        pytest.skip(message)
    finally:
        client.close()
    return url


@pytest.fixture
def redis_url() -> str:
    return require_redis()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if BACKEND == "postgres":
        template = request.getfixturevalue("pg_template")
        yield f"pg:{template}"
    else:
        template_path = request.getfixturevalue("sqlite_template")
        copy = tmp_path / "test.sqlite3"
        shutil.copyfile(template_path, copy)
        yield f"sqlite://{copy}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """A migrated, empty database for this test, initialised for Tortoise."""
    url = database_url
    created: str | None = None
    if url.startswith("pg:"):
        created = f"sh_test_{os.getpid()}_{next(_counter)}"
        await _pg_execute(f'CREATE DATABASE "{created}" TEMPLATE "{url[3:]}"')
        url = _pg_url_for(created)
    context = TortoiseContext()
    async with context:
        await context.init(config=tortoise_config(url))
        yield url
    if created:
        await _pg_execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def settings_for(database_url: str) -> Settings:
    """The app's settings in tests: fast hashing, tight throttles, a fixed secret."""
    return Settings(
        secret_key=SECRET,
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        login_failures_per_account_and_address="5/15 minutes",
        login_failures_per_address="20/15 minutes",
        login_failures_per_account="50/hour",
        # Tests sign many people up from one test address; the sign-up limit has its own tests.
        sign_ups_per_address="1000/hour",
    )


@pytest.fixture
def settings(db: str) -> Settings:
    return settings_for(db)


@pytest.fixture
def app(settings: Settings) -> Any:
    return create_app(settings, manage_database=False)


class Api:
    """A browser-like client: keeps cookies and sends the CSRF token the way pages do."""

    def __init__(self, client: httpx2.AsyncClient, secret: str) -> None:
        self.client = client
        self.secret = secret
        self.token: str | None = None

    def csrf(self) -> str:
        """The token the pages would hold: bound to the session if the client has one."""
        return csrf_token_for(
            self.secret,
            session_cookie=self.client.cookies.get(SESSION_COOKIE),
            visitor_id=self.client.cookies.get(CSRF_COOKIE) or "",
        )

    async def prime(self) -> None:
        """Fetches a page once so the visitor has a CSRF cookie, as a browser would."""
        if not self.client.cookies.get(CSRF_COOKIE):
            await self.client.get("/graphql", params={"query": "{ __typename }"})

    async def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            await self.prime()
            headers.setdefault("X-CSRF-Token", self.csrf())
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kw
        )

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Runs an operation that must not fail at the GraphQL level; returns `data`."""
        response = await self.post(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def sign_up(self, name: str, contact: str, password: str = PASSWORD) -> dict[str, Any]:
        data = await self.gql(
            """mutation($input: SignUpInput!) { signUp(input: $input) {
                 user { id name roles } userErrors { field code message } } }""",
            {"input": {"name": name, "contact": contact, "password": password}},
        )
        return data["signUp"]

    async def login(self, identifier: str, password: str = PASSWORD) -> dict[str, Any]:
        data = await self.gql(
            """mutation($input: LoginInput!) { login(input: $input) {
                 user { id name roles } userErrors { field code message } } }""",
            {"input": {"identifier": identifier, "password": password}},
        )
        return data["login"]


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def api(client: httpx2.AsyncClient) -> Api:
    return Api(client, SECRET)


@pytest.fixture
async def new_api(app: Any) -> AsyncIterator[Any]:
    """Makes more independent clients (other browsers, other people) on the same app."""
    clients: list[httpx2.AsyncClient] = []

    def make(address: str = "198.51.100.9") -> Api:
        transport = httpx2.ASGITransport(app=app, client=(address, 50001))
        c = httpx2.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(c)
        return Api(c, SECRET)

    yield make
    for c in clients:
        await c.aclose()


async def make_user(login: str, roles: list[str], name: str = "测试用户") -> Any:
    """A user created directly (as the CLI does), for tests that need staff."""
    from backend.models.accounts import Role
    from backend.services.accounts import accounts

    return await accounts.create_user_directly(name, login, PASSWORD, [Role(r) for r in roles])


# The name tests annotate the fixture with.
QueryCounter = StatementLog


@pytest.fixture
async def sql_counter(db: str) -> AsyncIterator[StatementLog]:
    """Every statement the database driver sends during the test (`count`, `statements`,
    `reset()`): counted at the driver, so raw queries, transactions and the pool's own work
    count too (`backend.db.StatementLog`)."""
    log = StatementLog()
    await log.start()
    yield log
    await log.stop()
