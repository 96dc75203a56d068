"""A registration's states and the actions between them, as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.models.enterprises import Enterprise, EnterpriseStatus
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine
from backend.services.enterprises.policies import can_review_enterprises

S = EnterpriseStatus


class EnterpriseEventKind(StrEnum):
    ENTERPRISE_REGISTERED = "ENTERPRISE_REGISTERED"
    ENTERPRISE_VERIFIED = "ENTERPRISE_VERIFIED"
    ENTERPRISE_REJECTED = "ENTERPRISE_REJECTED"
    ENTERPRISE_RESUBMITTED = "ENTERPRISE_RESUBMITTED"
    MEMBER_JOINED = "MEMBER_JOINED"
    MEMBER_REMOVED = "MEMBER_REMOVED"


def reviewer(actor: Actor, enterprise: Enterprise, reach: Reach) -> bool:
    return can_review_enterprises(actor)


def owner(actor: Actor, enterprise: Enterprise, reach: Reach) -> bool:
    return enterprise.id in reach.owner_of


E = EnterpriseEventKind

ENTERPRISE: Machine[Enterprise, EnterpriseStatus] = Machine(
    "enterprise",
    Enterprise,
    EnterpriseStatus,
    (
        Action(
            "VERIFY", frozenset({S.PENDING}), frozenset({S.VERIFIED}), E.ENTERPRISE_VERIFIED,
            reviewer, "an admin",
        ),
        Action(
            "REJECT", frozenset({S.PENDING}), frozenset({S.REJECTED}), E.ENTERPRISE_REJECTED,
            reviewer, "an admin, with a reason (the credit code is free again)",
        ),
        Action(
            "RESUBMIT", frozenset({S.REJECTED}), frozenset({S.PENDING}),
            E.ENTERPRISE_RESUBMITTED, owner, "an owner, with the registration corrected",
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class EnterpriseActions:
    """What a viewer may do with an enterprise now: the table and the policies, plus what only
    a verified enterprise's people may do (invite colleagues, apply for services)."""

    review: bool  # verify or reject: one table row shape, one policy
    resubmit: bool
    invite: bool
    apply: bool


def is_verified(enterprise: Enterprise) -> bool:
    """Only a verified enterprise applies for services, takes members and holds premises."""
    return enterprise.status is S.VERIFIED


def actions_for(actor: Actor, enterprise: Enterprise, reach: Reach) -> EnterpriseActions:
    verified = is_verified(enterprise)
    return EnterpriseActions(
        review=ENTERPRISE.may(actor, enterprise, "VERIFY", reach),
        resubmit=ENTERPRISE.may(actor, enterprise, "RESUBMIT", reach),
        invite=verified and owner(actor, enterprise, reach),
        apply=verified and enterprise.id in reach.member_of,
    )
