"""A registration's states and the actions between them, as data."""

from __future__ import annotations

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
