"""A running app for generated tests: one event loop, one database, a client per role.

Hypothesis runs each example as a plain call, so the async app lives on an `asyncio.Runner`
that this fixture owns; every example runs its request on that same loop and database.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from tortoise.context import TortoiseContext

from backend.app import create_app
from backend.db import tortoise_config
from tests.conftest import PASSWORD, SECRET, Api, make_user, settings_for

T = TypeVar("T")
ROLES = ("anonymous", "applicant", "admin")
LOGINS = {"applicant": ("13900139000", ["APPLICANT"]), "admin": ("admin@example.com", ["ADMIN"])}


@dataclass
class FuzzWorld:
    runner: asyncio.Runner
    app: Any
    clients: dict[str, Api] = field(default_factory=dict)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def new_client(self, address: str) -> Api:
        transport = httpx2.ASGITransport(app=self.app, client=(address, 50000))
        return Api(httpx2.AsyncClient(transport=transport, base_url="http://testserver"), SECRET)


async def _signed_in(world: FuzzWorld, role: str, address: str) -> Api:
    client = world.new_client(address)
    if role in LOGINS:
        login, roles = LOGINS[role]
        await make_user(login, roles, name=f"{role}-fuzz")
        result = await client.login(login, PASSWORD)
        assert result["userErrors"] == [], result
    return client


@contextmanager
def running_world(template: Path, folder: Path) -> Iterator[FuzzWorld]:
    """The app on a copy of the migrated `template`, with a signed-in client per role."""
    copy = folder / "fuzz.sqlite3"
    shutil.copyfile(template, copy)
    database_url = f"sqlite://{copy}"
    with asyncio.Runner() as runner:
        context = TortoiseContext()
        runner.run(context.__aenter__())
        runner.run(context.init(config=tortoise_config(database_url)))
        world = FuzzWorld(runner, create_app(settings_for(database_url), manage_database=False))
        for number, role in enumerate(ROLES, start=10):
            world.clients[role] = runner.run(_signed_in(world, role, f"198.51.100.{number}"))
        yield world
        for client in world.clients.values():
            runner.run(client.client.aclose())
        runner.run(context.__aexit__(None, None, None))
