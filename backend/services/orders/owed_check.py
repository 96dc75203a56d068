"""Whether an order may complete as far as owed (容缺) materials go: the one place that reads
`OwedMaterial` for it, so a change to how a supplied material is reviewed changes this only.

An owed material is settled once it is supplied and accepted. The model records a supply
(`supplied_at`) and no review yet, so today supplied counts as settled; when the review of a
supplied material lands, `_settled` asks for its acceptance as well.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from backend.i18n import N_
from backend.models.applications import OwedMaterial
from backend.models.catalog import ServiceItemVersion
from backend.models.orders import Order
from backend.services.core.errors import Invalid, Problem, register_messages

register_messages(
    {
        "OWED_MATERIALS_OUTSTANDING": N_(
            "The enterprise still owes materials it was allowed to hand in later: {materials}. "
            "The order can be completed once they are supplied and accepted."
        ),
    }
)


def _settled() -> Q:
    return Q(supplied_at__isnull=False)


async def outstanding(conn: BaseDBAsyncClient, order: Order) -> list[OwedMaterial]:
    """The owed materials of the order's application not yet settled, by kind."""
    return (
        await OwedMaterial.filter(application_id=order.application_id)
        .exclude(_settled())
        .using_db(conn)
        .order_by("kind")
    )


async def require_none_outstanding(conn: BaseDBAsyncClient, order: Order) -> None:
    """OWED_MATERIALS_OUTSTANDING naming each (by its label in the item's form), if any."""
    owed = await outstanding(conn, order)
    if not owed:
        return
    version = await ServiceItemVersion.get(id=order.item_version_id, using_db=conn)
    labels = {
        k["kind"]: k.get("label") or {} for k in (version.form or {}).get("attachments") or []
    }
    zh = [labels.get(o.kind, {}).get("zh") or o.kind for o in owed]
    en = [
        labels.get(o.kind, {}).get("en") or labels.get(o.kind, {}).get("zh") or o.kind for o in owed
    ]
    # Not a field's fault: the order is not ready, so the problem stands at no field.
    materials = {"zh": "、".join(zh), "en": ", ".join(en)}
    raise Invalid([Problem("OWED_MATERIALS_OUTSTANDING", (), {"materials": materials})])
