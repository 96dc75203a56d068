"""A provider with an endpoint, and a worker whose settings let webhooks reach 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from backend.models.accounts import Role
from backend.models.enterprises import Provider
from backend.models.webhooks import SigningScheme
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.jobs.worker import Worker
from backend.services.webhooks import announce, endpoints
from backend.services.webhooks.events import EVENT_TYPES, ORDER_FORWARDED
from backend.settings import Settings
from tests.builders import user
from tests.conftest import SECRET
from tests.services.jobs.helpers import job_settings


async def admin() -> Actor:
    person = await user(Role.ADMIN)
    return Actor(user_id=person.id, roles=frozenset({Role.ADMIN}))


def hook_settings(**changes: Any) -> Settings:
    base = job_settings(
        secret_key=SECRET,
        webhook_allowed_hosts=("127.0.0.1",),
        webhook_retry_schedule=(5.0, 300.0, 1800.0),
        webhook_timeout_seconds=2.0,
    )
    return replace(base, **changes)


def worker(name: str = "test-worker", **changes: Any) -> Worker:
    from backend.services.jobs.jobs import HANDLERS

    return Worker(hook_settings(**changes), handlers=HANDLERS, name=name)


async def provider_with_endpoint(
    url: str,
    *,
    scheme: SigningScheme = SigningScheme.V1,
    event_types: tuple[str, ...] = EVENT_TYPES,
    name: str = "园区物业服务有限公司",
    settings: Settings | None = None,
) -> tuple[Provider, str | None]:
    provider = await Provider.create(name=name)
    configured = await endpoints.configure(
        await admin(),
        settings or hook_settings(),
        provider.id,
        endpoints.EndpointFields(url=url, event_types=list(event_types), scheme=scheme),
    )
    return provider, configured.secret


async def announce_now(
    provider_id: int,
    data: dict[str, Any],
    event_type: str = ORDER_FORWARDED,
    key: str | None = None,
) -> None:
    async with in_transaction() as conn:
        await announce(conn, provider_id=provider_id, event_type=event_type, data=data, key=key)
