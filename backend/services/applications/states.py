"""An application's states and the actions between them, as data (product brief, "States")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.models.accounts import Role
from backend.models.applications import Application, ApplicationStatus
from backend.services.applications.policies import ApplicationFacts
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach
from backend.services.core.states import Action, Machine

S = ApplicationStatus


class ApplicationEventKind(StrEnum):
    APPLICATION_CREATED = "APPLICATION_CREATED"
    APPLICATION_DRAFT_SAVED = "APPLICATION_DRAFT_SAVED"
    APPLICATION_SUBMITTED = "APPLICATION_SUBMITTED"
    APPLICATION_APPROVED = "APPLICATION_APPROVED"
    APPLICATION_RETURNED = "APPLICATION_RETURNED"
    APPLICATION_REJECTED = "APPLICATION_REJECTED"
    APPLICATION_WITHDRAWN = "APPLICATION_WITHDRAWN"
    APPLICATION_SUPPLEMENTED = "APPLICATION_SUPPLEMENTED"


def member(actor: Actor, app: ApplicationFacts, reach: Reach) -> bool:
    """Anyone of the enterprise that applies."""
    return app.enterprise_id in reach.member_of


def filed_by_desk(app: ApplicationFacts) -> bool:
    return app.filed_by_id is not None


def applicant_or_filing_desk(actor: Actor, app: ApplicationFacts, reach: Reach) -> bool:
    """The enterprise writes its own application; the desk, one it filed for a walk-in."""
    return member(actor, app, reach) or (actor.has(Role.AUDITOR) and filed_by_desk(app))


def auditor(actor: Actor, app: ApplicationFacts, reach: Reach) -> bool:
    return actor.has(Role.AUDITOR)


def not_the_enterprises_draft(app: ApplicationFacts) -> bool:
    """A draft is the enterprise's own until it is submitted, unless the desk filed it."""
    return app.status is not S.DRAFT or filed_by_desk(app)


OPEN = frozenset({S.DRAFT, S.RETURNED, S.UNDER_REVIEW})
E = ApplicationEventKind

APPLICATION: Machine[ApplicationFacts, ApplicationStatus] = Machine(
    "application",
    Application,
    ApplicationStatus,
    (
        Action(
            "SAVE_DRAFT", frozenset({S.DRAFT, S.RETURNED}), frozenset(),
            E.APPLICATION_DRAFT_SAVED, applicant_or_filing_desk,
            "the enterprise, or the desk on one it filed",
        ),
        Action(
            "SUBMIT", frozenset({S.DRAFT, S.RETURNED}),
            frozenset({S.RETURNED, S.UNDER_REVIEW, S.APPROVED}),
            E.APPLICATION_SUBMITTED, applicant_or_filing_desk,
            "the enterprise, or the desk on one it filed (the audit decides: RETURNED if it "
            "fails, UNDER_REVIEW for a manual item, APPROVED for an automatic one)",
        ),
        Action(
            "APPROVE", frozenset({S.UNDER_REVIEW}), frozenset({S.APPROVED}),
            E.APPLICATION_APPROVED, auditor, "an auditor (the order opens)",
        ),
        Action(
            "RETURN", frozenset({S.UNDER_REVIEW}), frozenset({S.RETURNED}),
            E.APPLICATION_RETURNED, auditor, "an auditor, with reasons",
        ),
        Action(
            "REJECT", frozenset({S.UNDER_REVIEW}), frozenset({S.REJECTED}),
            E.APPLICATION_REJECTED, auditor, "an auditor, with reasons",
        ),
        Action(
            "WITHDRAW", OPEN, frozenset({S.WITHDRAWN}), E.APPLICATION_WITHDRAWN, member,
            "the enterprise",
        ),
        Action(
            "SUPPLEMENT", frozenset({S.DRAFT, S.RETURNED, S.UNDER_REVIEW, S.APPROVED}),
            frozenset(), E.APPLICATION_SUPPLEMENTED, auditor,
            "an auditor, for the enterprise (once approved, owed materials only)",
            when=not_the_enterprises_draft,
            when_says="a DRAFT only if the desk filed it",
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ApplicationActions:
    """What a viewer may do with an application now: the table and the policies, plus what a
    page needs beyond them (the item still offered; once approved, something still owed)."""

    edit: bool
    submit: bool
    withdraw: bool
    review: bool  # approve, return or reject: one table row shape, one policy
    supplement: bool


def actions_for(
    actor: Actor, app: ApplicationFacts, reach: Reach, *, item_offered: bool, owes_material: bool
) -> ApplicationActions:
    def may(name: str) -> bool:
        return APPLICATION.may(actor, app, name, reach)

    return ApplicationActions(
        edit=item_offered and may("SAVE_DRAFT"),
        submit=item_offered and may("SUBMIT"),
        withdraw=may("WITHDRAW"),
        review=may("APPROVE"),
        supplement=may("SUPPLEMENT") and (app.status is not S.APPROVED or owes_material),
    )
