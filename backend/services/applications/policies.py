"""Who may see applications.

Members see their enterprises' own; auditors, supervisors and admins see every one submitted
at least once, and the desk's own drafts (filed for a walk-in); handlers see those behind the
orders they hold. A draft an enterprise has never submitted is its own: the park sees it only
once it is handed in, so neither it nor its files reach any staff role before then.

The action table's policies read an application through `ApplicationFacts`: a model passes, and
so does `ApplicationRow`, the columns a list loads when it shows what the viewer may do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import Role
from backend.models.applications import Application, ApplicationStatus
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.core.reach import Reach


class ApplicationFacts(Protocol):
    """What the application policies and the action table read of an application."""

    @property
    def pk(self) -> Any: ...
    @property
    def status(self) -> ApplicationStatus: ...
    @property
    def enterprise_id(self) -> int: ...
    @property
    def filed_by_id(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """`ApplicationFacts` from a row of plain columns (`COLUMNS`, loaded by a list)."""

    id: int
    status: ApplicationStatus
    enterprise_id: int
    filed_by_id: int | None

    COLUMNS: ClassVar[tuple[str, ...]]

    @property
    def pk(self) -> int:
        return self.id

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ApplicationRow:
        return cls(**{name: row[name] for name in cls.COLUMNS})


ApplicationRow.COLUMNS = tuple(f.name for f in fields(ApplicationRow))


def sees_every_handed_in_application(actor: Actor) -> bool:
    return actor.has(Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN)


def is_handed_in(application: Application) -> bool:
    """Submitted at least once, or filed by the desk: what staff may see."""
    return application.revision_count > 0 or application.filed_by_id is not None


def can_view_application(
    actor: Actor, application: Application, reach: Reach, handled_by: int | None
) -> bool:
    """The same rule as `applications_visible_to`, for one application whose order (if any)
    `handled_by` holds: pure, so live news is checked for each subscriber without a query."""
    if actor.user_id is None:
        return False
    if application.enterprise_id in reach.member_of:
        return True
    if sees_every_handed_in_application(actor):
        return is_handed_in(application)
    return actor.has(Role.HANDLER) and handled_by is not None and handled_by == actor.user_id


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    if actor.user_id is None:
        return Application.filter(id=-1)
    mine = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if sees_every_handed_in_application(actor):
        handed_in = Q(revision_count__gt=0) | Q(filed_by_id__isnull=False)
        return Application.filter(mine | handed_in)
    if actor.has(Role.HANDLER):
        handled = Order.filter(assignee_id=actor.user_id).values("application_id")
        return Application.filter(mine | Q(id__in=Subquery(handled)))
    return Application.filter(mine)
