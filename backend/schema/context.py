"""What every resolver sees: the actor, the language, the loaders, and what to send back.

The HTTP view and the web pages build the same context, so both faces run the same checks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import strawberry

from backend.services.accounts.throttle import CostLimiter, LoginThrottle
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach, reach_of
from backend.settings import Settings

SESSION_COOKIE = "sh_session"
CSRF_COOKIE = "sh_csrf"
LANGUAGE_COOKIE = "sh_lang"
REACH = "viewer_reach"  # the key of the viewer's reach among the loaders
DEVICE_COOKIE = "sh_device"


@dataclass
class CookieChange:
    name: str
    value: str | None  # None deletes the cookie
    max_age: int | None = None
    httponly: bool = True


@dataclass
class Context:
    actor: Actor
    settings: Settings
    throttle: LoginThrottle
    cost_limiter: CostLimiter
    client_address: str = ""
    user_agent: str = ""
    # The browser's device cookie (see `services/accounts/devices.py`), read by sign-in.
    device_cookie: str = ""
    # The `operationName` the request named, if any (a document of several needs one).
    operation_name: str | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    # Session and CSRF cookies a mutation (login, logout) asks the transport to set.
    cookies: list[CookieChange] = field(default_factory=list)
    # Set by the cost extension once the operation is admitted and starts executing.
    executed: bool = False
    cost: int | None = None

    @property
    def language(self) -> str:
        return self.actor.language

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor


def context_of(info: strawberry.Info) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context


async def viewer_reach(info: strawberry.Info) -> Reach:
    """The viewer's enterprises and teams, loaded once per request however many rows ask."""
    context = context_of(info)
    task = context.loaders.get(REACH)
    if task is None:
        task = context.loaders[REACH] = asyncio.ensure_future(reach_of(context.actor))
    reach: Reach = await task
    return reach
