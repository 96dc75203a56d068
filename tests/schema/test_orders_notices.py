"""Who is told of each processing step, and who is not: the applicant's enterprise (every
member) of the handler's steps, the handler of the enterprise's; never the person who acted;
each notice linking to the order's page, in the reader's language; new messages one unread
notice per order and reader."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Notification, Role, User
from backend.models.applications import OwedMaterial
from backend.models.enterprises import Membership
from backend.models.orders import Order
from backend.services.notifications.notifications import render
from tests import builders
from tests.schema.conversation_helpers import (
    REVIEW,
    SUPPLY,
    Cast,
    cast,
    mark_read,
    post,
    send,
    stored,
)
from tests.schema.helpers import global_id
from tests.schema.order_helpers import ASSIGN, login
from tests.schema.steps_helpers import act
from tests.schema.test_orders_owed import FORM


class Inbox:
    """The notices written since the last look, as (who, kind) pairs."""

    def __init__(self, c: Cast, colleague: User) -> None:
        self.names = {u.id: role for role, u in c.users.items()} | {colleague.id: "colleague"}
        self.seen = 0
        self.link = f"/orders/{c.order.number}"

    async def start(self) -> Inbox:
        last = await Notification.all().order_by("-id").first()
        self.seen = last.id if last else 0
        return self

    async def news(self) -> set[tuple[str, str]]:
        rows = await Notification.filter(id__gt=self.seen).order_by("id")
        if rows:
            self.seen = rows[-1].id
        for row in rows:
            assert row.link == self.link, (row.kind, row.link)
        return {(self.names.get(r.user_id, str(r.user_id)), r.kind) for r in rows}


async def _world(new_api: Any) -> tuple[Cast, Inbox, Any]:
    c = await cast(new_api, form=FORM)
    colleague = await builders.user(Role.APPLICANT, "周同事")
    await Membership.create(user=colleague, enterprise=c.park.enterprise)
    inbox = await Inbox(c, colleague).start()
    return c, inbox, await login(new_api, colleague)


def _enterprise(kind: str, *without: str) -> set[tuple[str, str]]:
    return {(who, kind) for who in ("applicant", "colleague") if who not in without}


@pytest.mark.postgres
async def test_each_step_tells_the_other_side_and_never_the_one_who_acted(new_api: Any) -> None:
    c, inbox, colleague = await _world(new_api)
    order = c.order
    assert (await act(c["assignee"], "ACCEPT", order))["userErrors"] == []
    assert await inbox.news() == _enterprise("ORDER_ACCEPTED")

    asked = await act(c["assignee"], "REQUEST_INFORMATION", order, fileTypes=[])
    assert asked["userErrors"] == []
    assert await inbox.news() == _enterprise("ORDER_INFORMATION_REQUESTED")

    assert (await act(colleague, "ANSWER", order, answer="已补充"))["userErrors"] == []
    assert await inbox.news() == {("assignee", "ORDER_INFORMATION_ANSWERED")}

    assert (await post(c["assignee"], c.order_id, kind="PROGRESS", body="材料已送审"))[
        "userErrors"
    ] == []
    assert await inbox.news() == _enterprise("ORDER_PROGRESS")
    # An internal note is the park's: the applicant is not told of it, nor anyone else.
    assert (await post(c["assignee"], c.order_id, kind="INTERNAL", body="内部"))["userErrors"] == []
    assert await inbox.news() == set()
    # A supervisor's progress note tells the enterprise, not the supervisor.
    assert (await post(c["supervisor"], c.order_id, kind="PROGRESS", body="已督办"))[
        "userErrors"
    ] == []
    assert await inbox.news() == _enterprise("ORDER_PROGRESS")

    result = "已办结，" + "证照已寄出。" * 60
    assert (await act(c["assignee"], "COMPLETE", order, result=result))["userErrors"] == []
    assert await inbox.news() == _enterprise("ORDER_COMPLETED")
    completed = await Notification.get(user_id=c.users["applicant"].id, kind="ORDER_COMPLETED")
    # The result is quoted, shortened: the order's page has it whole.
    assert completed.params["result"].startswith("已办结，证照已寄出。")
    assert len(completed.params["result"]) == 200


@pytest.mark.postgres
async def test_new_messages_are_one_unread_notice_per_order_and_reader(new_api: Any) -> None:
    c, inbox, colleague = await _world(new_api)
    assert (await send(c["applicant"], c.order_id, body="请问进度？"))["userErrors"] == []
    assert await inbox.news() == {("assignee", "ORDER_MESSAGE")}
    assert (await send(colleague, c.order_id, body="补充一句"))["userErrors"] == []
    assert await inbox.news() == set()  # the first is still unread
    assert (await mark_read(c["assignee"], c.order_id))["userErrors"] == []
    handler = c.users["assignee"].id
    unread = Notification.filter(user_id=handler, kind="ORDER_MESSAGE", read_at__isnull=True)
    assert not await unread.exists()  # read where the messages are
    assert (await send(c["applicant"], c.order_id, body="还有一个问题"))["userErrors"] == []
    assert await inbox.news() == {("assignee", "ORDER_MESSAGE")}
    assert (await send(c["assignee"], c.order_id, body="正在办理"))["userErrors"] == []
    assert await inbox.news() == _enterprise("ORDER_MESSAGE")


@pytest.mark.postgres
async def test_a_cancellation_tells_the_other_side(new_api: Any) -> None:
    c, inbox, _ = await _world(new_api)
    assert (await act(c["applicant"], "CANCEL", c.order, reason="不再需要"))["userErrors"] == []
    assert await inbox.news() == {("assignee", "ORDER_CANCELLED"), ("colleague", "ORDER_CANCELLED")}
    told = await Notification.get(user_id=c.users["assignee"].id, kind="ORDER_CANCELLED")
    assert render(told, "en") == f"Order {c.order.number} was cancelled: 不再需要"
    assert render(told, "zh-CN") == f"工单 {c.order.number} 已取消：不再需要"

    other, inbox2, _ = await _world(new_api)
    payload = await act(other["supervisor"], "CANCEL", other.order, reason="重复申请")
    assert payload["userErrors"] == []
    assert await inbox2.news() == _enterprise("ORDER_CANCELLED") | {("assignee", "ORDER_CANCELLED")}


@pytest.mark.postgres
async def test_owed_materials_supplied_returned_and_accepted_are_told(new_api: Any) -> None:
    c, inbox, _ = await _world(new_api)
    row = await OwedMaterial.create(
        application_id=c.order.application_id, kind="report", due_on=c.order.created_at.date()
    )
    owed_id = global_id("OwedMaterial", row.id)

    async def supply() -> None:
        file_id = await stored(c.users["applicant"])
        data = await c["applicant"].gql(
            SUPPLY, {"input": {"owedMaterialId": owed_id, "fileId": file_id}}
        )
        assert data["supplyOwedMaterial"]["userErrors"] == []

    await supply()
    assert await inbox.news() == {("assignee", "OWED_MATERIAL_SUPPLIED")}
    supplied = await Notification.get(user_id=c.users["assignee"].id, kind="OWED_MATERIAL_SUPPLIED")
    assert render(supplied, "en").startswith(f"financial report for order {c.order.number}")
    assert render(supplied, "zh-CN").startswith(f"工单 {c.order.number} 的容缺材料「财务报表」")

    review = {"owedMaterialId": owed_id, "decision": "RETURN", "reason": "缺少盖章"}
    data = await c["auditor"].gql(REVIEW, {"input": review})
    assert data["reviewOwedMaterial"]["userErrors"] == []
    assert await inbox.news() == _enterprise("OWED_MATERIAL_RETURNED")
    returned = await Notification.get(
        user_id=c.users["applicant"].id, kind="OWED_MATERIAL_RETURNED"
    )
    assert "缺少盖章" in render(returned, "zh-CN")

    await supply()
    assert await inbox.news() == {("assignee", "OWED_MATERIAL_SUPPLIED")}
    review = {"owedMaterialId": owed_id, "decision": "ACCEPT", "reason": ""}
    data = await c["assignee"].gql(REVIEW, {"input": review})
    assert data["reviewOwedMaterial"]["userErrors"] == []
    assert await inbox.news() == _enterprise("OWED_MATERIAL_ACCEPTED")


@pytest.mark.postgres
async def test_a_supervisors_reassignment_tells_both_handlers_and_not_the_applicant(
    new_api: Any,
) -> None:
    c, inbox, _ = await _world(new_api)
    stored_order = await Order.get(id=c.order.id)
    variables = {
        "orderId": c.order_id,
        "expectedVersion": stored_order.version,
        "handlerId": global_id("User", c.users["other_handler"].id),
        "reason": "熟悉该企业",
    }
    data = await c["supervisor"].gql(ASSIGN, {"input": variables})
    assert data["assignOrder"]["userErrors"] == []
    rows = await Notification.filter(id__gt=inbox.seen)
    assert {(inbox.names[r.user_id], r.kind, r.link) for r in rows} == {
        ("other_handler", "ORDER_ASSIGNED", inbox.link),
        # The order is no longer theirs to open: their queue is what changed.
        ("assignee", "ORDER_TAKEN_AWAY", "/orders"),
    }
