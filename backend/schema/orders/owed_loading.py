"""The owed materials (容缺) of a page of orders, for the whole page: the materials in one
statement (with their files and people), the item versions' forms for their labels in one more
only when `label` is asked; for `viewerCan` alone, just their statuses, and only of the orders
whose viewer may supply or review one."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.catalog import ServiceItemVersion
from backend.schema.enterprises.files import FileType
from backend.schema.loading import Selection, in_language
from backend.schema.nodes import global_id
from backend.schema.orders.owed_types import OrderOwedMaterialType
from backend.schema.orders.refs import user_ref
from backend.services.core.actors import Actor
from backend.services.orders import owed

Row = Mapping[str, Any]


def _owed(material: OwedMaterial, form: Any, language: str) -> OrderOwedMaterialType:
    """`material` (with its file and people); `form`, its item version's, for the label (None
    when `label` is not asked)."""
    kinds = {k["kind"]: k for k in (form or {}).get("attachments") or []}
    label = kinds.get(material.kind, {}).get("label") or {}
    supplied_by, reviewed_by = material.supplied_by, material.reviewed_by
    return OrderOwedMaterialType(
        id=global_id("OwedMaterial", material.id),
        kind=material.kind,
        label=in_language(language, label.get("zh") or material.kind, label.get("en") or ""),
        due_on=material.due_on,
        status=OwedStatus(material.status),
        supplied_file=FileType.of(material.supplied_file, downloadable=True)
        if material.supplied_file is not None
        else None,
        supplied_at=material.supplied_at,
        supplied_by=user_ref(supplied_by.id, supplied_by.name) if supplied_by else None,
        return_reason=material.return_reason,
        reviewed_by=user_ref(reviewed_by.id, reviewed_by.name) if reviewed_by else None,
        reviewed_at=material.reviewed_at,
    )


async def _forms(version_ids: Collection[int]) -> dict[int, Any]:
    """The forms of the item versions named (their labels name the owed kinds)."""
    if not version_ids:
        return {}
    found = await ServiceItemVersion.filter(id__in=list(version_ids)).values("id", "form")
    return {int(str(v["id"])): v["form"] for v in found}


async def load_owed(
    rows: Sequence[Row], selection: Selection | None, language: str
) -> dict[int, list[OrderOwedMaterialType]]:
    """The owed materials of `rows` (orders visible to the viewer, with `application_id` and
    `item_version_id`) by order id, as the orders' `selection` asks (None: everything)."""
    found = await owed.owed_of({row["application_id"] for row in rows})
    labels = selection is None or selection.under("owedMaterials").has("label")
    forms = (
        await _forms({row["item_version_id"] for row in rows if found[row["application_id"]]})
        if labels
        else {}
    )
    return {
        row["id"]: [
            _owed(m, forms.get(row["item_version_id"]), language)
            for m in found[row["application_id"]]
        ]
        for row in rows
    }


async def owed_statuses(orders_by_application: Mapping[int, int]) -> dict[int, set[OwedStatus]]:
    """The statuses of the materials owed to the orders named (application id → order id), by
    order id: what `viewerCan` needs to say whether a material is there to supply or review."""
    found: dict[int, set[OwedStatus]] = {pk: set() for pk in orders_by_application.values()}
    if orders_by_application:
        statuses = OwedMaterial.filter(application_id__in=list(orders_by_application))
        for application_id, status in await statuses.values_list("application_id", "status"):
            found[orders_by_application[int(str(application_id))]].add(OwedStatus(status))
    return found


async def owed_material_of(actor: Actor, order: Row, owed_id: int) -> OrderOwedMaterialType | None:
    """One owed material of `order` (a row with `id`, `application_id` and `item_version_id`,
    visible to `actor`), as the order shows it."""
    found = await load_owed([order], None, actor.language)
    shown = global_id("OwedMaterial", owed_id)
    return next((m for m in found[order["id"]] if m.id == shown), None)
