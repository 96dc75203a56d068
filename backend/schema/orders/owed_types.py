"""What an order shows of the materials owed to it (容缺). Loaded for a whole page by
`owed_loading.py`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import strawberry

from backend.models.applications import OwedStatus
from backend.schema.applications import types as _application_types  # noqa: F401  (OwedMaterialStatus)
from backend.schema.context import context_of
from backend.schema.enterprises.files import FileType
from backend.schema.orders.refs import NamedRef
from backend.services.core import clock
from backend.services.orders import owed


def _due_at(root: OrderOwedMaterialType, info: strawberry.Info) -> datetime:
    """The end of the day it is due, in the park's time zone (the request's settings)."""
    timezone = ZoneInfo(context_of(info).settings.timezone)
    return datetime.combine(root.due_on + timedelta(days=1), time(), timezone).astimezone(UTC)


def _is_past_deadline(root: OrderOwedMaterialType, info: strawberry.Info) -> bool:
    today = clock.now().astimezone(ZoneInfo(context_of(info).settings.timezone)).date()
    return owed.is_past_deadline(root.status, root.due_on, today)


@strawberry.type(
    name="OwedMaterialViewerCan", description="What the viewer may do with an owed material now."
)
class OwedViewerCan:
    supply: bool = strawberry.field(description="Hand it in (again): the applicant's enterprise.")
    review: bool = strawberry.field(
        description="Accept or return what was handed in: the assignee or the desk."
    )


@strawberry.type(name="OrderOwedMaterial", description="A material owed to the order (容缺).")
class OrderOwedMaterialType:
    id: strawberry.ID
    kind: str
    label: str = strawberry.field(description="The kind's name in the item's form.")
    due_on: date = strawberry.field(description="The day it was promised by (the park's date).")
    due_at: datetime = strawberry.field(
        resolver=_due_at, description="The end of that day, in the park's time zone."
    )
    status: OwedStatus
    supplied_file: FileType | None = strawberry.field(
        description="The file handed in last (the refused one while RETURNED)."
    )
    supplied_at: datetime | None
    supplied_by: NamedRef | None
    return_reason: str = strawberry.field(description="Why it was returned; empty otherwise.")
    reviewed_by: NamedRef | None
    reviewed_at: datetime | None
    is_past_deadline: bool = strawberry.field(
        resolver=_is_past_deadline,
        description="Still owed (not handed in, or returned) after the day it was due.",
    )
    # Filled by the order's loading when `viewerCan` is asked (`loading._owed_with_can`).
    _can: strawberry.Private[OwedViewerCan | None] = None

    @strawberry.field(description="What the viewer may do with it now.")
    def viewer_can(self) -> OwedViewerCan:
        assert self._can is not None, "loaded when viewerCan is asked"
        return self._can
