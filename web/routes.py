"""Page routes. Each runs a named operation from `web/operations/` and renders a template."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from web import live
from web.pages import (
    account,
    admin,
    applications,
    auth,
    calendar,
    catalog,
    catalog_admin,
    desk,
    enterprises,
    inbox,
    orders,
    premises,
    tokens,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"

routes: list[BaseRoute] = [
    *auth.routes,
    *account.routes,
    *inbox.routes,
    *admin.routes,
    *calendar.routes,
    *tokens.routes,
    *enterprises.routes,
    *premises.routes,
    *applications.routes,
    *catalog.routes,
    *catalog_admin.routes,
    *orders.routes,
    *desk.routes,
    *live.routes,
]


def static_mount() -> Mount:
    return Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
