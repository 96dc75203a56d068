"""Orders for a provider's item: forwarded from the transaction that opens them, acknowledged by
the provider's endpoint, re-routed by a supervisor; and what else the provider hears about them.

The announcement is a webhook delivery (`services.webhooks.announce`) written in the caller's
transaction, so an order is never forwarded without being opened, nor opened without being
forwarded. A payload carries what the provider needs and nothing the park keeps to itself:
the item, the due date, the applicant's answers and the ids of the materials, which the
provider fetches through the API with its token while the order is theirs (so nothing in a
payload expires while deliveries are retried). It stays under `MAX_PAYLOAD` bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.i18n import N_
from backend.models.applications import Application, ApplicationAttachment
from backend.models.catalog import ItemVersionProvider, ServiceItemVersion
from backend.models.enterprises import Provider
from backend.models.orders import Order, OrderStatus
from backend.services import webhooks
from backend.services.core.actors import Actor, as_system, require_user
from backend.services.core.errors import Invalid, Problems, register_messages
from backend.services.core.global_ids import encode_global_id
from backend.services.core.reach import reach_of
from backend.services.core.transactions import in_transaction
from backend.services.orders.policies import visible_order
from backend.services.orders.states import ORDER
from backend.services.webhooks import events as webhook_events
from backend.services.webhooks.deliveries import AcknowledgedDelivery

# The Standard Webhooks recommendation; the answers give way first (the provider asks the API).
MAX_PAYLOAD = 20_000
MAX_ANSWER = 2_000
MAX_REASON = 500

register_messages(
    {
        "NOT_ITS_PROVIDER": N_("This provider does not serve the item: choose one of its own."),
        "SAME_PROVIDER": N_("The order is already with this provider: choose another."),
    }
)


# -- which providers serve an item version ------------------------------------------------------


async def providers_serving(version_id: int, conn: BaseDBAsyncClient | None = None) -> list[int]:
    """The providers of an item version in the admin's order, the primary first."""
    rows = (
        await ItemVersionProvider.filter(item_version_id=version_id)
        .using_db(conn)
        .order_by("position", "id")
        .values_list("provider_id", flat=True)
    )
    return [int(str(r)) for r in rows]


async def write_providers(
    conn: BaseDBAsyncClient, version_id: int, provider_ids: Sequence[int]
) -> None:
    """Records that `provider_ids` (the primary first) serve the new version `version_id`."""
    await ItemVersionProvider.bulk_create(
        [
            ItemVersionProvider(item_version_id=version_id, provider_id=pid, position=i)
            for i, pid in enumerate(dict.fromkeys(provider_ids))
        ],
        using_db=conn,
    )


async def check_choice(
    problems: Problems, version_id: int | None, provider_id: int | None, field: str
) -> None:
    """An enterprise's choice of provider must be one that serves the version it applies for."""
    if provider_id is None or version_id is None:
        return
    if provider_id not in await providers_serving(version_id):
        problems.add(field, "NOT_ITS_PROVIDER")


async def provider_for(
    conn: BaseDBAsyncClient, version: ServiceItemVersion, application: Application
) -> int | None:
    """The enterprise's choice while it still serves the version, else the primary."""
    chosen = application.provider_id
    if chosen is not None and chosen in await providers_serving(version.id, conn):
        return chosen
    return version.provider_id


# -- what the provider is sent ------------------------------------------------------------------


