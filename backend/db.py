"""Tortoise configuration: one app, `models`, migrated from `backend.models.migrations`.

Also the PostgreSQL connections' class (no reset work on check-in) and `StatementLog`, which
sees every statement the database driver sends, for the tests and benchmarks that count them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import asyncpg

# Imported for its side effect first: it registers Tortoise's own datetime adapter, which
# ours below must replace.
import tortoise.backends.sqlite.executor  # noqa: F401
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from backend import db_cancellation
from backend.settings import load_settings

# Wherever Tortoise is configured, its connection locks survive a cancelled query.
db_cancellation.install()

MODEL_MODULES = [
    "backend.models.accounts",
    "backend.models.applications",
    "backend.models.calendar",
    "backend.models.catalog",
    "backend.models.enterprises",
    "backend.models.events",
    "backend.models.files",
    "backend.models.evaluations",
    "backend.models.jobs",
    "backend.models.orders",
]


def _sqlite_timestamp(value: datetime) -> str:
    """An aware timestamp as SQLite text, always in UTC.

    SQLite keeps timestamps as text and compares them as strings, so a bound or value in
    another offset (a park-time midnight, `+08:00`) would sort by its local digits and miss
    rows; one offset for every stored and compared value makes string order time order.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(" ")


sqlite3.register_adapter(datetime, _sqlite_timestamp)


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled PostgreSQL connection that is handed back as it is.

    asyncpg's pool runs `Connection.get_reset_query()` on every check-in: `SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`, one more round trip per
    statement Tortoise sends (it checks a connection out for each). None of it undoes anything
    this app does: it takes no advisory locks, opens no cursors that outlive a checkout, never
    LISTENs (live updates go through Redis) and never SETs a session variable. What a checkout
    can leave behind that matters — an open or failed transaction — the pool still rolls back
    on check-in whatever this query is (`Connection._reset`); tests/test_db.py holds both.
    Whoever adds a SET, LISTEN, advisory lock or held cursor must put the reset back.
    """

    # Callbacks for every statement sent, while a `StatementLog` watches (tests, benchmarks).
    observers: ClassVar[set[Callable[[Any], None]]] = set()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for observer in PooledConnection.observers:
            self.add_query_logger(observer)

    def get_reset_query(self) -> str:
        return ""


def connection_config(database_url: str) -> str | dict[str, Any]:
    """A SQLite URL as it is; PostgreSQL as credentials, with `PooledConnection`."""
    if not database_url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        return database_url
    config = expand_db_url(database_url.replace("postgresql://", "postgres://", 1))
    config["credentials"]["connection_class"] = PooledConnection
    return config


def tortoise_config(database_url: str, *, timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "backend.models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _default_config() -> dict[str, Any]:
    settings = load_settings()
    return tortoise_config(settings.database_url)


# Read by the `tortoise` CLI through `[tool.tortoise]` in pyproject.toml.
TORTOISE_ORM = _default_config()


class StatementLog:
    """The statements the database driver sends while watching, as the server receives them.

    Counted where they leave the process, not from Tortoise's log (raw queries, transactions
    and the pool's own statements bypass that): on PostgreSQL every asyncpg connection of the
    pool gets a query logger (connections open when watching starts are replaced); on SQLite,
    `sqlite3`'s trace callback on the one connection. Transaction statements (BEGIN, COMMIT,
    SAVEPOINT) count like any other.
    """

    def __init__(self) -> None:
        self.statements: list[str] = []
        self._watching = False

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()

    def _logged(self, record: Any) -> None:
        if self._watching:
            self.statements.append(str(record.query))

    def _traced(self, statement: str) -> None:
        # A trigger's statements are traced as `-- ...` lines: the app did not send them.
        if self._watching and not statement.startswith("--"):
            self.statements.append(statement)

    async def start(self, connection_name: str = "default") -> None:
        self._watching = True
        client: Any = connections.get(connection_name)
        if client.capabilities.dialect == "sqlite":
            if client._connection is None:
                await client.create_connection(with_db=True)
            await client._connection.set_trace_callback(self._traced)
            return
        PooledConnection.observers.add(self._logged)
        if client._pool is not None:
            # Connections opened before watching have no logger: the pool replaces them
            # (as each is next checked out or handed back) with new ones that do.
            await client._pool.expire_connections()

    async def stop(self, connection_name: str = "default") -> None:
        self._watching = False
        PooledConnection.observers.discard(self._logged)
        client: Any = connections.get(connection_name)
        if client.capabilities.dialect == "sqlite":
            if client._connection is not None:
                await client._connection.set_trace_callback(None)
        elif client._pool is not None:
            await client._pool.expire_connections()
