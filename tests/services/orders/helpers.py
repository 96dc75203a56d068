"""A small world for the order service tests: a team, an item, an enterprise and its orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from backend.models.accounts import Role, Team, User
from backend.models.calendar import CalendarDay, DayKind
from backend.models.catalog import ServiceItem, ServiceItemVersion
from backend.models.enterprises import Enterprise, Membership
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from tests import builders

TZ = "Asia/Shanghai"
PARK = ZoneInfo(TZ)


def at(day: str, hour: int, minute: int = 0) -> datetime:
    """A moment in park time: `at("2027-03-05", 15)` is Friday 15:00 in Shanghai."""
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=PARK)


def end_of(day: str) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tzinfo=PARK)


def actor(user: User, *roles: Role) -> Actor:
    return Actor(user_id=user.id, name=user.name, roles=frozenset(roles))


@dataclass
class World:
    team: Team
    handlers: list[User]
    item: ServiceItem
    version: ServiceItemVersion
    enterprise: Enterprise
    applicant: User

    def handler(self, order: Order) -> Actor:
        user = next(h for h in self.handlers if h.id == order.assignee_id)
        return actor(user, Role.HANDLER)

    @property
    def applicant_actor(self) -> Actor:
        return actor(self.applicant, Role.APPLICANT)


async def world(handlers: int = 2, **item: object) -> World:
    team, people = await builders.team_with_handlers(handlers)
    item_row, version = await builders.published_item(team, **item)  # type: ignore[arg-type]
    enterprise = await builders.verified_enterprise()
    applicant = await builders.user(Role.APPLICANT, "王申请")
    await Membership.create(user=applicant, enterprise=enterprise)
    return World(team, people, item_row, version, enterprise, applicant)


async def open_order(w: World, enterprise: Enterprise | None = None) -> Order:
    application = await builders.approved_application(
        w.item, w.version, enterprise or w.enterprise, w.applicant
    )
    async with in_transaction() as conn:
        return await orders.open_order(conn, Actor(), application, approved_by_id=None, timezone=TZ)


async def day_off(day: str, name: str = "节假日") -> None:
    await CalendarDay.create(day=date.fromisoformat(day), kind=DayKind.OFF, name_zh=name)


async def makeup_day(day: str, name: str = "调休上班") -> None:
    await CalendarDay.create(day=date.fromisoformat(day), kind=DayKind.WORK, name_zh=name)


async def stored(order: Order) -> Order:
    return await Order.get(id=order.id)
