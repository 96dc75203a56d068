"""Who appeals a provider's review: the staff of the provider that had the order, never another
provider's account (nor an account not linked to any)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.models.accounts import Role
from backend.models.evaluations import EvaluationLevel, EvaluationStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.evaluations.policies import appealer


@dataclass
class Rated:
    pk: int = 1
    status: EvaluationStatus = EvaluationStatus.RATED
    level: EvaluationLevel = EvaluationLevel.DISSATISFIED
    is_default: bool = False
    enterprise_id: int = 10
    assignee_id: int | None = None
    provider_id: int | None = 7
    rater_id: int | None = 99


def _staff(provider_id: int | None) -> Actor:
    return Actor(user_id=5, roles=frozenset({Role.PROVIDER}), provider_id=provider_id)


def test_only_the_orders_providers_staff_appeal_its_review() -> None:
    reach = Reach()
    assert appealer(_staff(7), Rated(), reach)
    assert not appealer(_staff(8), Rated(), reach)  # another provider's account
    assert not appealer(_staff(None), Rated(), reach)  # not linked to any
    assert not appealer(_staff(7), Rated(provider_id=None), reach)  # the park's own order
