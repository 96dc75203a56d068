"""Tortoise configuration: one app, `models`, migrated from `backend.models.migrations`."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

# Imported for its side effect first: it registers Tortoise's own datetime adapter, which
# ours below must replace.
import tortoise.backends.sqlite.executor  # noqa: F401

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


def tortoise_config(database_url: str, *, timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
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
