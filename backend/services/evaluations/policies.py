"""Who may do what with an evaluation, and who sees which parts of it.

- the rater: any member of the applicant's enterprise (the order's `applicant` party);
- the appealer: the order's handler (assignee), or a provider for a provider's order, never
  someone of the applicant's enterprise;
- supervisors (and admins): decide appeals and own rectifications. The order's team's
  supervisors are told of them (`orders.parties.supervisors_of_team`) and find them first on
  their page, but any supervisor may take an open rectification (cover for a team whose
  supervisor is away): the first to record a step owns it, and after that only the owner (or
  an admin) records the next.
- seeing: whoever may see the order sees its evaluation (providers only their own orders, as
  the orders' rule has it); the rater's name only the applicant's enterprise and supervisors
  and admins: handlers, auditors and providers read the review without the person's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.evaluations import (
    Evaluation,
    EvaluationLevel,
    EvaluationStatus,
    Rectification,
    RectificationStatus,
)
from backend.models.orders import OrderStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.orders.parties import applicant
from backend.services.orders.policies import OrderFacts, orders_visible_to


class EvaluationFacts(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def status(self) -> EvaluationStatus: ...
    @property
    def level(self) -> EvaluationLevel: ...
    @property
    def is_default(self) -> bool: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def assignee_id(self) -> int | None: ...
    @property
    def provider_id(self) -> int | None: ...
    @property
    def rectified_at(self) -> datetime | None: ...
    @property
    def follow_up_at(self) -> datetime | None: ...


class RectificationFacts(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def status(self) -> RectificationStatus: ...
    @property
    def owner_id(self) -> int | None: ...


def is_supervisor(actor: Actor) -> bool:
    return actor.user_id is not None and actor.has(Role.SUPERVISOR, Role.ADMIN)


def rater(actor: Actor, evaluation: EvaluationFacts, reach: Reach) -> bool:
    return actor.user_id is not None and evaluation.enterprise_id in reach.member_of


def may_rate(actor: Actor, order: OrderFacts, reach: Reach, *, rated: bool) -> bool:
    """A completed order not yet rated, by a member of the enterprise that applied."""
    return order.status is OrderStatus.COMPLETED and applicant(actor, order, reach) and not rated


def appealer(actor: Actor, evaluation: EvaluationFacts, reach: Reach) -> bool:
    if actor.user_id is None or rater(actor, evaluation, reach):
        return False
    if actor.has(Role.HANDLER) and evaluation.assignee_id == actor.user_id:
        return True
    # The staff of the provider that had the order (as `orders.parties.provider` asks), not
    # any provider's account.
    speaks_for = actor.speaks_for_provider
    return speaks_for is not None and evaluation.provider_id == speaks_for


def supervisor(actor: Actor, evaluation: Any, reach: Reach) -> bool:
    return is_supervisor(actor)


def sees_rater(actor: Actor, evaluation: EvaluationFacts, reach: Reach) -> bool:
    return rater(actor, evaluation, reach) or is_supervisor(actor)


def rectifier(actor: Actor, rectification: RectificationFacts, reach: Reach) -> bool:
    """A supervisor, while nobody owns it; then its owner, or an admin."""
    if not is_supervisor(actor):
        return False
    owner = rectification.owner_id
    return owner is None or owner == actor.user_id or actor.has(Role.ADMIN)


def evaluations_visible_to(actor: Actor) -> QuerySet[Evaluation]:
    """The evaluations of the orders `actor` may see."""
    if actor.user_id is None:
        return Evaluation.filter(id=-1)
    if actor.has(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR):
        return Evaluation.all()
    return Evaluation.filter(order_id__in=Subquery(orders_visible_to(actor).values("id")))


def rectifications_visible_to(actor: Actor) -> QuerySet[Rectification]:
    """The rectification list is the supervisors' (the applicant reads theirs on the order)."""
    if not is_supervisor(actor):
        return Rectification.filter(id=-1)
    return Rectification.all()
