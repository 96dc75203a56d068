"""What an order shows of its owed (容缺) materials, loaded per request by a `RowLoader`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import strawberry

from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.catalog import ServiceItemVersion
from backend.models.orders import Order as OrderModel
from backend.schema.applications import types as _application_types  # noqa: F401  (OwedMaterialStatus)
from backend.schema.context import context_of
from backend.schema.enterprises.files import FileType
from backend.schema.loading import in_language
from backend.schema.nodes import global_id
from backend.schema.orders.refs import NamedRef
from backend.schema.orders.row_loaders import RowLoader, person, row_loader
from backend.services.core.actors import Actor
from backend.services.orders import owed


@strawberry.type(name="OrderOwedMaterial", description="A material owed to the order (容缺).")
class OrderOwedMaterialType:
    id: strawberry.ID
    kind: str
    label: str = strawberry.field(description="The kind's name in the item's form.")
    due_on: date = strawberry.field(description="The day it was promised by (the park's date).")
    due_at: datetime = strawberry.field(description="The end of that day, in the park's time zone.")
    status: OwedStatus
    supplied_file: FileType | None = strawberry.field(
        description="The file handed in last (the refused one while RETURNED)."
    )
    supplied_at: datetime | None
    supplied_by: NamedRef | None
    return_reason: str = strawberry.field(description="Why it was returned; empty otherwise.")
    reviewed_by: NamedRef | None
    reviewed_at: datetime | None


def _due_at(day: date, timezone: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(timezone)).astimezone(UTC)


def _owed_loader(actor: Actor, timezone: str) -> RowLoader[list[OrderOwedMaterialType]]:
    async def load(rows: list[OrderModel]) -> list[list[OrderOwedMaterialType]]:
        found = await owed.owed_of(rows)
        version_ids = {r.item_version_id for r in rows if found[r.id]}
        forms = {
            int(str(v["id"])): v["form"]
            for v in await ServiceItemVersion.filter(id__in=list(version_ids)).values("id", "form")
        }
        return [
            [_owed_as_type(o, forms.get(r.item_version_id), actor, timezone) for o in found[r.id]]
            for r in rows
        ]

    return RowLoader(load)


def _owed_as_type(
    row: OwedMaterial, form: Any, actor: Actor, timezone: str
) -> OrderOwedMaterialType:
    kinds = {k["kind"]: k for k in (form or {}).get("attachments") or []}
    label = kinds.get(row.kind, {}).get("label") or {}
    return OrderOwedMaterialType(
        id=global_id("OwedMaterial", row.id),
        kind=row.kind,
        label=in_language(actor.language, label.get("zh") or row.kind, label.get("en") or ""),
        due_on=row.due_on,
        due_at=_due_at(row.due_on, timezone),
        status=OwedStatus(row.status),
        supplied_file=FileType.of(row.supplied_file, downloadable=True)
        if row.supplied_file is not None
        else None,
        supplied_at=row.supplied_at,
        supplied_by=person(row.supplied_by),
        return_reason=row.return_reason,
        reviewed_by=person(row.reviewed_by),
        reviewed_at=row.reviewed_at,
    )


async def owed_materials(info: strawberry.Info, row: OrderModel) -> list[OrderOwedMaterialType]:
    context = context_of(info)
    loader = row_loader(
        info, "orders.owed", lambda: _owed_loader(context.actor, context.settings.timezone)
    )
    found: list[OrderOwedMaterialType] = await loader.load(row)
    return found