def _fitted(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` under MAX_PAYLOAD: long answers cut, then the answers left to the API."""
    if len(json.dumps(payload, ensure_ascii=False).encode()) <= MAX_PAYLOAD:
        return payload
    answers = {
        k: v[:MAX_ANSWER] if isinstance(v, str) else v for k, v in payload["answers"].items()
    }
    fitted = {**payload, "answers": answers, "answersCut": True}
    if len(json.dumps(fitted, ensure_ascii=False).encode()) <= MAX_PAYLOAD:
        return fitted
    return {**payload, "answers": {}, "answersCut": True}


async def order_payload(conn: BaseDBAsyncClient, order: Order) -> dict[str, Any]:
    """The order as the provider needs it: enough to start work, nothing of the park's side."""
    version = await ServiceItemVersion.get(id=order.item_version_id, using_db=conn)
    application = await Application.get(id=order.application_id, using_db=conn)
    materials = (
        await ApplicationAttachment.filter(application_id=application.id)
        .using_db(conn)
        .order_by("id")
        .values("kind", "file_id", "file__original_name", "file__mime_type", "file__size")
    )
    enterprise_name = (
        await Application.filter(id=application.id)
        .using_db(conn)
        .values_list("enterprise__name", flat=True)
    )
    return _fitted(
        {
            "order": {
                "id": encode_global_id("Order", order.id),
                "number": order.number,
                "status": order.status.value,
                "dueAt": order.due_at.isoformat(),
                "timeLimitDays": version.time_limit_days,
                "version": order.version,
            },
            "serviceItem": {
                "id": encode_global_id("ServiceItem", order.item_id),
                "name": version.name_zh,
                "nameEn": version.name_en,
            },
            "enterprise": {"name": str(enterprise_name[0]) if enterprise_name else ""},
            "answers": dict(application.form_data or {}),
            "materials": [
                {
                    "kind": m["kind"],
                    "fileId": encode_global_id("File", m["file_id"]),
                    "name": m["file__original_name"],
                    "contentType": m["file__mime_type"],
                    "size": m["file__size"],
                }
                for m in materials
            ],
        }
    )


def _order_ref(order: Order) -> dict[str, Any]:
    return {
        "id": encode_global_id("Order", order.id),
        "number": order.number,
        "status": order.status.value,
        "version": order.version,
    }


async def forward(conn: BaseDBAsyncClient, order: Order) -> None:
    """Announces `order` (PENDING_FORWARD) to its provider, in the caller's transaction; the
    key makes one delivery per order and provider, however often this runs.

    A provider without an endpoint taking `order.forwarded` has nothing to acknowledge: it
    works its orders through the API with its token, so the order is FORWARDED at once (its
    staff see it in `orders` and hear it on `orderStatusChanged` from this commit)."""
    if order.provider_id is None:
        return
    if not await webhooks.subscribes(conn, order.provider_id, webhook_events.ORDER_FORWARDED):
        await ORDER.apply(
            conn, as_system(Actor()), order, "FORWARD_TO_API", expected_version=order.version,
            consequence=True, data={"provider": order.provider_id},
        )  # fmt: skip
        return
    await webhooks.announce(
        conn,
        provider_id=order.provider_id,
        event_type=webhook_events.ORDER_FORWARDED,
        data=await order_payload(conn, order),
        key=f"order:{order.id}:forwarded:{order.provider_id}:{order.version}",
    )


async def tell_provider(
    conn: BaseDBAsyncClient, order: Order, event_type: str, data: dict[str, Any]
) -> None:
    """Tells the provider that has `order` of something that happened to it (no-op for an
    order the park handles itself)."""
    if order.provider_id is None:
        return
    await webhooks.announce(
        conn,
        provider_id=order.provider_id,
        event_type=event_type,
        data={"order": _order_ref(order), **data},
    )


# -- the endpoint acknowledged ------------------------------------------------------------------


async def acknowledged(order_number: str, provider_id: int) -> Order | None:
    """The provider's endpoint took the forwarded order: PENDING_FORWARD -> FORWARDED. Safe to
    repeat, and a late acknowledgement from a provider the order was re-routed away from
    changes nothing. None when nothing changed."""
    async with in_transaction() as conn:
        order = await Order.get_or_none(number=order_number, using_db=conn)
        if (
            order is None
            or order.status is not OrderStatus.PENDING_FORWARD
            or order.provider_id != provider_id
        ):
            return None
        await ORDER.apply(
            conn, as_system(Actor()), order, "FORWARD_ACKNOWLEDGED",
            expected_version=order.version, consequence=True,
            data={"provider": provider_id},
        )  # fmt: skip
    return order


@webhooks.on_acknowledged(webhook_events.ORDER_FORWARDED)
async def _on_forward_acknowledged(delivery: AcknowledgedDelivery) -> None:
    order = delivery.data.get("order")
    if not isinstance(order, dict) or not isinstance(order.get("number"), str):
        return  # not an order this module forwarded (an admin's test delivery, say)
    await acknowledged(order["number"], delivery.provider_id)


# -- a supervisor re-routes ---------------------------------------------------------------------


async def reroute(
    actor: Actor, order_id: int, provider_id: int | None, reason: str, expected_version: int
) -> Order:
    """A supervisor sends a FORWARDED order to another provider of
    its item: FORWARDED -> PENDING_FORWARD, and the new provider is announced the order. With
    no provider named, the next of the item's providers after the current one."""
    require_user(actor)
    problems = Problems()
    note = " ".join(reason.split())
    if not note:
        problems.add("reason", "REQUIRED")
    elif len(note) > MAX_REASON:
        problems.add("reason", "TOO_LONG", max=MAX_REASON)
    problems.raise_if_any()
    async with in_transaction() as conn:
        order = await visible_order(actor, order_id, conn)
        reach = await reach_of(actor, conn)
        ORDER.check(actor, order, "REROUTE", reach, expected_version=expected_version)
        serving = await providers_serving(order.item_version_id, conn)
        if provider_id is None:
            others = [p for p in serving if p != order.provider_id]
            if not others:
                raise Invalid.at("providerId", "REQUIRED")
            at = serving.index(order.provider_id) if order.provider_id in serving else -1
            after = [p for p in serving[at + 1 :] if p != order.provider_id]
            provider_id = (after or others)[0]
        elif (
            provider_id not in serving
            or not await Provider.filter(id=provider_id).using_db(conn).exists()
        ):
            raise Invalid.at("providerId", "NOT_ITS_PROVIDER")
        elif provider_id == order.provider_id:
            raise Invalid.at("providerId", "SAME_PROVIDER")
        previous = order.provider_id
        await ORDER.apply(
            conn, actor, order, "REROUTE", expected_version=expected_version, reach=reach,
            changes={"provider_id": provider_id, "provider_staff": ""},
            data={"note": note, "fromProvider": previous, "toProvider": provider_id},
        )  # fmt: skip
        if previous is not None:
            await webhooks.announce(
                conn,
                provider_id=previous,
                event_type=webhook_events.ORDER_CANCELLED,
                data={"order": _order_ref(order), "reason": "REROUTED"},
            )
        await forward(conn, order)
    return order
