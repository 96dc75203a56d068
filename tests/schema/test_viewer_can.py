"""What pages need to decide, read from the schema: what the viewer may do with an order or an
application now (`viewerCan`), whether an order is overdue, and which pages they may open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.models.accounts import Role, User
from backend.models.applications import Application, ApplicationStatus, OwedMaterial
from backend.models.catalog import ItemStatus, ServiceItem, ServiceItemVersion
from backend.models.enterprises import (
    Enterprise,
    EnterpriseStatus,
    Membership,
    MembershipRole,
)
from backend.models.orders import Order, OrderStatus
from tests import builders
from tests.conftest import Api
from tests.schema.application_helpers import (
    SAVE,
    materials,
    submission,
    submitted,
    world,
)
from tests.schema.helpers import global_id, signed_in
from tests.schema.order_helpers import login, open_order, park

ORDERS = """query($n: Int) { orders(first: $n) { edges { node {
    number status isOverdue viewerCan { reassign assignAutomatically } } } } }"""
APPLICATION = """query($id: ID!) { node(id: $id) { ... on Application {
    status viewerCan { edit submit withdraw review supplement } } } }"""
ME = """{ me { can { serviceDesk orderQueue allOrders unassignedOrders people teams catalog
    calendar enterpriseReview premises providers applicantPortal tokens notifications
    appointmentDay } } }"""


async def _orders(api: Api, n: int = 50) -> dict[str, dict[str, Any]]:
    data = await api.gql(ORDERS, {"n": n})
    return {e["node"]["number"]: e["node"] for e in data["orders"]["edges"]}


async def test_an_order_is_overdue_while_open_past_its_due_time(new_api: Any) -> None:
    p = await park()
    late, done_late, on_time = [await open_order(p) for _ in range(3)]
    past = datetime.now(UTC) - timedelta(hours=1)
    await Order.filter(id__in=[late.id, done_late.id]).update(due_at=past)
    await Order.filter(id=done_late.id).update(status=OrderStatus.COMPLETED)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    shown = await _orders(supervisor)
    assert shown[late.number]["isOverdue"] is True
    assert shown[done_late.number]["isOverdue"] is False
    assert shown[on_time.number]["isOverdue"] is False


async def test_only_a_supervisor_may_reassign_and_only_from_the_states_the_table_allows(
    new_api: Any,
) -> None:
    p = await park()
    assigned, started, finished = [await open_order(p) for _ in range(3)]
    await Order.filter(id=started.id).update(status=OrderStatus.IN_PROGRESS)
    await Order.filter(id=finished.id).update(status=OrderStatus.COMPLETED)
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    shown = await _orders(supervisor)
    assert shown[assigned.number]["viewerCan"] == {"reassign": True, "assignAutomatically": True}
    # Work has started: it may go to a named handler, but not back through the choice.
    assert shown[started.number]["viewerCan"] == {"reassign": True, "assignAutomatically": False}
    assert shown[finished.number]["viewerCan"] == {"reassign": False, "assignAutomatically": False}
    holder = await Order.get(id=assigned.id).prefetch_related("assignee")
    handler = await login(new_api, holder.assignee)
    mine = await _orders(handler)
    assert mine[assigned.number]["viewerCan"] == {"reassign": False, "assignAutomatically": False}
    applicant = await login(new_api, p.applicant)
    theirs = await _orders(applicant)
    assert all(
        o["viewerCan"] == {"reassign": False, "assignAutomatically": False} for o in theirs.values()
    )


@pytest.mark.postgres
async def test_viewer_can_on_a_list_costs_the_same_for_2_and_20(
    new_api: Any, sql_counter: Any
) -> None:
    p = await park(handlers=3)
    for _ in range(22):
        await open_order(p)
    applicant = await login(new_api, p.applicant)
    counts = []
    for n in (2, 20):
        await applicant.prime()
        sql_counter.reset()
        assert len(await _orders(applicant, n)) == n
        counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements


async def _can(api: Api, app_id: str) -> dict[str, bool]:
    node = (await api.gql(APPLICATION, {"id": app_id}))["node"]
    return dict(node["viewerCan"])


NOTHING = {"edit": False, "submit": False, "withdraw": False, "review": False, "supplement": False}


async def test_an_application_says_who_may_do_what_in_each_state(new_api: Any) -> None:
    w = await world(new_api)
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    app_id = draft["application"]["id"]
    assert await _can(w.applicant, app_id) == {
        **NOTHING, "edit": True, "submit": True, "withdraw": True,
    }  # fmt: skip
    # The enterprise's own draft is not the desk's: it does not even see it.
    assert (await w.auditor.gql(APPLICATION, {"id": app_id}))["node"] is None
    under = await submitted(
        w.applicant,
        submission(w, applicationId=app_id, expectedVersion=draft["application"]["version"],
                   attachments=await materials(w.owner)),
    )  # fmt: skip
    assert under["application"]["status"] == "UNDER_REVIEW"
    assert await _can(w.applicant, app_id) == {**NOTHING, "withdraw": True}
    assert await _can(w.auditor, app_id) == {**NOTHING, "review": True, "supplement": True}
    # Approved: the desk supplements only while a material is owed.
    pk = int((await Application.get(number=under["application"]["number"])).id)
    await Application.filter(id=pk).update(status=ApplicationStatus.APPROVED)
    assert await _can(w.auditor, app_id) == NOTHING
    await OwedMaterial.create(application_id=pk, kind="report", due_on=datetime.now(UTC).date())
    assert await _can(w.auditor, app_id) == {**NOTHING, "supplement": True}
    assert await _can(w.applicant, app_id) == NOTHING


async def test_a_retired_item_can_no_longer_be_edited_or_submitted(new_api: Any) -> None:
    w = await world(new_api)
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    await ServiceItem.filter(id=w.item.id).update(status=ItemStatus.RETIRED)
    assert await _can(w.applicant, draft["application"]["id"]) == {**NOTHING, "withdraw": True}


PAGES = {
    "APPLICANT": {"applicantPortal"},
    "AUDITOR": {"serviceDesk", "orderQueue", "allOrders"},
    "HANDLER": {"orderQueue", "appointmentDay"},
    "SUPERVISOR": {"orderQueue", "allOrders", "unassignedOrders", "appointmentDay"},
    "ADMIN": {
        "orderQueue", "allOrders", "unassignedOrders", "people", "teams", "catalog",
        "calendar", "enterpriseReview", "premises", "providers", "appointmentDay",
    },
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(PAGES))
async def test_me_can_opens_exactly_the_pages_of_the_role(new_api: Any, role: str) -> None:
    api = await signed_in(new_api, f"{role.lower()}@example.com", [role])
    can = (await api.gql(ME))["me"]["can"]
    opened = {page for page, allowed in can.items() if allowed}
    assert opened == PAGES[role] | {"tokens", "notifications"}


async def test_me_can_is_only_about_oneself(new_api: Any) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    other = await builders.user(Role.HANDLER)
    data = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on User { can { people } } } }",
        {"id": global_id("User", other.id)},
    )
    assert data["node"] == {"can": None}
    assert (await new_api().gql("{ me { id } }"))["me"] is None


APPLICATIONS = """query($n: Int) { applications(first: $n) { edges { node {
    number viewerCan { edit submit withdraw review supplement } } } } }"""


@pytest.mark.postgres
async def test_application_viewer_can_on_a_list_costs_the_same_for_2_and_20(
    new_api: Any, sql_counter: Any
) -> None:
    w = await world(new_api)
    for _ in range(21):
        await w.applicant.gql(SAVE, {"input": submission(w)})
    counts = []
    for n in (2, 20):
        await w.applicant.prime()
        sql_counter.reset()
        edges = (await w.applicant.gql(APPLICATIONS, {"n": n}))["applications"]["edges"]
        assert len(edges) == n and all(e["node"]["viewerCan"]["edit"] for e in edges)
        counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements


ITEMS = """query($n: Int) { serviceItems(first: $n, includeUnpublished: true) { edges { node {
    id viewerCan { edit publish retire apply } } } } }"""
ITEM = """query($id: ID!) { node(id: $id) { ... on ServiceItem {
    viewerCan { edit publish retire apply } } } }"""


async def _item_can(api: Api, item_id: int) -> dict[str, bool]:
    node = (await api.gql(ITEM, {"id": global_id("ServiceItem", item_id)}))["node"]
    return dict(node["viewerCan"])


async def test_a_service_item_says_who_may_publish_retire_or_apply_in_each_state(
    new_api: Any,
) -> None:
    item, version = await builders.published_item(None)
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    applicant = await signed_in(new_api, "applicant@example.com", ["APPLICANT"])
    # Published with its latest version live: nothing new to publish.
    assert await _item_can(admin, item.id) == {
        "edit": True, "publish": False, "retire": True, "apply": True,
    }  # fmt: skip
    assert await _item_can(applicant, item.id) == {
        "edit": False, "publish": False, "retire": False, "apply": True,
    }  # fmt: skip
    # A newer version waits: publishing it is offered again.
    await ServiceItemVersion.create(
        item=item, number=2, name_zh=version.name_zh, review_mode=version.review_mode,
        fulfilment=version.fulfilment, time_limit_days=version.time_limit_days, form=version.form,
    )  # fmt: skip
    await ServiceItem.filter(id=item.id).update(latest_number=2)
    assert (await _item_can(admin, item.id))["publish"] is True
    await ServiceItem.filter(id=item.id).update(status=ItemStatus.RETIRED)
    assert await _item_can(admin, item.id) == {
        "edit": True, "publish": True, "retire": False, "apply": False,
    }  # fmt: skip


@pytest.mark.postgres
async def test_service_item_viewer_can_on_a_list_costs_the_same_for_2_and_20(
    new_api: Any, sql_counter: Any
) -> None:
    for _ in range(21):
        await builders.published_item(None)
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    counts = []
    for n in (2, 20):
        await admin.prime()
        sql_counter.reset()
        edges = (await admin.gql(ITEMS, {"n": n}))["serviceItems"]["edges"]
        assert len(edges) == n and all(e["node"]["viewerCan"]["retire"] for e in edges)
        counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements


ENTERPRISE = """query($id: ID!) { node(id: $id) { ... on Enterprise {
    viewerCan { review resubmit invite apply } } } }"""
ENTERPRISES = """query($n: Int) { enterprises(first: $n) { edges { node {
    id viewerCan { review resubmit invite apply } } } } }"""


async def _enterprise_can(api: Api, enterprise_id: int) -> dict[str, bool]:
    node = (await api.gql(ENTERPRISE, {"id": global_id("Enterprise", enterprise_id)}))["node"]
    return dict(node["viewerCan"])


async def test_an_enterprise_says_who_may_review_resubmit_invite_or_apply_in_each_state(
    new_api: Any,
) -> None:
    enterprise = await builders.verified_enterprise()
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    owner_api = await signed_in(new_api, "owner@example.com", ["APPLICANT"])
    member_api = await signed_in(new_api, "member@example.com", ["APPLICANT"])
    owner = await User.get(email="owner@example.com")
    member = await User.get(email="member@example.com")
    await Membership.create(user=owner, enterprise=enterprise, role=MembershipRole.OWNER)
    await Membership.create(user=member, enterprise=enterprise, role=MembershipRole.MEMBER)
    nothing = {"review": False, "resubmit": False, "invite": False, "apply": False}
    assert await _enterprise_can(owner_api, enterprise.id) == {
        **nothing, "invite": True, "apply": True,
    }  # fmt: skip
    assert await _enterprise_can(member_api, enterprise.id) == {**nothing, "apply": True}
    assert await _enterprise_can(admin, enterprise.id) == nothing
    await Enterprise.filter(id=enterprise.id).update(status=EnterpriseStatus.PENDING)
    assert await _enterprise_can(admin, enterprise.id) == {**nothing, "review": True}
    assert await _enterprise_can(owner_api, enterprise.id) == nothing
    await Enterprise.filter(id=enterprise.id).update(status=EnterpriseStatus.REJECTED)
    assert await _enterprise_can(owner_api, enterprise.id) == {**nothing, "resubmit": True}
    assert await _enterprise_can(member_api, enterprise.id) == nothing
    assert await _enterprise_can(admin, enterprise.id) == nothing


@pytest.mark.postgres
async def test_enterprise_viewer_can_on_a_list_costs_the_same_for_2_and_20(
    new_api: Any, sql_counter: Any
) -> None:
    for _ in range(21):
        await Enterprise.create(
            name=f"待审企业{_}", credit_code=f"91350100M0009{_:04d}"[:18],
            status=EnterpriseStatus.PENDING,
        )  # fmt: skip
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    counts = []
    for n in (2, 20):
        await admin.prime()
        sql_counter.reset()
        edges = (await admin.gql(ENTERPRISES, {"n": n}))["enterprises"]["edges"]
        assert len(edges) == n and all(e["node"]["viewerCan"]["review"] for e in edges)
        counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements
