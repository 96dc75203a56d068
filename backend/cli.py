"""The `servicehall` command: serve, migrate, seed, create-user, export-schema, states,
recount-orders."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.settings import ROOT, Settings, SettingsError, load_settings


async def _migrate(settings: Settings) -> None:
    from tortoise.migrations.api import migrate

    if settings.database_url.startswith("sqlite://"):
        path = settings.database_url.removeprefix("sqlite://").split("?")[0]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        await migrate(config=tortoise_config(settings.database_url))
    finally:
        await Tortoise.close_connections()


async def _with_db(settings: Settings, work: Awaitable[object]) -> None:
    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        await work
    finally:
        await Tortoise.close_connections()


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    asyncio.run(_migrate(settings))
    print("Database is up to date.")
    return 0


def cmd_seed(settings: Settings, _: argparse.Namespace) -> int:
    from backend.demo import seed as demo
    from backend.services.accounts import passwords

    passwords.configure(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
        threads=settings.password_hash_threads,
    )

    async def run() -> None:
        created = await demo.seed(settings.timezone)
        print("Demo data is in place" + (" (created now)." if created else " (kept)."))

    asyncio.run(_with_db(settings, run()))
    print_logins()
    return 0


def cmd_recount_orders(settings: Settings, _: argparse.Namespace) -> int:
    """Counts the cockpit's day counters afresh from the orders, by the park's time zone: after
    changing `SERVICEHALL_TIMEZONE`, or loading orders around the service."""
    from backend.services.core.transactions import in_transaction
    from backend.services.orders import day_counts

    async def run() -> None:
        async with in_transaction() as conn:
            await day_counts.recount(conn, settings.timezone)

    asyncio.run(_with_db(settings, run()))
    print(f"Orders counted by day ({settings.timezone}).")
    return 0


def print_logins() -> None:
    from backend.demo.seed import DEMO_PASSWORD, DEMO_USERS

    print("\nDemo logins (password for all: " + DEMO_PASSWORD + "):")
    for user in DEMO_USERS:
        print(f"  {user.role.value.lower():<11} {user.login:<32} {user.name}")


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from backend.models.accounts import Role
    from backend.services.accounts import accounts, passwords
    from backend.services.core.errors import ServiceError

    passwords.configure(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
        threads=settings.password_hash_threads,
    )
    password = args.password or getpass.getpass("Password: ")
    roles = [Role(r.upper()) for r in args.role]

    async def run() -> None:
        try:
            user = await accounts.create_user_directly(args.name, args.login, password, roles)
        except ServiceError as exc:
            for problem in exc.problems:
                print(f"{'.'.join(problem.field) or 'input'}: {problem.message('en')}")
            raise SystemExit(1) from exc
        print(f"Created user {user.id} ({args.login}) with roles {', '.join(args.role)}.")

    asyncio.run(_with_db(settings, run()))
    return 0


def cmd_export_schema(_: Settings, args: argparse.Namespace) -> int:
    from backend.schema import schema

    text = str(schema).rstrip() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}.")
    return 0


def state_tables() -> str:
    """Every aggregate's action table, as docs/states.md has it."""
    from backend.services.applications.states import APPLICATION
    from backend.services.appointments.states import APPOINTMENT
    from backend.services.catalog.states import ITEM
    from backend.services.core.states import markdown
    from backend.services.enterprises.states import ENTERPRISE
    from backend.services.evaluations.states import EVALUATION, RECTIFICATION
    from backend.services.orders.states import ORDER
    from backend.services.service_requests.states import REQUEST

    return markdown(
        [APPLICATION, ORDER, ENTERPRISE, ITEM, REQUEST, EVALUATION, RECTIFICATION, APPOINTMENT]
    )


def cmd_states(_: Settings, args: argparse.Namespace) -> int:
    text = state_tables()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}.")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.logs import configure_logging

    if settings.database_url.startswith("sqlite") and args.workers > 1:
        print("SQLite serves one process; use PostgreSQL (SERVICEHALL_DATABASE_URL) for more.")
        return 2
    configure_logging()
    options: dict[str, Any] = {
        "host": args.host or settings.host,
        "port": args.port or settings.port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
        # Open event streams are told to end first (backend/serving.py); this bounds the wait
        # where they are not (several workers) and for any other request that hangs.
        "timeout_graceful_shutdown": 10,
    }
    if args.workers > 1:
        uvicorn.run("backend.app:create_app", factory=True, workers=args.workers, **options)
        return 0
    from backend.serving import Server

    config = uvicorn.Config("backend.app:create_app", factory=True, **options)
    Server(config).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="servicehall", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve)
    commands.add_parser("migrate", help="apply the schema migrations").set_defaults(run=cmd_migrate)
    commands.add_parser("seed", help="add demo data (kept if present)").set_defaults(run=cmd_seed)
    create = commands.add_parser("create-user", help="create a user with roles")
    create.add_argument("--name", required=True)
    create.add_argument("--login", required=True, help="mobile number or e-mail")
    create.add_argument("--role", action="append", required=True, help="repeat for more roles")
    create.add_argument("--password", help="asked for when omitted")
    create.set_defaults(run=cmd_create_user)
    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", "-o", default=str(ROOT / "schema.graphql"))
    export.set_defaults(run=cmd_export_schema)
    states = commands.add_parser("states", help="print the action tables (or write docs/states.md)")
    states.add_argument("--output", "-o", default="-", help="a file, e.g. docs/states.md")
    states.set_defaults(run=cmd_states)
    commands.add_parser(
        "recount-orders", help="count the cockpit's orders per day afresh"
    ).set_defaults(run=cmd_recount_orders)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"servicehall: {exc}", file=sys.stderr)
        return 2
    return int(args.run(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
