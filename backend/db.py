"""Tortoise configuration: one app, `models`, migrated from `backend.models.migrations`."""

from __future__ import annotations

from typing import Any

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
    "backend.models.orders",
]


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
