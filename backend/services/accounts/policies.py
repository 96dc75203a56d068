"""Who may see and manage people's accounts."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from backend.models.accounts import Role, User
from backend.services.appointments.policies import can_see_day_lists
from backend.services.calendar.policies import can_manage_calendar
from backend.services.catalog.policies import can_manage_catalog
from backend.services.core.actors import Actor
from backend.services.dashboard.policies import can_view_dashboard
from backend.services.enterprises.policies import (
    can_manage_premises,
    can_manage_providers,
    can_review_enterprises,
)
from backend.services.evaluations import policies as evaluation_policies
from backend.services.orders.policies import can_assign_orders, sees_every_order
from backend.services.teams.policies import can_manage_teams


def can_manage_staff(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_contact(actor: Actor, user_id: int) -> bool:
    """E-mail and phone are more sensitive than the name: the person themself and admins."""
    return actor.user_id == user_id or actor.has(Role.ADMIN)


def users_visible_to(actor: Actor) -> QuerySet[User]:
    if actor.has(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR):
        return User.all()
    if actor.user_id is None:
        return User.filter(id=-1)
    return User.filter(id=actor.user_id)


@dataclass(frozen=True)
class PageAccess:
    """Which of the pages a person may open, by the same rules their operations enforce."""

    service_desk: bool  # the audit desk: queue, decisions, filing for walk-ins
    order_queue: bool  # /orders: every order, or a handler's own
    all_orders: bool  # the queue shows every order, not only the viewer's
    unassigned_orders: bool  # supervision: orders nobody holds, and reassigning
    dashboard: bool  # the supervisor's cockpit
    rectifications: bool  # 好差评: bad reviews to call back and put right, appeals to decide
    people: bool
    teams: bool
    catalog: bool
    calendar: bool
    enterprise_review: bool
    premises: bool
    providers: bool
    provider_orders: bool  # the queue shows the orders forwarded to the viewer's provider
    appointment_day: bool  # /appointments: the day's bookings to check people in
    applicant_portal: bool  # "My enterprises", "My applications": people with no staff role
    tokens: bool
    notifications: bool


def pages_open_to(actor: Actor) -> PageAccess:
    signed_in = actor.user_id is not None
    every_order = sees_every_order(actor)
    return PageAccess(
        service_desk=signed_in and actor.has(Role.AUDITOR),
        # A provider account works the orders forwarded to its provider from the queue too.
        order_queue=signed_in
        and (every_order or actor.has(Role.HANDLER) or actor.speaks_for_provider is not None),
        all_orders=signed_in and every_order,
        unassigned_orders=signed_in and can_assign_orders(actor),
        dashboard=can_view_dashboard(actor),
        rectifications=signed_in and evaluation_policies.is_supervisor(actor),
        people=signed_in and can_manage_staff(actor),
        teams=signed_in and can_manage_teams(actor),
        catalog=signed_in and can_manage_catalog(actor),
        calendar=signed_in and can_manage_calendar(actor),
        enterprise_review=signed_in and can_review_enterprises(actor),
        premises=signed_in and can_manage_premises(actor),
        providers=signed_in and can_manage_providers(actor),
        provider_orders=signed_in and actor.speaks_for_provider is not None,
        appointment_day=signed_in and can_see_day_lists(actor),
        applicant_portal=signed_in and not actor.is_staff,
        tokens=signed_in,
        notifications=signed_in,
    )
