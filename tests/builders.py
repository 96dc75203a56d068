"""Rows for service tests, built directly: the smallest world an order or application needs."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from backend.models.accounts import MemberKind, Role, Team, TeamMember, User
from backend.models.applications import Application, ApplicationStatus
from backend.models.catalog import (
    Category,
    Fulfilment,
    ItemStatus,
    ReviewMode,
    ServiceItem,
    ServiceItemVersion,
)
from backend.models.enterprises import Enterprise, EnterpriseStatus
from backend.services.accounts.accounts import create_user_directly

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


async def user(role: Role, name: str | None = None) -> User:
    n = next(_sequence)
    return await create_user_directly(
        name or f"{role.value} {n}", f"u{n}@build.cn", PASSWORD, [role]
    )


async def team_with_handlers(count: int, name: str = "办理一组") -> tuple[Team, list[User]]:
    team = await Team.create(name=f"{name} {next(_sequence)}")
    handlers = [await user(Role.HANDLER, f"办理员 {i}") for i in range(count)]
    for handler in handlers:
        await TeamMember.create(team=team, user=handler, kind=MemberKind.HANDLER)
    return team, handlers


async def published_item(
    team: Team | None,
    *,
    review_mode: ReviewMode = ReviewMode.MANUAL,
    fulfilment: Fulfilment = Fulfilment.IN_HOUSE,
    time_limit_days: int = 5,
    form: dict[str, Any] | None = None,
    item_team: Team | None = None,
) -> tuple[ServiceItem, ServiceItemVersion]:
    n = next(_sequence)
    category = await Category.create(name_zh=f"类别 {n}", team=team, position=n)
    item = await ServiceItem.create(
        category=category, status=ItemStatus.PUBLISHED, name_zh=f"事项 {n}"
    )
    version = await ServiceItemVersion.create(
        item=item,
        number=1,
        name_zh=f"事项 {n}",
        review_mode=review_mode,
        fulfilment=fulfilment,
        time_limit_days=time_limit_days,
        form=form or {"fields": [], "attachments": []},
        team=item_team,
    )
    item.live_version = version
    item.latest_number = 1
    await item.save()
    return item, version


async def verified_enterprise(name: str = "测试科技有限公司") -> Enterprise:
    n = next(_sequence)
    return await Enterprise.create(
        name=f"{name}{n}",
        credit_code=f"91350100M0001{n:04d}"[:18],
        status=EnterpriseStatus.VERIFIED,
        established_on=date(2015, 1, 1),
    )


async def approved_application(
    item: ServiceItem, version: ServiceItemVersion, enterprise: Enterprise, applicant: User
) -> Application:
    return await Application.create(
        number=f"SQ-TEST-{next(_sequence):05d}",
        item=item,
        item_version=version,
        enterprise=enterprise,
        applicant=applicant,
        status=ApplicationStatus.APPROVED,
        revision_count=1,  # approved means handed in at least once
    )
