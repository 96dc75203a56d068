"""The Starlette application: settings, database lifespan, `/graphql`, downloads and the pages."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute
from tortoise.contrib.starlette import RegisterTortoise

from backend import i18n
from backend.db import tortoise_config
from backend.downloads import download
from backend.graphql_http import graphql_endpoint
from backend.schema.live.transport import LiveSocket
from backend.security import Gatekeeper
from backend.services.accounts import passwords
from backend.services.accounts.throttle import CostLimiter, LoginThrottle
from backend.services.evaluations import defaults as evaluation_defaults
from backend.services.evaluations import periods as evaluation_periods
from backend.services.evaluations import rectifications
from backend.services.jobs.worker import Worker
from backend.services.live import broker as live
from backend.services.notifications import mail, preferences
from backend.services.orders import time_limits, timers
from backend.settings import Settings, load_settings

# Importing a module registers its job handlers with the worker.
JOB_MODULES = (mail, timers, evaluation_defaults, rectifications)


@asynccontextmanager
async def _garbage_collection(settings: Settings) -> AsyncIterator[None]:
    """What start-up made (modules, the schema, templates) lives as long as the process:
    frozen, collections never walk it again; and the older generations are collected less
    often (`gc_thresholds`). Fanning one change out to a thousand subscribers, Python's
    defaults spent two thirds of the time collecting (bench/bench_subscribers.py)."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    if settings.gc_thresholds is not None:
        gc.set_threshold(*settings.gc_thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


@asynccontextmanager
async def _job_worker(settings: Settings) -> AsyncIterator[None]:
    """This process's job worker, from start-up to shutdown (unless turned off)."""
    if not settings.jobs_worker:
        yield
        return
    worker = Worker(settings)
    worker.start()
    try:
        yield
    finally:
        await worker.stop()


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """The app; `manage_database=False` when the caller (a test) has initialised Tortoise."""
    settings = settings or load_settings()
    settings.check()
    passwords.configure(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
        threads=settings.password_hash_threads,
    )
    i18n.configure(settings.locales_dir)
    preferences.configure(settings.smtp_url)
    time_limits.configure(
        due_soon_working_days=settings.due_soon_working_days,
        owed_reminder_working_days=settings.owed_reminder_working_days,
    )
    evaluation_periods.configure(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            if not manage_database:
                async with (
                    _job_worker(settings),
                    live.running(settings),
                    _garbage_collection(settings),
                ):
                    yield
                return
            async with (
                RegisterTortoise(
                    app, config=tortoise_config(settings.database_url), generate_schemas=False
                ),
                _job_worker(settings),
                live.running(settings),
                _garbage_collection(settings),
            ):
                yield
        finally:
            # The Redis pools behind the limiters are ours; memory storage closes to nothing.
            await app.state.throttle.close()
            await app.state.cost_limiter.close()

    from web.errors import csrf_refused, exception_handlers
    from web.routes import routes as page_routes
    from web.routes import static_mount

    routes: list[BaseRoute] = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        # Subscriptions (graphql-transport-ws); queries and mutations stay on HTTP.
        WebSocketRoute("/graphql", LiveSocket(settings)),
        Route("/files/{token}", download, methods=["GET"]),
        *page_routes,
        static_mount(),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        middleware=[Middleware(Gatekeeper, settings=settings, csrf_page=csrf_refused)],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,
    )
    app.state.settings = settings
    app.state.throttle = LoginThrottle(
        settings.rate_limit_storage,
        per_account_and_address=settings.login_failures_per_account_and_address,
        per_address=settings.login_failures_per_address,
        per_account=settings.login_failures_per_account,
        sign_ups_per_address=settings.sign_ups_per_address,
    )
    app.state.cost_limiter = CostLimiter(settings.rate_limit_storage, settings.cost_per_minute)
    return app
