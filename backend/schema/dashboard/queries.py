"""`dashboard(from, to)`: the cockpit's figures; null for anyone but supervisors and admins."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from backend.schema.context import context_of
from backend.schema.dashboard.types import DashboardType
from backend.schema.relay import BadRequest
from backend.services.dashboard import figures
from backend.services.dashboard.policies import can_view_dashboard


@strawberry.type
class DashboardQueries:
    @strawberry.field(
        description="The park's service from one park day to another (inclusive, at most "
        f"{figures.MAX_DAYS} days); null for anyone but supervisors and admins."
    )
    async def dashboard(
        self,
        info: strawberry.Info,
        start: Annotated[date, strawberry.argument(name="from")],
        end: Annotated[date, strawberry.argument(name="to")],
    ) -> DashboardType | None:
        context = context_of(info)
        if not can_view_dashboard(context.actor):
            return None
        if end < start:
            raise BadRequest("`to` is before `from`.", "BAD_DATE_RANGE")
        if (end - start).days + 1 > figures.MAX_DAYS:
            raise BadRequest(f"At most {figures.MAX_DAYS} days at once.", "BAD_DATE_RANGE")
        board = await figures.dashboard(context.actor, start, end, context.settings.timezone)
        return DashboardType.of(board, context.language)
