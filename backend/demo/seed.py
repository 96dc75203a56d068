"""Demo data for `make run`: one person per role, a team, a welcome in each inbox, two
providers (the demo PROVIDER account works for the first).

Seeding is idempotent: a second run finds the admin and keeps everything as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.demo import appointments as demo_appointments
from backend.demo import catalog as demo_catalog
from backend.demo import enterprises as demo_enterprises
from backend.demo import providers as demo_providers
from backend.demo import service_requests as demo_requests
from backend.demo.calendar import seed_calendar
from backend.models.accounts import MemberKind, Role, Team, TeamMember, User
from backend.services.accounts.accounts import Contact, _create_user, parse_contact
from backend.services.core.transactions import in_transaction
from backend.services.notifications import notifications

DEMO_PASSWORD = "servicehall-demo"


@dataclass(frozen=True)
class DemoUser:
    role: Role
    login: str
    name: str


DEMO_USERS = (
    DemoUser(Role.ADMIN, "admin@demo.servicehall.cn", "园区管理员 王敏"),
    DemoUser(Role.AUDITOR, "auditor@demo.servicehall.cn", "服务台审核员 李静"),
    DemoUser(Role.HANDLER, "handler@demo.servicehall.cn", "业务办理员 张伟"),
    DemoUser(Role.SUPERVISOR, "supervisor@demo.servicehall.cn", "监管员 陈刚"),
    DemoUser(Role.PROVIDER, "provider@demo.servicehall.cn", "第三方服务商 刘洋"),
    DemoUser(Role.APPLICANT, "13800138000", "企业用户 赵磊"),
)


async def seed(timezone: str = "Asia/Shanghai") -> bool:
    """Creates the demo data unless it is there; returns whether it created anything.
    `timezone`: the park's (SERVICEHALL_TIMEZONE), for the days of the appointment slots."""
    if await User.filter(email=DEMO_USERS[0].login).exists():
        return False
    users: dict[Role, User] = {}
    for demo_user in DEMO_USERS:
        contact = parse_contact(demo_user.login) or Contact()
        users[demo_user.role] = await _create_user(
            demo_user.name, contact, DEMO_PASSWORD, [demo_user.role], "zh-CN"
        )
    async with in_transaction() as conn:
        await seed_calendar(conn)
        team = await Team.create(
            name="企业服务一组", description="融资贷款与项目申报的办理团队", using_db=conn
        )
        await TeamMember.create(
            team=team, user=users[Role.HANDLER], kind=MemberKind.HANDLER, using_db=conn
        )
        await TeamMember.create(
            team=team, user=users[Role.AUDITOR], kind=MemberKind.AUDITOR, using_db=conn
        )
        # Told when the team's orders fall due soon or overdue (services/orders/timers.py).
        await TeamMember.create(
            team=team, user=users[Role.SUPERVISOR], kind=MemberKind.SUPERVISOR, using_db=conn
        )
        for role, user in users.items():
            if role is Role.APPLICANT:
                await notifications.notify(user.id, "WELCOME", {"name": user.name}, using_db=conn)
            else:
                await notifications.notify(
                    user.id,
                    "STAFF_WELCOME",
                    {"name": user.name, "roles": [role.value]},
                    using_db=conn,
                )
        await notifications.notify(
            users[Role.HANDLER].id, "TEAM_JOINED", {"team": team.name}, using_db=conn
        )
    await demo_enterprises.seed_enterprises(users[Role.APPLICANT])
    served_by = await demo_providers.seed(users[Role.ADMIN], users[Role.PROVIDER])
    await demo_catalog.seed(users[Role.ADMIN], team, served_by)
    await demo_requests.seed(users[Role.APPLICANT])
    await demo_appointments.seed(users[Role.ADMIN], timezone)
    return True
