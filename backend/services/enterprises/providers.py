"""Third-party service providers: the platforms PROVIDER-fulfilled items forward orders to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.models.catalog import ItemStatus, ServiceItem
from backend.models.enterprises import Provider
from backend.services.accounts.accounts import EMAIL
from backend.services.core import events, idempotency
from backend.services.core.actors import Actor, require_user
from backend.services.core.errors import Invalid, PermissionDenied, Problems, ServiceError
from backend.services.core.states import bump_version
from backend.services.core.transactions import in_transaction
from backend.services.enterprises.enterprises import normalise_phone
from backend.services.enterprises.policies import can_manage_providers


@dataclass(frozen=True)
class ProviderFields:
    name: str
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""
    description: str = ""
    active: bool = True


def _require_admin(actor: Actor) -> None:
    require_user(actor)
    if not can_manage_providers(actor):
        raise PermissionDenied()


async def _check(fields: ProviderFields, provider_id: int | None = None) -> dict[str, object]:
    problems = Problems()
    name = " ".join(fields.name.split())
    if not name:
        problems.add("name", "REQUIRED")
    elif len(name) > 200:
        problems.add("name", "TOO_LONG", max=200)
    else:
        same = Provider.filter(name=name)
        if provider_id is not None:
            same = same.exclude(id=provider_id)
        if await same.exists():
            problems.add("name", "NAME_TAKEN")
    contact_name = " ".join(fields.contact_name.split())
    if len(contact_name) > 100:
        problems.add("contactName", "TOO_LONG", max=100)
    phone = ""
    if fields.contact_phone.strip():
        phone = normalise_phone(fields.contact_phone) or ""
        if not phone:
            problems.add("contactPhone", "INVALID_CONTACT_PHONE")
    email = fields.email.strip().lower()
    if email and (not EMAIL.match(email) or len(email) > 254):
        problems.add("email", "INVALID_EMAIL")
    if len(fields.description) > 5000:
        problems.add("description", "TOO_LONG", max=5000)
    problems.raise_if_any()
    return {
        "name": name,
        "contact_name": contact_name,
        "contact_phone": phone,
        "email": email,
        "description": fields.description.strip(),
        "active": fields.active,
    }


async def create_provider(
    actor: Actor, fields: ProviderFields, idempotency_key: str | None = None
) -> Provider:
    _require_admin(actor)
    claim = await idempotency.claim(actor, idempotency_key, "createProvider", Provider)
    if claim.first is not None:
        return claim.first
    try:
        columns = await _check(fields)
    except ServiceError as exc:
        return await claim.after(exc)

    async def write(conn: BaseDBAsyncClient) -> Provider:
        provider = await Provider.create(**columns, using_db=conn)
        await events.record(conn, actor, "provider", provider.id, "PROVIDER_CREATED")
        return provider

    provider, _ = await claim.run(write, conflict=lambda: Invalid.at("name", "NAME_TAKEN"))
    return provider


async def update_provider(
    actor: Actor, provider_id: int, fields: ProviderFields, expected_version: int
) -> Provider:
    _require_admin(actor)
    if not await Provider.filter(id=provider_id).exists():
        raise Invalid.at("providerId", "NOT_FOUND")
    columns = await _check(fields, provider_id)
    try:
        async with in_transaction() as conn:
            await bump_version(conn, Provider, provider_id, expected_version)
            await Provider.filter(id=provider_id).using_db(conn).update(**columns)
            await events.record(
                conn,
                actor,
                "provider",
                provider_id,
                "PROVIDER_UPDATED",
                {"name": columns["name"], "active": columns["active"]},
            )
    except IntegrityError as exc:
        raise Invalid.at("name", "NAME_TAKEN") from exc
    return await Provider.get(id=provider_id)


@dataclass(frozen=True)
class ServedItem:
    item_id: int
    name_zh: str
    name_en: str


async def items_served(provider_ids: Sequence[int]) -> dict[int, list[ServedItem]]:
    """The published items each provider serves (their live version lists it), by position:
    one statement for any number of providers (the directory)."""
    found: dict[int, list[ServedItem]] = {pk: [] for pk in provider_ids}
    if not found:
        return found
    rows = (
        await ServiceItem.filter(
            status=ItemStatus.PUBLISHED, live_version__served_by__provider_id__in=list(found)
        )
        .order_by("category_id", "position", "id")
        .values("id", "name_zh", "name_en", provider="live_version__served_by__provider_id")
    )
    for r in rows:
        found[int(r["provider"])].append(ServedItem(r["id"], r["name_zh"], r["name_en"]))
    return found
