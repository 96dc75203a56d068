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
    appointments,
    auth,
    calendar,
    catalog,
    catalog_admin,
    dashboard,
    desk,
    enterprises,
    evaluations,
    inbox,
    orders,
    premises,
    providers,
    service_requests,
    tokens,
    webhooks,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"

routes: list[BaseRoute] = [
    *auth.routes,
    *account.routes,
    *inbox.routes,
    *admin.routes,
    *calendar.routes,
    *tokens.routes,
    # Before the enterprises' routes: /enterprises/service-requests is not an enterprise id.
    *service_requests.routes,
    *enterprises.routes,
    *premises.routes,
    *webhooks.routes,
    *applications.routes,
    *catalog.routes,
    *appointments.routes,
    *catalog_admin.routes,
    *evaluations.routes,
    *orders.routes,
    *desk.routes,
    *providers.routes,
    *dashboard.routes,
    *live.routes,
]


def static_mount() -> Mount:
    return Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
