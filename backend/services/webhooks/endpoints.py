"""A provider's webhook endpoint, configured by admins: where, which event types, how signed.

Secrets are made here, never typed in: a `v1` secret is shown once, in the answer to the
change that made it, and never read back; a `v1a` key pair keeps its private half here and
publishes the public half with the provider's record. A new key (a rotation, or a change of
scheme) leaves the old one signing alongside for `webhook_rotation_hours`, so a provider can
switch without missing a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.enterprises import Provider
from backend.models.webhooks import EndpointState, SigningScheme, WebhookEndpoint, WebhookSecret
from backend.services.core import clock, events
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import (
    Invalid,
    PermissionDenied,
    Problems,
    register_messages,
)
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.webhooks import sending, signing
from backend.services.webhooks.events import EVENT_TYPES
from backend.services.webhooks.policies import can_manage_webhooks
from backend.settings import Settings

register_messages(
    {
        "INVALID_URL": N_("Enter an http:// or https:// address without a user name or password."),
        "PRIVATE_ADDRESS": N_(
            "This address is on a private or local network; webhooks only go to public ones."
        ),
        "UNKNOWN_EVENT_TYPE": N_("Choose event types from the list."),
        "NO_ENDPOINT": N_("This provider has no webhook endpoint yet."),
    }
)

MAX_URL = 2000


@dataclass(frozen=True)
class EndpointFields:
    url: str
    event_types: list[str]
    scheme: SigningScheme = SigningScheme.V1
    enabled: bool = True


@dataclass(frozen=True)
class Configured:
    endpoint: WebhookEndpoint
    # A `v1` secret made by this change: shown to the admin this once.
    secret: str | None


def _require_admin(actor: Actor) -> None:
    require_user(actor)
    if not can_manage_webhooks(actor):
        raise PermissionDenied()


def _check(settings: Settings, fields: EndpointFields) -> tuple[str, list[str]]:
    problems = Problems()
    url = fields.url.strip()
    if not url:
        problems.add("url", "REQUIRED")
    elif len(url) > MAX_URL:
        problems.add("url", "TOO_LONG", max=MAX_URL)
    else:
        problem = sending.check_url(url, settings.webhook_allowed_hosts)
        if problem is not None:
            problems.add("url", problem)
    wanted = list(dict.fromkeys(fields.event_types))
    if not wanted:
        problems.add("eventTypes", "REQUIRED")
    elif any(kind not in EVENT_TYPES for kind in wanted):
        problems.add("eventTypes", "UNKNOWN_EVENT_TYPE")
    problems.raise_if_any()
    return url, [kind for kind in EVENT_TYPES if kind in wanted]


async def configure(
    actor: Actor,
    settings: Settings,
    provider_id: int,
    fields: EndpointFields,
    expected_version: int | None = None,
) -> Configured:
    """Creates or changes the provider's endpoint. Enabling it again clears what disabled it;
    a new scheme gets a new key, the old one rotating out."""
    _require_admin(actor)
    if not await Provider.filter(id=provider_id).exists():
        raise Invalid.at("providerId", "NOT_FOUND")
    url, event_types = _check(settings, fields)
    now = clock.now()
    state = EndpointState.ENABLED if fields.enabled else EndpointState.DISABLED
    async with in_transaction() as conn:
        endpoint = (
            await WebhookEndpoint.filter(provider_id=provider_id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        secret: str | None = None
        if endpoint is None:
            endpoint = await WebhookEndpoint.create(
                provider_id=provider_id,
                url=url,
                event_types=event_types,
                scheme=fields.scheme,
                state=state,
                state_changed_at=now,
                created_at=now,
                using_db=conn,
            )
            secret = await _new_key(conn, settings, endpoint, fields.scheme)
        else:
            await bump_version(conn, WebhookEndpoint, endpoint.id, expected_version)
            changes: dict[str, object] = {"url": url, "event_types": event_types}
            if state is not endpoint.state and (
                state is EndpointState.ENABLED or endpoint.state is EndpointState.ENABLED
            ):
                changes.update(state=state, state_changed_at=now, paused_until=None)
            if fields.scheme is not endpoint.scheme:
                changes["scheme"] = fields.scheme
                secret = await _new_key(conn, settings, endpoint, fields.scheme)
            await WebhookEndpoint.filter(id=endpoint.id).using_db(conn).update(**changes)
        await events.record(
            conn,
            actor,
            "provider",
            provider_id,
            "WEBHOOK_ENDPOINT_CONFIGURED",
            {
                "url": url,
                "eventTypes": event_types,
                "scheme": fields.scheme.value,
                "enabled": fields.enabled,
            },
        )
    return Configured(await WebhookEndpoint.get(id=endpoint.id), secret)


async def rotate_secret(actor: Actor, settings: Settings, provider_id: int) -> Configured:
    """A new key for the endpoint's scheme; the others keep signing for the rotation window."""
    _require_admin(actor)
    async with in_transaction() as conn:
        endpoint = (
            await WebhookEndpoint.filter(provider_id=provider_id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if endpoint is None:
            raise Invalid.at("providerId", "NO_ENDPOINT")
        await bump_version(conn, WebhookEndpoint, endpoint.id, None)
        secret = await _new_key(conn, settings, endpoint, endpoint.scheme)
        await events.record(
            conn,
            actor,
            "provider",
            provider_id,
            "WEBHOOK_SECRET_ROTATED",
            {"scheme": endpoint.scheme.value},
        )
    return Configured(await WebhookEndpoint.get(id=endpoint.id), secret)


async def _new_key(
    conn: BaseDBAsyncClient,
    settings: Settings,
    endpoint: WebhookEndpoint,
    scheme: SigningScheme,
) -> str | None:
    now = clock.now()
    window = now + timedelta(hours=settings.webhook_rotation_hours)
    # Keys still current stop at the end of the window; keys already ending keep their end.
    await (
        WebhookSecret.filter(endpoint_id=endpoint.id, expires_at__isnull=True)
        .using_db(conn)
        .update(expires_at=window)
    )
    key = signing.generate(scheme)
    await WebhookSecret.create(
        endpoint_id=endpoint.id,
        scheme=scheme,
        sealed=signing.seal(settings.secret_key, key.secret),
        public_key=key.public_key,
        fingerprint=key.fingerprint,
        created_at=now,
        using_db=conn,
    )
    return key.secret if scheme is SigningScheme.V1 else None


def _still_signs(expires_at: datetime | None, now: datetime) -> bool:
    """A key signs until its rotation's overlap ends; the current one has no end."""
    return expires_at is None or expires_at > now


async def live_keys(endpoint_id: int) -> list[WebhookSecret]:
    """The endpoint's keys that still sign, newest first (what the API describes)."""
    now = clock.now()
    rows = await WebhookSecret.filter(endpoint_id=endpoint_id).order_by("-id")
    return [row for row in rows if _still_signs(row.expires_at, now)]


async def live_public_keys() -> dict[int, list[str]]:
    """Every provider's `whpk_` keys that verify its deliveries now (v1a), newest first, by
    provider id: one statement, so a list of providers costs no more than one."""
    now = clock.now()
    keys: dict[int, list[str]] = {}
    rows = (
        await WebhookSecret.filter(public_key__not="")
        .order_by("-id")
        .values("endpoint__provider_id", "public_key", "expires_at")
    )
    for row in rows:
        if _still_signs(row["expires_at"], now):
            keys.setdefault(row["endpoint__provider_id"], []).append(row["public_key"])
    return keys
