"""The evaluations a viewer may see (a supervisor's appeals to decide), the open
rectifications (supervisors), and the published figures."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.models.evaluations import EvaluationStatus
from backend.schema.context import context_of, viewer_reach
from backend.schema.evaluations.loading import load_evaluations
from backend.schema.evaluations.types import (
    EvaluationFiguresType,
    EvaluationType,
    RectificationType,
)
from backend.schema.nodes import global_id, register
from backend.schema.relay import Connection, connection, decode_id_of, fetch_page
from backend.services.core.actors import Actor
from backend.services.core.reach import reach_of
from backend.services.evaluations import figures
from backend.services.evaluations import rectifications as rectification_rules
from backend.services.evaluations.figures import Dimension
from backend.services.evaluations.policies import (
    evaluations_visible_to,
    rectifications_visible_to,
)
from backend.services.evaluations.states import OPEN_RECTIFICATION

# The figures' ids are the global ids of what they are about.
_TYPE_OF = {
    Dimension.ITEM: "ServiceItem",
    Dimension.TEAM: "Team",
    Dimension.HANDLER: "User",
    Dimension.PROVIDER: "Provider",
}


def _figures_type(
    dimension: Dimension, found: figures.Figures, language: str
) -> EvaluationFiguresType:
    name = found.name_en if language == "en" and found.name_en else found.name_zh
    return EvaluationFiguresType(
        dimension=dimension,
        id=global_id(_TYPE_OF[dimension], found.key),
        name=name,
        reviews=found.reviews,
        defaults=found.defaults,
        satisfied=found.satisfied,
        bad_reviews=found.bad,
        rectified=found.rectified,
        satisfaction_rate=found.satisfaction_rate,
        bad_review_rate=found.bad_review_rate,
        rectified_share=found.rectified_share,
    )


def may_read_figures(actor: Actor, dimension: Dimension) -> bool:
    """Per item, published to everyone (the catalog is public); per team, handler and
    provider, the park's staff (a provider's own staff are not the park's)."""
    return dimension is Dimension.ITEM or (actor.user_id is not None and actor.is_park_staff)


@strawberry.type
class EvaluationQueries:
    @strawberry.field(
        description="Reviews of the orders the viewer may see, newest first; `status: "
        "APPEALED` is a supervisor's list of appeals to decide."
    )
    async def evaluations(
        self,
        info: strawberry.Info,
        status: EvaluationStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EvaluationType]:
        actor = context_of(info).actor
        query = evaluations_visible_to(actor)
        if status is not None:
            query = query.filter(status=status)
        page = await fetch_page(query, first=first, after=after)
        loaded = await load_evaluations(
            actor, await viewer_reach(info), evaluation_ids=[e.id for e in page.rows]
        )
        by_id = {e.id: e for e in loaded}
        return connection(page, lambda e: by_id[global_id("Evaluation", e.id)], query)

    @strawberry.field(
        description="Rectifications, oldest first (open ones unless `open: false`); "
        "supervisors and admins (empty for anyone else)."
    )
    async def rectifications(
        self,
        info: strawberry.Info,
        open: bool = True,
        for_viewer: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only those the viewer is told of (orders of the teams they "
                "supervise, and of teams with no supervisor of their own); false: only the "
                "others; null: all."
            ),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RectificationType]:
        actor = context_of(info).actor
        query = rectifications_visible_to(actor)
        if open:
            query = query.filter(status__in=OPEN_RECTIFICATION)
        if for_viewer is not None:
            query = rectification_rules.told(query, actor, for_viewer)
        page = await fetch_page(query, first=first, after=after, order=("id",))
        loaded = await load_evaluations(
            actor,
            await viewer_reach(info),
            evaluation_ids=[r.evaluation_id for r in page.rows],
        )
        by_id = {e.rectification.id: e.rectification for e in loaded if e.rectification}
        return connection(page, lambda r: by_id[global_id("Rectification", r.id)], query)

    @strawberry.field(
        description="Published 好差评 figures per item (everyone), team, handler or "
        "provider (the park's staff; empty for anyone else), optionally of some ids only."
    )
    async def evaluation_figures(
        self,
        info: strawberry.Info,
        by: Dimension,
        ids: list[strawberry.ID] | None = None,
    ) -> list[EvaluationFiguresType]:
        actor = context_of(info).actor
        if not may_read_figures(actor, by):
            return []
        keys = None
        if ids is not None:
            keys = [k for k in (decode_id_of(i, _TYPE_OF[by]) for i in ids) if k is not None]
        found = await figures.figures(by, keys)
        return [_figures_type(by, f, actor.language) for f in found]


async def _evaluation_nodes(actor: Actor, pks: list[int]) -> dict[int, EvaluationType]:
    visible = (
        await evaluations_visible_to(actor).filter(id__in=list(pks)).values_list("id", flat=True)
    )
    loaded = await load_evaluations(
        actor, await reach_of(actor), evaluation_ids=[int(str(v)) for v in visible]
    )
    return {int(decode_id_of(e.id, "Evaluation") or 0): e for e in loaded}


async def _rectification_nodes(actor: Actor, pks: list[int]) -> dict[int, RectificationType]:
    rows = (
        await rectifications_visible_to(actor)
        .filter(id__in=list(pks))
        .values_list("id", "evaluation_id")
    )
    loaded = await load_evaluations(
        actor, await reach_of(actor), evaluation_ids=[int(str(e)) for _, e in rows]
    )
    return {
        int(decode_id_of(e.rectification.id, "Rectification") or 0): e.rectification
        for e in loaded
        if e.rectification is not None
    }


register("Evaluation", _evaluation_nodes, "evaluations:read")  # type: ignore[arg-type]
register("Rectification", _rectification_nodes, "evaluations:read")  # type: ignore[arg-type]
