"""Processing through the API: an order worked to the end with files both ways, declines that
hand it on, pauses that move the due date, capacity set by admins; and bad input, each refusal
a clear userError with nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend.models.accounts import TeamMember
from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.files import StoredFile
from backend.models.orders import Order, OrderAttachment, OrderStatus
from backend.services.core import clock
from tests.schema.conversation_helpers import REVIEW
from tests.schema.enterprise_helpers import JPEG, PDF, PNG, storage_app
from tests.schema.helpers import codes as helper_codes
from tests.schema.helpers import global_id, token_client
from tests.schema.order_helpers import open_order
from tests.schema.steps_helpers import (
    ORDER,
    act,
    codes,
    document_id,
    footprint,
    order_in,
    people,
    upload_document,
)
from tests.services.orders.helpers import at, end_of

ONE = f"query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"
TIMELINE = """query($id: ID!) { order(id: $id) { timeline(first: 50) { edges { node {
    kind fromStatus toStatus note actor { name } } } } } }"""
REASON = """query($id: ID!) { order(id: $id) { assignee { id } assignmentReason { rule
    skipped { why candidate { user { id } load maxOpenOrders } } } } }"""


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def _one(client, order: Order) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data: dict[str, Any] = (await client.gql(ONE, {"id": global_id("Order", order.id)}))["order"]
    return data


async def _timeline(client, order: Order) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    data = await client.gql(TIMELINE, {"id": global_id("Order", order.id)})
    return [e["node"] for e in data["order"]["timeline"]["edges"]]


@pytest.mark.postgres
async def test_an_order_worked_to_the_end_with_files_both_ways(new_api: Any) -> None:
    world = await people(new_api)
    handler, applicant = world.clients["assignee"], world.clients["applicant"]
    order = await order_in(world.park, OrderStatus.ASSIGNED)

    accepted = await act(handler, "ACCEPT", order)
    assert accepted["userErrors"] == []
    assert accepted["order"]["status"] == "IN_PROGRESS"
    assert accepted["order"]["viewerCan"]["requestInformation"] is True

    asked = await act(
        handler, "REQUEST_INFORMATION", order, question="请补充 2026 年审计报告", fileTypes=[
            "application/pdf", " Application/PDF "]
    )  # fmt: skip
    assert asked["userErrors"] == []
    assert asked["order"]["status"] == "WAITING_ON_APPLICANT"
    [request] = asked["order"]["informationRequests"]
    assert (request["question"], request["fileTypes"], request["answer"]) == (
        "请补充 2026 年审计报告",
        ["application/pdf"],
        "",
    )
    assert request["askedBy"] == {"name": world.park.handlers[0].name}
    [pause] = asked["order"]["pauses"]
    assert pause["endedAt"] is None and pause["workingDays"] == 0

    mine = await _one(applicant, order)
    assert mine["viewerCan"]["answerInformation"] is True
    assert mine["viewerCan"]["cancel"] is False  # work has started: only a supervisor may
    report = await document_id(applicant, PDF, "2026审计报告.pdf")
    answered = await act(applicant, "ANSWER", order, answer="见附件", attachmentIds=[report])
    assert answered["userErrors"] == []
    assert answered["order"]["status"] == "IN_PROGRESS"
    [request] = answered["order"]["informationRequests"]
    assert request["answer"] == "见附件"
    assert request["answeredBy"] == {"name": world.park.applicant.name}
    [file] = request["files"]
    assert (file["id"], file["name"], file["mimeType"]) == (
        report,
        "2026审计报告.pdf",
        "application/pdf",
    )
    [pause] = answered["order"]["pauses"]
    assert pause["endedAt"] is not None

    # The handler downloads the applicant's file through their own link.
    seen = await _one(handler, order)
    link = seen["informationRequests"][0]["files"][0]["downloadUrl"]
    download = await handler.client.get(link)
    assert download.status_code == 200 and download.content == PDF

    licence = await document_id(handler, PNG, "营业执照变更通知书.png")
    done = await act(
        handler, "COMPLETE", order, result="变更已办结，新执照已寄出", attachmentIds=[licence]
    )
    assert done["userErrors"] == []
    assert done["order"]["status"] == "COMPLETED"
    assert done["order"]["remainingWorkingDays"] is None
    assert done["order"]["viewerCan"] == {
        "accept": False, "decline": False, "requestInformation": False,
        "answerInformation": False, "complete": False, "cancel": False, "reassign": False,
        "assignAutomatically": False,
    }  # fmt: skip

    result = (await _one(applicant, order))["result"]
    assert result["text"] == "变更已办结，新执照已寄出"
    [document] = result["documents"]
    assert (document["name"], document["mimeType"]) == ("营业执照变更通知书.png", "image/png")
    download = await applicant.client.get(document["downloadUrl"])
    assert download.status_code == 200 and download.content == PNG
    # Someone who does not see the order gets no link and no bytes.
    stranger = world.clients["another applicant"]
    assert (await _one(stranger, order)) is None
    assert (await stranger.client.get(document["downloadUrl"])).status_code == 403

    kinds = [(e["kind"], e["fromStatus"], e["toStatus"]) for e in await _timeline(applicant, order)]
    assert kinds[-4:] == [
        ("ORDER_ACCEPTED", "ASSIGNED", "IN_PROGRESS"),
        ("ORDER_INFORMATION_REQUESTED", "IN_PROGRESS", "WAITING_ON_APPLICANT"),
        ("ORDER_INFORMATION_ANSWERED", "WAITING_ON_APPLICANT", "IN_PROGRESS"),
        ("ORDER_COMPLETED", "IN_PROGRESS", "COMPLETED"),
    ]


@pytest.mark.postgres
async def test_a_decline_reason_is_for_staff_and_the_order_goes_to_the_next_handler(
    new_api: Any,
) -> None:
    world = await people(new_api)
    order = await order_in(world.park, OrderStatus.ASSIGNED)
    declined = await act(world.clients["assignee"], "DECLINE", order, reason="该企业是我亲属所办")
    assert declined["userErrors"] == []
    assert declined["order"] is None  # no longer theirs to see
    nxt = world.park.handlers[1]
    assert (await Order.get(id=order.id)).assignee_id == nxt.id  # type: ignore[attr-defined]

    supervisor = world.clients["supervisor"]
    reason = (await supervisor.gql(REASON, {"id": global_id("Order", order.id)}))["order"]
    assert reason["assignee"] == {"id": global_id("User", nxt.id)}
    assert reason["assignmentReason"]["skipped"] == [
        {
            "why": "DECLINED",
            "candidate": {
                "user": {"id": global_id("User", world.park.handlers[0].id)},
                "load": 1,  # the order they were declining, still theirs at that moment
                "maxOpenOrders": None,
            },
        }
    ]
    staff_sees = (await _timeline(supervisor, order))[-1]
    assert (staff_sees["kind"], staff_sees["note"]) == ("ORDER_DECLINED", "该企业是我亲属所办")
    applicant_sees = (await _timeline(world.clients["applicant"], order))[-1]
    assert (applicant_sees["kind"], applicant_sees["note"]) == ("ORDER_DECLINED", "")
    assert applicant_sees["toStatus"] == "ASSIGNED"  # it changed hands, not why

    # The second handler declines too: nobody is left, the order waits for a supervisor.
    again = await act(world.clients["another handler"], "DECLINE", order, reason="人手不足")
    assert again["userErrors"] == []
    stored = await Order.get(id=order.id)
    assert (stored.status, stored.assignee_id) == (OrderStatus.PENDING_ASSIGNMENT, None)  # type: ignore[attr-defined]
    waiting = (await supervisor.gql(REASON, {"id": global_id("Order", order.id)}))["order"]
    assert waiting["assignmentReason"]["rule"] == "NO_ELIGIBLE_HANDLER"
    assert [s["why"] for s in waiting["assignmentReason"]["skipped"]] == ["DECLINED", "DECLINED"]


@pytest.mark.postgres
async def test_the_due_date_and_remaining_days_follow_the_pauses_in_the_api(
    new_api: Any,
) -> None:
    world = await people(new_api)
    handler, applicant = world.clients["assignee"], world.clients["applicant"]
    order = await order_in(world.park, OrderStatus.IN_PROGRESS)
    await Order.filter(id=order.id).update(due_at=end_of("2027-03-10"))
    with clock.moved_to(at("2027-03-05", 15)):
        before = await _one(applicant, order)
        assert (before["remainingWorkingDays"], before["isOverdue"]) == (3, False)
        asked = await act(handler, "REQUEST_INFORMATION", order, fileTypes=[])
        assert asked["userErrors"] == []
    with clock.moved_to(at("2027-03-11", 10)):  # Thursday: past the stored due date
        waiting = await _one(applicant, order)
        assert (waiting["remainingWorkingDays"], waiting["isOverdue"]) == (3, False)
        assert waiting["pauses"][0]["workingDays"] == 4
        listed = await applicant.gql("{ orders(first: 5) { edges { node { number isOverdue } } } }")
        assert [e["node"]["isOverdue"] for e in listed["orders"]["edges"]] == [False]
        answered = await act(applicant, "ANSWER", order, answer="已补充")
        assert answered["userErrors"] == []
    moved = answered["order"]
    assert datetime.fromisoformat(moved["dueAt"]) == end_of("2027-03-16")
    assert moved["pauses"] == [
        {
            "startedAt": at("2027-03-05", 15).astimezone(UTC).isoformat(),
            "endedAt": at("2027-03-11", 10).astimezone(UTC).isoformat(),
            "workingDays": 4,
        }
    ]


@pytest.mark.postgres
async def test_admins_set_a_handlers_capacity_and_the_choice_says_who_was_full(
    new_api: Any,
) -> None:
    world = await people(new_api)
    p = world.park
    team = global_id("Team", p.team.id)
    setting = """mutation($input: SetHandlerCapacityInput!) { setHandlerCapacity(input: $input) {
        team { version members { user { id } maxOpenOrders } }
        userErrors { field code message } } }"""

    async def capacity(client, maximum: Any, version: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        variables = {
            "teamId": team,
            "userId": global_id("User", p.handlers[0].id),
            "maxOpenOrders": maximum,
            "expectedVersion": version,
        }
        data = await client.gql(setting, {"input": variables})
        payload: dict[str, Any] = data["setHandlerCapacity"]
        return payload

    for role in ("supervisor", "assignee", "applicant"):
        assert codes(await capacity(world.clients[role], 1, 1)) == ["FORBIDDEN"]
    bad = await capacity(world.clients["admin"], 0, 1)
    assert bad["userErrors"] == [
        {
            "field": ["maxOpenOrders"],
            "code": "CAPACITY_OUT_OF_RANGE",
            "message": "请输入 1 到 1000 之间的整数；不限则留空。",
        }
    ]
    assert codes(await capacity(world.clients["admin"], 1, 7)) == ["STALE"]
    done = await capacity(world.clients["admin"], 1, 1)
    assert done["userErrors"] == []
    limits = {m["user"]["id"]: m["maxOpenOrders"] for m in done["team"]["members"]}
    assert limits == {
        global_id("User", p.handlers[0].id): 1,
        global_id("User", p.handlers[1].id): None,
    }
    await TeamMember.filter(team=p.team).update(last_assigned_at=None)
    await order_in(p, OrderStatus.IN_PROGRESS)  # handler 0 holds one: full
    order = await open_order(p)
    reason = (await world.clients["supervisor"].gql(REASON, {"id": global_id("Order", order.id)}))[
        "order"
    ]
    assert reason["assignee"] == {"id": global_id("User", p.handlers[1].id)}
    assert reason["assignmentReason"]["skipped"] == [
        {
            "why": "AT_CAPACITY",
            "candidate": {
                "user": {"id": global_id("User", p.handlers[0].id)},
                "load": 1,
                "maxOpenOrders": 1,
            },
        }
    ]
    lifted = await capacity(world.clients["admin"], None, 2)
    assert lifted["userErrors"] == []
    assert (await TeamMember.get(team=p.team, user=p.handlers[0])).max_open_orders is None


# -- bad input: a clear userError each, nothing half-written ------------------------------------


async def _refused(client, action: str, order: Order, **fields: Any) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    before = await footprint(order)
    payload = await act(client, action, order, **fields)
    assert payload["order"] is None
    assert await footprint(order) == before
    errors: list[dict[str, Any]] = payload["userErrors"]
    assert errors
    return errors


def _what(errors: list[dict[str, Any]]) -> list[tuple[Any, str]]:
    return [(e["field"], e["code"]) for e in errors]


@pytest.mark.postgres
async def test_empty_and_oversized_words_are_refused_at_their_field(new_api: Any) -> None:
    world = await people(new_api)
    handler = world.clients["assignee"]
    assigned = await order_in(world.park, OrderStatus.ASSIGNED)
    errors = await _refused(handler, "DECLINE", assigned, reason="   ")
    assert errors == [{"field": ["reason"], "code": "REQUIRED", "message": "此项为必填项。"}]
    assert _what(await _refused(handler, "DECLINE", assigned, reason="理" * 501)) == [
        (["reason"], "TOO_LONG")
    ]
    working = await order_in(world.park, OrderStatus.IN_PROGRESS)
    assert _what(
        await _refused(
            handler, "REQUEST_INFORMATION", working, question="问" * 2001,
            fileTypes=["text/html", "application/pdf"],
        )
    ) == [(["question"], "TOO_LONG"), (["fileTypes", "0"], "UNKNOWN_FILE_TYPE")]  # fmt: skip
    assert _what(await _refused(handler, "COMPLETE", working, result="\n \n")) == [
        (["result"], "REQUIRED")
    ]
    assert _what(await _refused(handler, "COMPLETE", working, result="果" * 5001)) == [
        (["result"], "TOO_LONG")
    ]
    errors = await _refused(world.clients["supervisor"], "CANCEL", working, reason="")
    assert _what(errors) == [(["reason"], "REQUIRED")]
    waiting = await order_in(world.park, OrderStatus.WAITING_ON_APPLICANT)
    applicant = world.clients["applicant"]
    assert _what(await _refused(applicant, "ANSWER", waiting, answer=" ")) == [
        (["answer"], "REQUIRED")
    ]
    assert _what(await _refused(applicant, "ANSWER", waiting, answer="答" * 2001)) == [
        (["answer"], "TOO_LONG")
    ]


@pytest.mark.postgres
async def test_files_of_the_wrong_type_or_someone_elses_are_refused(new_api: Any) -> None:
    world = await people(new_api)
    handler, applicant = world.clients["assignee"], world.clients["applicant"]
    # The upload itself judges the bytes: a text file is nothing an order takes.
    upload = await upload_document(applicant, b"just some words\n", "报表.pdf")
    assert upload["file"] is None
    assert [e["code"] for e in upload["userErrors"]] == ["FILE_TYPE_NOT_ALLOWED"]
    assert await StoredFile.all().count() == 0

    working = await order_in(world.park, OrderStatus.IN_PROGRESS)
    asked = await act(handler, "REQUEST_INFORMATION", working, fileTypes=["application/pdf"])
    assert asked["userErrors"] == []
    photo = await document_id(applicant, JPEG, "报表.jpg")
    errors = await _refused(applicant, "ANSWER", working, answer="见附件", attachmentIds=[photo])
    assert errors == [
        {
            "field": ["attachmentIds", "0"],
            "code": "FILE_TYPE_NOT_ALLOWED",
            "message": "此处不接受这种文件，请上传以下格式之一：PDF。",
        }
    ]
    assert _what(await _refused(applicant, "ANSWER", working, answer="稍后补")) == [
        (["attachmentIds"], "FILES_WANTED")
    ]
    theirs = await document_id(handler, PDF, "办理人的文件.pdf")
    assert _what(await _refused(applicant, "ANSWER", working, attachmentIds=[theirs])) == [
        (["attachmentIds", "0"], "ATTACHMENT_NOT_YOURS")
    ]
    not_a_file = global_id("Order", working.id)
    assert _what(await _refused(applicant, "ANSWER", working, attachmentIds=[not_a_file])) == [
        (["attachmentIds", "0"], "ATTACHMENT_NOT_YOURS")
    ]
    too_many = [await document_id(applicant, PDF, f"{i}.pdf") for i in range(11)]
    assert _what(await _refused(applicant, "ANSWER", working, attachmentIds=too_many)) == [
        (["attachmentIds"], "TOO_MANY_ATTACHMENTS")
    ]
    report = await document_id(applicant, PDF, "报表.pdf")
    assert _what(await _refused(applicant, "ANSWER", working, attachmentIds=[report, report])) == [
        (["attachmentIds", "1"], "DUPLICATE_ATTACHMENT")
    ]
    ok = await act(applicant, "ANSWER", working, attachmentIds=[report])
    assert ok["userErrors"] == []
    assert await OrderAttachment.filter(order_id=working.id).count() == 1
    # A file already part of an order is not attached to another.
    second = await order_in(world.park, OrderStatus.WAITING_ON_APPLICANT)
    assert _what(await _refused(applicant, "ANSWER", second, attachmentIds=[report])) == [
        (["attachmentIds", "0"], "FILE_ALREADY_USED")
    ]


@pytest.mark.postgres
async def test_someone_elses_order_and_a_stale_version_are_refused(new_api: Any) -> None:
    world = await people(new_api)
    working = await order_in(world.park, OrderStatus.IN_PROGRESS)
    for role in ("another handler", "another applicant", "provider"):
        errors = await _refused(world.clients[role], "COMPLETE", working)
        assert _what(errors) == [(["orderId"], "NOT_FOUND")], role
    errors = await _refused(world.clients["anonymous"], "COMPLETE", working)
    assert _what(errors) == [(None, "NOT_AUTHENTICATED")]
    errors = await _refused(world.clients["assignee"], "COMPLETE", working, expectedVersion=1)
    assert _what(errors) == [(None, "STALE")]
    waiting = await order_in(world.park, OrderStatus.WAITING_ON_APPLICANT)
    errors = await _refused(world.clients["another applicant"], "ANSWER", waiting)
    assert _what(errors) == [(["orderId"], "NOT_FOUND")]


@pytest.mark.postgres
async def test_completion_waits_until_every_owed_material_is_accepted(new_api: Any) -> None:
    world = await people(new_api)
    p = world.park
    p.version.form = {
        "fields": [],
        "attachments": [
            {"kind": "report", "label": {"zh": "财务报表", "en": "financial report"},
             "mimeTypes": ["application/pdf"], "maxBytes": 1 << 20, "required": True,
             "asksExpiry": False, "deferrable": True},
        ],
    }  # fmt: skip
    await p.version.save()
    working = await order_in(p, OrderStatus.IN_PROGRESS)
    owed = await OwedMaterial.create(
        application_id=working.application_id,  # type: ignore[attr-defined]
        kind="report",
        due_on=datetime(2027, 3, 31).date(),
    )
    handler = world.clients["assignee"]
    result = await document_id(handler, PDF, "结果.pdf")
    errors = await _refused(handler, "COMPLETE", working, attachmentIds=[result])
    assert errors == [
        {
            "field": None,
            "code": "OWED_MATERIALS_OUTSTANDING",
            "message": "企业仍有容缺材料未补交：财务报表。材料补交并通过后才能办结。",
        }
    ]
    assert await OrderAttachment.all().count() == 0
    # Handed in is not settled: the handler (or the desk) has to accept it first.
    owed.status, owed.supplied_at = OwedStatus.SUPPLIED, datetime.now(UTC)
    await owed.save()
    again = await _refused(handler, "COMPLETE", working, attachmentIds=[result])
    assert [e["code"] for e in again] == ["OWED_MATERIALS_OUTSTANDING"]
    assert await OrderAttachment.all().count() == 0
    review = {"owedMaterialId": global_id("OwedMaterial", owed.id), "decision": "ACCEPT"}
    accepted = (await handler.gql(REVIEW, {"input": review}))["reviewOwedMaterial"]
    assert accepted["owedMaterial"]["status"] == "ACCEPTED"
    done = await act(handler, "COMPLETE", working, attachmentIds=[result])
    assert done["userErrors"] == []
    assert done["order"]["status"] == "COMPLETED"
    assert [d["name"] for d in done["order"]["result"]["documents"]] == ["结果.pdf"]


@pytest.mark.postgres
async def test_the_applicant_cancels_before_work_starts_and_says_why(new_api: Any) -> None:
    world = await people(new_api)
    applicant = world.clients["applicant"]
    order = await order_in(world.park, OrderStatus.ASSIGNED)
    done = await act(applicant, "CANCEL", order, reason="已通过其他渠道办理")
    assert done["userErrors"] == []
    assert done["order"]["status"] == "CANCELLED"
    last = (await _timeline(applicant, order))[-1]
    assert (last["kind"], last["note"], last["actor"]) == (
        "ORDER_CANCELLED",
        "已通过其他渠道办理",
        {"name": world.park.applicant.name},
    )
    # The handler who held it no longer counts it in their load.
    handler = world.park.handlers[0]
    assert await Order.filter(assignee_id=handler.id, status=OrderStatus.CANCELLED).count() == 1
    await TeamMember.filter(team=world.park.team).update(last_assigned_at=None)
    nxt = await open_order(world.park)
    assert nxt.assignee_id == handler.id  # type: ignore[attr-defined]


async def test_a_token_needs_orders_write_to_act(new_api: Any) -> None:
    world = await people(new_api)
    order = await order_in(world.park, OrderStatus.ASSIGNED)
    accept = """mutation($i: AcceptOrderInput!) { acceptOrder(input: $i) {
        order { status } userErrors { code } } }"""
    variables = {"i": {"orderId": global_id("Order", order.id), "expectedVersion": order.version}}
    reading = await token_client(new_api, world.clients["assignee"], ["orders:read"])
    assert helper_codes((await reading.post(accept, variables)).json()) == ["FORBIDDEN_SCOPE"]
    assert (await Order.get(id=order.id)).status is OrderStatus.ASSIGNED
    writing = await token_client(new_api, world.clients["assignee"], ["orders:write"])
    data = await writing.gql(accept, variables)
    assert data["acceptOrder"] == {"order": {"status": "IN_PROGRESS"}, "userErrors": []}
