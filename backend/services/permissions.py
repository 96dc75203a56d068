"""Who may do what: policy functions, written once and called by both faces through the schema.

Lists do not call these per row; they filter in the query (see the `*_visible_to` helpers).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from backend.models.accounts import MemberKind, Notification, Role, Team, TeamMember, User
from backend.models.applications import Application, ApplicationAttachment
from backend.models.enterprises import Enterprise, Membership, Provider
from backend.models.files import StoredFile
from backend.models.orders import Order, OrderStatus
from backend.services.actors import Actor
from backend.services.errors import PermissionDenied, ServiceError


class NotAuthenticated(ServiceError):
    default_code = "NOT_AUTHENTICATED"


def require_user(actor: Actor) -> int:
    if actor.user_id is None:
        raise NotAuthenticated()
    return actor.user_id


def require_role(actor: Actor, *roles: Role) -> None:
    require_user(actor)
    if not actor.has(*roles):
        raise PermissionDenied()


def can_manage_staff(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_user(actor: Actor, user: User) -> bool:
    if actor.user_id is None:
        return False
    return actor.user_id == user.id or actor.has(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)


def can_view_contact(actor: Actor, user: User) -> bool:
    """E-mail and phone are more sensitive than the name: the person themself and admins."""
    return actor.user_id == user.id or actor.has(Role.ADMIN)


def can_manage_calendar(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_calendar(actor: Actor) -> bool:
    return actor.is_staff


def can_view_teams(actor: Actor) -> bool:
    return actor.is_staff


def can_manage_teams(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_team(actor: Actor, team: Team) -> bool:
    return can_view_teams(actor)


def can_view_notification(actor: Actor, notification: Notification) -> bool:
    return actor.user_id is not None and notification.user_id == actor.user_id  # type: ignore[attr-defined]


def users_visible_to(actor: Actor) -> QuerySet[User]:
    if actor.has(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR):
        return User.all()
    if actor.user_id is None:
        return User.filter(id=-1)
    return User.filter(id=actor.user_id)


def notifications_visible_to(actor: Actor) -> QuerySet[Notification]:
    return Notification.filter(user_id=actor.user_id if actor.user_id is not None else -1)


# Enterprises, their licences, premises and providers. `member_of` is the set of enterprise
# ids the actor belongs to, loaded once per request by the caller.


def can_review_enterprises(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_enterprise(actor: Actor, enterprise: Enterprise, member_of: Collection[int]) -> bool:
    return actor.has(Role.ADMIN) or enterprise.id in member_of


def enterprises_visible_to(actor: Actor) -> QuerySet[Enterprise]:
    if actor.has(Role.ADMIN):
        return Enterprise.all()
    if actor.user_id is None:
        return Enterprise.filter(id=-1)
    return Enterprise.filter(
        id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )


def can_download_licence(actor: Actor, enterprise_id: int, member_of: Collection[int]) -> bool:
    """An enterprise's licence: its members and admins."""
    return actor.user_id is not None and (actor.has(Role.ADMIN) or enterprise_id in member_of)


def can_download_file(
    actor: Actor,
    file: StoredFile,
    licence_of: Collection[int],
    member_of: Collection[int],
    attached_to_visible: bool = False,
) -> bool:
    """Its uploader; for a licence (`licence_of`: the enterprises it licenses), as above; for
    a material of an application (`attached_to_visible`), whoever may see the application."""
    if actor.user_id is None:
        return False
    if file.uploaded_by_id == actor.user_id or attached_to_visible:  # type: ignore[attr-defined]
        return True
    return any(can_download_licence(actor, e, member_of) for e in licence_of)


def files_visible_to(actor: Actor) -> QuerySet[StoredFile]:
    """The same rule as `can_download_file`, as a query."""
    if actor.user_id is None:
        return StoredFile.filter(id=-1)
    licences = Enterprise.filter(licence_id__isnull=False)
    if not actor.has(Role.ADMIN):
        licences = licences.filter(memberships__user_id=actor.user_id)
    visible = Subquery(applications_visible_to(actor).values("id"))
    attached = ApplicationAttachment.filter(application_id__in=visible).values("file_id")
    return StoredFile.filter(
        Q(uploaded_by_id=actor.user_id)
        | Q(id__in=Subquery(licences.values("licence_id")))
        | Q(id__in=Subquery(attached))
    )


