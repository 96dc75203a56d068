"""A small world for appointment tests: an item with a plan, an enterprise, its orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.models.accounts import Role, Team, User
from backend.models.applications import Application, ApplicationStatus
from backend.models.appointments import AppointmentSlot
from backend.models.catalog import ServiceItem, ServiceItemVersion
from backend.models.enterprises import Enterprise, Membership
from backend.models.orders import Order
from backend.services.appointments import plans
from backend.services.core.actors import Actor
from tests import builders

TZ = "Asia/Shanghai"
ADMIN = Actor(user_id=None, roles=frozenset({Role.ADMIN}))


def at(text: str) -> datetime:
    """A park-local time given as 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ))


def plan_input(
    quota: int = 10, *, weekdays: tuple[int, ...] = (), **changes: object
) -> plans.PlanInput:
    values: dict[str, object] = {
        "weekdays": weekdays,
        "windows": [plans.Window("09:30", "10:00", quota), plans.Window("10:00", "10:30", 5)],
        "days_ahead": 14,
        "location_zh": "政务服务大厅 3 号窗口",
        "location_en": "Service hall, window 3",
    }
    values.update(changes)
    return plans.PlanInput(**values)  # type: ignore[arg-type]


@dataclass
class World:
    team: Team
    handler: User  # of the team that handles the item
    item: ServiceItem
    version: ServiceItemVersion
    enterprise: Enterprise
    applicant: User
    actor: Actor


async def world() -> World:
    team, (handler,) = await builders.team_with_handlers(1)
    item, version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise("预约科技有限公司")
    applicant = await builders.user(Role.APPLICANT, "王预约")
    await Membership.create(user=applicant, enterprise=enterprise)
    actor = Actor(user_id=applicant.id, roles=frozenset({Role.APPLICANT}))
    return World(team, handler, item, version, enterprise, applicant, actor)


async def orders_of(w: World, count: int) -> list[Order]:
    """`count` open orders of the world's enterprise for its item, written in bulk."""
    first = await Application.all().count()
    await Application.bulk_create(
        [
            Application(
                number=f"SQ-APPT-{first + i:05d}",
                item=w.item,
                item_version=w.version,
                enterprise=w.enterprise,
                applicant=w.applicant,
                status=ApplicationStatus.APPROVED,
                revision_count=1,
            )
            for i in range(count)
        ]
    )
    applications = await Application.filter(number__startswith="SQ-APPT-").order_by("id")
    applications = applications[first:] if first else applications
    await Order.bulk_create(
        [
            Order(
                number=f"SH-APPT-{a.id:05d}",
                application=a,
                item=w.item,
                item_version=w.version,
                enterprise=w.enterprise,
                applicant=w.applicant,
                team=w.team,
                due_at=at("2027-01-01 00:00"),
            )
            for a in applications[-count:]
        ]
    )
    return list(await Order.filter(number__startswith="SH-APPT-").order_by("-id").limit(count))


async def slot_on(w: World, day: date, start: str = "09:30") -> AppointmentSlot:
    return await AppointmentSlot.get(item_id=w.item.id, day=day, start=start)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
