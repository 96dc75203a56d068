"""An appointment plan on one in-person demo item, so `make run` shows slots to book: legal
consultation at the hall's legal desk, mornings and early afternoons, two weeks ahead."""

from __future__ import annotations

from backend.models.accounts import Role, User
from backend.models.appointments import AppointmentPlan
from backend.models.catalog import ServiceItem
from backend.services.appointments import plans
from backend.services.core.actors import Actor

ITEM = "法律咨询"
PLAN = plans.PlanInput(
    weekdays=(),  # every working day of the park's calendar
    windows=[
        plans.Window("09:00", "09:30", 4),
        plans.Window("09:30", "10:00", 4),
        plans.Window("10:00", "10:30", 4),
        plans.Window("14:00", "14:30", 3),
        plans.Window("14:30", "15:00", 3),
    ],
    days_ahead=14,
    location_zh="园区一站式服务大厅（综合楼一层）法律服务室",
    location_en="Legal desk, one-stop service hall, ground floor of the main building",
)


async def seed(admin: User, timezone: str) -> bool:
    """Gives the item its plan (and so its slots from tomorrow), unless it has one."""
    item = await ServiceItem.get_or_none(name_zh=ITEM)
    if item is None or await AppointmentPlan.exists(item_id=item.id):
        return False
    actor = Actor(user_id=admin.id, name=admin.name, roles=frozenset({Role.ADMIN}))
    await plans.set_plan(actor, item.id, PLAN, timezone=timezone)
    return True