def can_view_premises(actor: Actor) -> bool:
    return actor.is_staff


def can_manage_premises(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_providers(actor: Actor) -> bool:
    return actor.is_staff


def can_manage_providers(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def providers_visible_to(actor: Actor) -> QuerySet[Provider]:
    return Provider.all() if can_view_providers(actor) else Provider.filter(id=-1)


def can_manage_catalog(actor: Actor) -> bool:
    """Categories and service items are defined by the park operator."""
    return actor.has(Role.ADMIN)


# Orders. Supervisors, admins and auditors (who approved them) see every order; handlers see
# the orders assigned to them and the unassigned ones of their teams; applicants see their
# enterprises' orders. `member_of` and `handles_for` are the actor's enterprise and team ids,
# loaded once per request by the caller (`order_reach`).


@dataclass(frozen=True)
class OrderReach:
    member_of: frozenset[int] = frozenset()
    handles_for: frozenset[int] = frozenset()


def sees_every_order(actor: Actor) -> bool:
    return actor.has(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)


async def order_reach(actor: Actor) -> OrderReach:
    if actor.user_id is None or sees_every_order(actor):
        return OrderReach()
    member_of = await Membership.filter(user_id=actor.user_id).values_list(
        "enterprise_id", flat=True
    )
    handles_for: Sequence[object] = []
    if actor.has(Role.HANDLER):
        handles_for = await TeamMember.filter(
            user_id=actor.user_id, kind=MemberKind.HANDLER
        ).values_list("team_id", flat=True)
    return OrderReach(
        frozenset(int(str(e)) for e in member_of), frozenset(int(str(t)) for t in handles_for)
    )


def can_view_order(actor: Actor, order: Order, reach: OrderReach) -> bool:
    if actor.user_id is None:
        return False
    if sees_every_order(actor):
        return True
    if order.enterprise_id in reach.member_of:  # type: ignore[attr-defined]
        return True
    if not actor.has(Role.HANDLER):
        return False
    if order.assignee_id == actor.user_id:  # type: ignore[attr-defined]
        return True
    return (
        order.status is OrderStatus.PENDING_ASSIGNMENT and order.team_id in reach.handles_for  # type: ignore[attr-defined]
    )


def orders_visible_to(actor: Actor) -> QuerySet[Order]:
    """The same rule as `can_view_order`, as a query."""
    if actor.user_id is None:
        return Order.filter(id=-1)
    if sees_every_order(actor):
        return Order.all()
    visible = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if actor.has(Role.HANDLER):
        teams = TeamMember.filter(user_id=actor.user_id, kind=MemberKind.HANDLER)
        visible = (
            visible
            | Q(assignee_id=actor.user_id)
            | Q(
                status=OrderStatus.PENDING_ASSIGNMENT, team_id__in=Subquery(teams.values("team_id"))
            )
        )
    return Order.filter(visible)


def can_assign_orders(actor: Actor) -> bool:
    """Reassigning, or re-running the automatic choice: supervisors and admins."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)


def can_view_assignment_reason(actor: Actor) -> bool:
    """Who was eligible, their loads and why: more sensitive than the order itself."""
    return actor.has(Role.SUPERVISOR, Role.ADMIN)


# Applications: members see their enterprises' own; auditors, supervisors and admins see all;
# handlers see those behind the orders they hold.


def sees_every_application(actor: Actor) -> bool:
    return actor.has(Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN)


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    if actor.user_id is None:
        return Application.filter(id=-1)
    if sees_every_application(actor):
        return Application.all()
    mine = Q(
        enterprise_id__in=Subquery(Membership.filter(user_id=actor.user_id).values("enterprise_id"))
    )
    if actor.has(Role.HANDLER):
        handled = Order.filter(assignee_id=actor.user_id).values("application_id")
        return Application.filter(mine | Q(id__in=Subquery(handled)))
    return Application.filter(mine)
