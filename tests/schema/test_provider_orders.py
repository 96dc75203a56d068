"""Orders for a provider's item through the API: forwarded from the transaction that opens
them, acknowledged, re-routed; the provider's steps (providerUpdateOrder) and their refusals;
and what a provider's token may touch (only its own orders, only what they need)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.models.applications import ApplicationAttachment
from backend.models.files import StoredFile
from backend.models.orders import Order, OrderStatus, OrderUpdate, OrderUpdateKind
from backend.services.core.transactions import in_transaction
from backend.services.orders import forwarding
from backend.services.webhooks.deliveries import AcknowledgedDelivery, run_acknowledged
from backend.services.webhooks.events import (
    ORDER_CANCELLED,
    ORDER_FORWARDED,
    ORDER_INFORMATION_ANSWERED,
)
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login, open_order
from tests.schema.provider_helpers import (
    FORWARD,
    deliveries,
    provider_order,
    provider_park,
    provider_token,
    seen,
    update,
)
from tests.schema.steps_helpers import act


def _data(delivery: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(delivery.body)["data"]
    return data


async def _acknowledge(delivery: Any) -> None:
    await run_acknowledged(delivery)


def _kinds(order: dict[str, Any]) -> list[str]:
    return [e["node"]["kind"] for e in order["timeline"]["edges"]]


# -- forwarding ---------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_an_order_is_forwarded_from_the_transaction_that_opens_it(db: str) -> None:
    world = await provider_park()
    stored = await StoredFile.create(
        sha256="0" * 64, size=3, mime_type="application/pdf", original_name="营业执照.pdf"
    )
    order = await provider_order(world)
    await ApplicationAttachment.create(
        application_id=order.application_id, kind="licence", file=stored
    )

    assert order.status is OrderStatus.PENDING_FORWARD
    # The item's team is recorded, so the park can take the order back.
    assert (order.provider_id, order.team_id) == (world.first.id, world.park.team.id)
    [delivery] = await deliveries(world.first)
    assert delivery.event_type == ORDER_FORWARDED and delivery.key is not None
    data = _data(delivery)
    assert data["order"]["number"] == order.number
    assert data["order"]["id"] == global_id("Order", order.id)
    assert data["order"]["dueAt"] == order.due_at.isoformat()
    assert data["enterprise"] == {"name": world.park.enterprise.name}
    assert "answers" in data and delivery.body_bytes < 20 * 1024
    assert await deliveries(world.second) == []

    # Nothing is forwarded by a transaction that does not commit: no order, no delivery.
    application = await Order.get(id=order.id).values_list("application_id", flat=True)
    before = len(await deliveries(world.first))
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            again = await Order.get(id=order.id, using_db=conn)
            await forwarding.forward(conn, again)  # the same key: nothing new either
            await Order.filter(id=order.id).using_db(conn).update(version=99)
            raise RuntimeError("rolled back")
    assert len(await deliveries(world.first)) == before
    assert (await Order.get(id=order.id)).version == order.version
    assert application == order.application_id


@pytest.mark.postgres
async def test_the_enterprise_chooses_among_the_items_providers(db: str) -> None:
    world = await provider_park()
    order = await provider_order(world, chosen=world.second)
    assert order.provider_id == world.second.id
    assert len(await deliveries(world.second, ORDER_FORWARDED)) == 1
    assert await deliveries(world.first) == []


@pytest.mark.postgres
async def test_the_endpoints_acknowledgement_forwards_once(db: str) -> None:
    world = await provider_park()
    order = await provider_order(world)
    [delivery] = await deliveries(world.first)

    await _acknowledge(delivery)
    await _acknowledge(delivery)  # a worker may run the hook twice
    after = await Order.get(id=order.id)
    assert after.status is OrderStatus.FORWARDED
    assert after.version == order.version + 1

    # An acknowledgement from a provider the order is not with changes nothing.
    other = await provider_order(world)
    stale = AcknowledgedDelivery(
        id=0, provider_id=world.second.id, event_type=ORDER_FORWARDED, message_id="x", key=None,
        data={"order": {"number": other.number}},
    )  # fmt: skip
    for hook in forwarding_hooks():
        await hook(stale)
    assert (await Order.get(id=other.id)).status is OrderStatus.PENDING_FORWARD


def forwarding_hooks() -> list[Any]:
    from backend.services.webhooks.deliveries import ACKNOWLEDGED

    return ACKNOWLEDGED[ORDER_FORWARDED]


# -- the provider's steps -----------------------------------------------------------------------


@pytest.mark.postgres
async def test_a_provider_works_an_order_and_the_applicant_follows_each_step(
    new_api: Any,
) -> None:
    world = await provider_park()
    order = await provider_order(world)
    await _acknowledge((await deliveries(world.first))[0])
    provider = await provider_token(new_api, world.staff)
    applicant = await login(new_api, world.park.applicant)

    accepted = await update(provider, order, "ACCEPT", staffName="  陈工程师 ")
    assert accepted["userErrors"] == []
    assert accepted["order"]["status"] == "IN_PROGRESS"
    assert accepted["order"]["providerStaff"] == "陈工程师"

    progress = await update(provider, order, "PROGRESS", note="已上门勘察", expectedVersion=None)
    assert progress["userErrors"] == []
    assert await OrderUpdate.filter(order_id=order.id, kind=OrderUpdateKind.PROGRESS).count() == 1

    asked = await update(provider, order, "REQUEST_INFORMATION", question="请提供房屋平面图")
    assert asked["userErrors"] == [] and asked["order"]["status"] == "WAITING_ON_APPLICANT"
    answered = await act(applicant, "ANSWER", order, answer="平面图见附件说明")
    assert answered["userErrors"] == []
    [told] = await deliveries(world.first, ORDER_INFORMATION_ANSWERED)
    assert _data(told)["answer"] == "平面图见附件说明"

    done = await update(provider, order, "COMPLETE", result="维修完成，已验收")
    assert done["userErrors"] == [] and done["order"]["status"] == "COMPLETED"

    mine = await seen(applicant, order)
    assert mine is not None
    assert mine["providerStaff"] == "陈工程师"
    assert mine["provider"]["name"] == world.first.name
    assert _kinds(mine) == [
        "ORDER_OPENED", "ORDER_FORWARDED", "ORDER_PROVIDER_ACCEPTED", "ORDER_PROGRESS_NOTED",
        "ORDER_INFORMATION_REQUESTED", "ORDER_INFORMATION_ANSWERED", "ORDER_COMPLETED",
    ]  # fmt: skip
    notes = {e["node"]["kind"]: e["node"]["note"] for e in mine["timeline"]["edges"]}
    assert notes["ORDER_PROVIDER_ACCEPTED"] == "陈工程师"
    assert notes["ORDER_COMPLETED"] == "维修完成，已验收"
    assert [e["node"]["body"] for e in mine["updates"]["edges"]] == ["已上门勘察"]


@pytest.mark.postgres
async def test_a_provider_hands_an_order_back_to_the_items_team(new_api: Any) -> None:
    world = await provider_park()
    order = await provider_order(world)
    await _acknowledge((await deliveries(world.first))[0])
    provider = await provider_token(new_api, world.staff)
    assert (await update(provider, order, "ACCEPT", staffName="陈工"))["userErrors"] == []

    back = await update(provider, order, "HAND_BACK", reason="超出我方服务范围")
    assert back["userErrors"] == []
    assert back["order"] is None  # no longer theirs to see
    after = await Order.get(id=order.id)
    assert after.status is OrderStatus.ASSIGNED  # the automatic choice in the item's team
    assert after.assignee_id in {h.id for h in world.park.handlers}
    assert (after.provider_id, after.provider_staff) == (None, "")
    assert await seen(provider, order) is None
    applicant = await login(new_api, world.park.applicant)
    mine = await seen(applicant, order)
    assert mine is not None
    handed = next(e["node"] for e in mine["timeline"]["edges"]
                  if e["node"]["kind"] == "ORDER_HANDED_BACK")  # fmt: skip
    assert handed["toStatus"] == "PENDING_ASSIGNMENT"
    assert handed["note"] == ""  # why is the park's


@pytest.mark.postgres
async def test_malformed_and_forbidden_provider_updates_are_user_errors(new_api: Any) -> None:
    world = await provider_park()
    order = await provider_order(world)
    provider = await provider_token(new_api, world.staff)

    def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    # Not yet acknowledged: the table refuses.
    early = await update(provider, order, "ACCEPT", staffName="陈工")
    assert codes(early) == [(None, "FORBIDDEN_TRANSITION")]
    await _acknowledge((await deliveries(world.first))[0])
    mixed = await update(provider, order, "ACCEPT", staffName="", result="完成", reason="x")
    assert sorted(codes(mixed)) == [
        (["reason"], "NOT_FOR_STEP"), (["result"], "NOT_FOR_STEP"), (["staffName"], "REQUIRED"),
    ]  # fmt: skip
    unversioned = await update(provider, order, "ACCEPT", staffName="陈工", expectedVersion=None)
    assert codes(unversioned) == [(["expectedVersion"], "VERSION_REQUIRED")]
    too_long = await update(provider, order, "ACCEPT", staffName="陈" * 101)
    assert codes(too_long) == [(["staffName"], "TOO_LONG")]
    stale = await update(provider, order, "ACCEPT", staffName="陈工", expectedVersion=1)
    assert codes(stale) == [(None, "STALE")] or codes(stale)[0][1] == "STALE"
    complete_early = await update(provider, order, "COMPLETE", result="完成")
    assert codes(complete_early)[0][1] == "FORBIDDEN_TRANSITION"
    # Nothing was half-written by any of them.
    assert (await Order.get(id=order.id)).status is OrderStatus.FORWARDED

    # A handler of the park is not the provider.
    handler = await login(new_api, world.park.handlers[0])
    theirs = await update(handler, order, "ACCEPT", staffName="冒名")
    assert [e["code"] for e in theirs["userErrors"]] in (["FORBIDDEN"], ["NOT_FOUND"])
    # A supervisor reads the order, yet is not the provider either: the step is refused.
    supervisor = await login(new_api, await _supervisor())
    posing = await update(supervisor, order, "ACCEPT", staffName="冒名")
    assert [e["code"] for e in posing["userErrors"]] == ["FORBIDDEN"]
    assert (await Order.get(id=order.id)).status is OrderStatus.FORWARDED


# -- re-routing ---------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_a_supervisor_reroutes_a_forwarded_order_to_another_provider(
    new_api: Any,
) -> None:
    world = await provider_park()
    order = await provider_order(world)
    await _acknowledge((await deliveries(world.first))[0])
    supervisor = await login(new_api, await _supervisor())
    applicant = await login(new_api, world.park.applicant)

    def variables(**more: Any) -> dict[str, Any]:
        return {"input": {"orderId": global_id("Order", order.id), "reason": "一号服务商无人手",
                          "expectedVersion": order.version + 1, **more}}  # fmt: skip

    refused = (await applicant.gql(FORWARD, variables()))["forwardOrder"]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    same = await supervisor.gql(
        FORWARD, variables(providerId=global_id("Provider", world.first.id))
    )
    assert [e["code"] for e in same["forwardOrder"]["userErrors"]] == ["SAME_PROVIDER"]

    moved = (await supervisor.gql(FORWARD, variables()))["forwardOrder"]
    assert moved["userErrors"] == []
    assert moved["order"]["status"] == "PENDING_FORWARD"
    assert moved["order"]["provider"]["name"] == world.second.name
    [forwarded] = await deliveries(world.second, ORDER_FORWARDED)
    assert _data(forwarded)["order"]["number"] == order.number
    # The first provider is told it lost the order, and no longer sees it.
    [lost] = await deliveries(world.first, ORDER_CANCELLED)
    assert _data(lost)["reason"] == "REROUTED"
    assert await seen(await provider_token(new_api, world.staff), order) is None
    # The new provider's acknowledgement forwards it again; the old one's changes nothing.
    await _acknowledge((await deliveries(world.first, ORDER_FORWARDED))[0])
    assert (await Order.get(id=order.id)).status is OrderStatus.PENDING_FORWARD
    await _acknowledge(forwarded)
    assert (await Order.get(id=order.id)).status is OrderStatus.FORWARDED


async def _supervisor() -> Any:
    from backend.models.accounts import Role
    from tests import builders

    return await builders.user(Role.SUPERVISOR, "周主管")


# -- what a provider may touch ------------------------------------------------------------------


@pytest.mark.postgres
async def test_a_providers_token_reaches_only_its_own_orders_and_only_what_they_need(
    new_api: Any,
) -> None:
    world = await provider_park()
    order = await provider_order(world)
    others = await provider_order(world, chosen=world.second)
    in_house = await open_order(world.park)
    await OrderUpdate.create(order_id=order.id, kind=OrderUpdateKind.INTERNAL, body="内部备注")
    await OrderUpdate.create(order_id=order.id, kind=OrderUpdateKind.PROGRESS, body="进展")
    session = await login(new_api, world.staff)
    from tests.schema.helpers import issue_token

    issued = await issue_token(
        session, ["orders:read", "orders:write", "providers:read", "files:read"]
    )
    provider = new_api()
    provider.token = issued["secret"]

    mine = await seen(provider, order)
    assert mine is not None and mine["number"] == order.number
    # The park's side: who handles or approved it, why, and internal notes.
    assert (mine["assignee"], mine["team"], mine["auditor"], mine["assignmentReason"]) == (
        None, None, None, None,
    )  # fmt: skip
    # Nor whether it was approved instantly: a null auditor must not read as instant approval.
    assert mine["approvedInstantly"] is None
    assert [e["node"]["kind"] for e in mine["updates"]["edges"]] == ["PROGRESS"]
    # Another provider's order, and an order the park handles: not there.
    assert await seen(provider, others) is None
    assert await seen(provider, in_house) is None
    listed = await provider.gql("{ orders(first: 50) { edges { node { number } } } }")
    assert [e["node"]["number"] for e in listed["orders"]["edges"]] == [order.number]
    refused = await update(provider, others, "PROGRESS", note="越权", expectedVersion=None)
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    # Enterprise data beyond the order: the enterprise itself is not theirs to read.
    enterprise = await provider.post(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": global_id("Enterprise", world.park.enterprise.id)},
    )
    assert enterprise.json()["data"]["node"] is None or "errors" in enterprise.json()
    # The materials of its own order, named in the payload, and not another provider's.
    ours, theirs = [
        await StoredFile.create(sha256="0" * 64, size=3, mime_type="application/pdf",
                                original_name=f"{n}.pdf")
        for n in ("ours", "theirs")
    ]  # fmt: skip
    await ApplicationAttachment.create(application_id=order.application_id, kind="l", file=ours)
    await ApplicationAttachment.create(application_id=others.application_id, kind="l", file=theirs)
    file_query = "query($id: ID!) { node(id: $id) { ... on File { id downloadUrl } } }"
    mine_file = await provider.gql(file_query, {"id": global_id("File", ours.id)})
    assert mine_file["node"]["downloadUrl"]
    not_mine = await provider.gql(file_query, {"id": global_id("File", theirs.id)})
    assert not_mine["node"] is None
    # Its own provider record only.
    records = await provider.gql("{ providers(first: 10) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in records["providers"]["edges"]] == [world.first.name]

    revoked = await session.gql(
        "mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) { userErrors { code } } }",
        {"id": issued["apiToken"]["id"]},
    )
    assert revoked["revokeApiToken"]["userErrors"] == []
    response = await provider.post(
        "query($id: ID!) { order(id: $id) { number } }", {"id": global_id("Order", order.id)}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


# -- what else the provider is told ---------------------------------------------------------------


@pytest.mark.postgres
async def test_messages_owed_materials_and_cancellation_are_announced(new_api: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from backend.models.applications import OwedMaterial
    from backend.services.webhooks.events import (
        ORDER_MESSAGE_RECEIVED,
        ORDER_OWED_MATERIAL_SUPPLIED,
    )
    from tests.schema.conversation_helpers import SUPPLY, send, stored

    world = await provider_park()
    world.version.form = {"fields": [], "attachments": [
        {"kind": "report", "label": {"zh": "财务报表", "en": "report"},
         "mimeTypes": ["application/pdf"], "maxBytes": 1024 * 1024, "required": True,
         "asksExpiry": False, "deferrable": True}]}  # fmt: skip
    await world.version.save()
    order = await provider_order(world)
    await _acknowledge((await deliveries(world.first))[0])
    provider = await provider_token(new_api, world.staff)
    applicant = await login(new_api, world.park.applicant)
    assert (await update(provider, order, "ACCEPT", staffName="陈工"))["userErrors"] == []
    order_id = global_id("Order", order.id)

    sent = await send(applicant, order_id, body="请周三上午上门")
    assert sent["userErrors"] == []
    [message] = await deliveries(world.first, ORDER_MESSAGE_RECEIVED)
    assert _data(message)["message"]["body"] == "请周三上午上门"
    assert _data(message)["order"]["number"] == order.number

    owed = await OwedMaterial.create(
        application_id=order.application_id, kind="report",
        due_on=datetime.now(UTC).date() + timedelta(days=7),
    )  # fmt: skip
    file_id = await stored(world.park.applicant)
    supplied = await applicant.gql(
        SUPPLY, {"input": {"owedMaterialId": global_id("OwedMaterial", owed.id), "fileId": file_id}}
    )
    assert supplied["supplyOwedMaterial"]["userErrors"] == []
    [material] = await deliveries(world.first, ORDER_OWED_MATERIAL_SUPPLIED)
    assert _data(material)["material"] == {"kind": "report", "fileId": file_id}
    # The provider fetches the supplied file through the API with its token.
    fetched = await provider.gql(
        "query($id: ID!) { node(id: $id) { ... on File { id downloadUrl } } }", {"id": file_id}
    )
    assert fetched["node"]["id"] == file_id and fetched["node"]["downloadUrl"]

    # The applicant may cancel only before work starts; a supervisor cancels now.
    supervisor = await login(new_api, await _supervisor())
    cancelled = await act(supervisor, "CANCEL", order, reason="企业已自行解决")
    assert cancelled["userErrors"] == []
    [told] = await deliveries(world.first, ORDER_CANCELLED)
    assert _data(told)["reason"] == "企业已自行解决"
