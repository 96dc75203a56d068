"""A small park for the order API tests: a team of handlers, items, enterprises, orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.models.accounts import Role, Team, User
from backend.models.catalog import ServiceItem, ServiceItemVersion
from backend.models.enterprises import Enterprise, Membership
from backend.models.orders import Order
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from tests import builders
from tests.conftest import PASSWORD, Api

TZ = "Asia/Shanghai"

ORDER_FIELDS = """id number status version createdAt assignedAt completedAt dueAt
    serviceItem { id name categoryId categoryName } application { id number }
    enterprise { id name } applicant { id name } assignee { id name } team { id name }
    auditor { id name } approvedInstantly provider { id name }"""
LIST = f"""query($filter: OrderFilter, $orderBy: OrderOrderBy, $first: Int, $after: String) {{
    orders(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ cursor node {{ {ORDER_FIELDS} }} }} }} }}"""
ASSIGN = f"""mutation($input: AssignOrderInput!) {{ assignOrder(input: $input) {{
    order {{ {ORDER_FIELDS} assignmentReason {{ rule note chosen {{ id name }}
      decidedBy {{ name }} eligible {{ user {{ id name }} load lastAssignedAt }} }} }}
    userErrors {{ field code message }} }} }}"""


@dataclass
class Park:
    team: Team
    handlers: list[User]
    item: ServiceItem
    version: ServiceItemVersion
    enterprise: Enterprise
    applicant: User
    other_item: ServiceItem
    other_version: ServiceItemVersion
    other_enterprise: Enterprise
    other_applicant: User
    auditor: User
    orders: list[Order] = field(default_factory=list)


async def park(handlers: int = 2) -> Park:
    team, people = await builders.team_with_handlers(handlers)
    item, version = await builders.published_item(team)
    other_item, other_version = await builders.published_item(team)
    item.name_en = "Business Licence Change"
    await item.save()
    other_item.name_zh = "人才公寓申请"
    await other_item.save()
    enterprise = await builders.verified_enterprise("星河科技有限公司")
    other_enterprise = await builders.verified_enterprise("Acme Robotics Ltd ")
    applicant = await builders.user(Role.APPLICANT, "王申请")
    other_applicant = await builders.user(Role.APPLICANT, "李申请")
    await Membership.create(user=applicant, enterprise=enterprise)
    await Membership.create(user=other_applicant, enterprise=other_enterprise)
    auditor = await builders.user(Role.AUDITOR, "赵审核")
    return Park(
        team,
        people,
        item,
        version,
        enterprise,
        applicant,
        other_item,
        other_version,
        other_enterprise,
        other_applicant,
        auditor,
    )


async def open_order(p: Park, *, other: bool = False, audited: bool = True) -> Order:
    item, version = (p.other_item, p.other_version) if other else (p.item, p.version)
    enterprise, applicant = (
        (p.other_enterprise, p.other_applicant) if other else (p.enterprise, p.applicant)
    )
    application = await builders.approved_application(item, version, enterprise, applicant)
    async with in_transaction() as conn:
        order = await orders.open_order(
            conn,
            Actor(user_id=p.auditor.id if audited else None),
            application,
            approved_by_id=p.auditor.id if audited else None,
            timezone=TZ,
        )
    p.orders.append(order)
    return order


async def login(new_api: Any, user: User) -> Api:
    client: Api = new_api()
    result = await client.login(user.email or "", PASSWORD)
    assert result["userErrors"] == [], result
    return client


async def all_pages(
    client: Api, variables: dict[str, Any], between: Any = None
) -> list[dict[str, Any]]:
    """Every node of a list, page by page; `between` runs after each page (to add rows)."""
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        data = (await client.gql(LIST, {**variables, "after": after}))["orders"]
        seen.extend(e["node"] for e in data["edges"])
        if between is not None:
            await between()
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        after = data["pageInfo"]["endCursor"]
