"""Notes and the conversation on an order (services/orders/updates.py, conversation.py):
progress and internal notes, messages and their read marks, and who reads what on the timeline.

Every action is tried by every role the issue names; refusals are userErrors and write nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.models.events import Event
from backend.models.orders import Order, OrderMessage, OrderStatus
from backend.services.files import storage
from backend.services.files.uploads import ORDER_ATTACHMENT_POLICY
from backend.services.orders import conversation as conversation_service
from tests.conftest import Api
from tests.schema.conversation_helpers import (
    ROLES,
    Cast,
    cast,
    codes,
    mark_read,
    post,
    send,
    stored,
    view,
    written,
)
from tests.schema.enterprise_helpers import PDF, storage_app
from tests.schema.helpers import global_id
from tests.schema.order_helpers import ASSIGN, open_order


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


# -- who may ---------------------------------------------------------------------------------------

# What each role gets on an ASSIGNED order ([] = done).
POST_EXPECTED = {
    "assignee": [],
    "other_handler": ["NOT_FOUND"],
    "applicant": ["FORBIDDEN"],
    "other_applicant": ["NOT_FOUND"],
    "auditor": ["FORBIDDEN"],
    "supervisor": [],
    "admin": [],
    "provider": ["NOT_FOUND"],
    "anonymous": ["NOT_AUTHENTICATED"],
}
CONVERSATION_EXPECTED = {
    "assignee": [],
    "other_handler": ["NOT_FOUND"],
    "applicant": [],
    "other_applicant": ["NOT_FOUND"],
    "auditor": ["FORBIDDEN"],
    # Supervisors read the conversation; they do not speak in it.
    "supervisor": ["FORBIDDEN"],
    "admin": ["FORBIDDEN"],
    "provider": ["NOT_FOUND"],
    "anonymous": ["NOT_AUTHENTICATED"],
}


@pytest.mark.parametrize("kind", ["PROGRESS", "INTERNAL"])
async def test_who_may_post_processing_information(new_api: Any, kind: str) -> None:
    c = await cast(new_api)
    assert set(POST_EXPECTED) == set(ROLES)
    for role in ROLES:
        before = await written()
        payload = await post(c[role], c.order_id, kind=kind, body=f"{role} 的说明")
        assert codes(payload) == POST_EXPECTED[role], role
        if POST_EXPECTED[role]:
            assert payload["update"] is None
            assert await written() == before, role
        else:
            assert payload["update"]["kind"] == kind
            assert payload["update"]["author"] == {"name": c.users[role].name}
            event = (
                await Event.filter(aggregate_type="order", aggregate_id=c.order.id)
                .order_by("-sequence")
                .first()
            )
            assert event is not None and event.actor_id == c.users[role].id  # type: ignore[attr-defined]
            assert event.kind == (
                "ORDER_PROGRESS_NOTED" if kind == "PROGRESS" else "ORDER_INTERNAL_NOTE_ADDED"
            )
            assert event.data["note"] == f"{role} 的说明"


@pytest.mark.postgres
async def test_who_may_write_in_and_mark_the_conversation(new_api: Any) -> None:
    c = await cast(new_api)
    for role in ROLES:
        before = await written()
        payload = await send(c[role], c.order_id, body=f"{role} 你好")
        assert codes(payload) == CONVERSATION_EXPECTED[role], role
        if CONVERSATION_EXPECTED[role]:
            assert payload["message"] is None and await written() == before, role
        else:
            side = "ENTERPRISE" if role == "applicant" else "HANDLER"
            message = payload["message"]
            assert (message["side"], message["body"]) == (side, f"{role} 你好")
    for role in ROLES:
        before = await written()
        payload = await mark_read(c[role], c.order_id)
        assert codes(payload) == CONVERSATION_EXPECTED[role], role
        if CONVERSATION_EXPECTED[role]:
            assert payload["readMark"] is None and await written() == before, role
        else:
            assert payload["readMark"]["lastReadSequence"] == 2


async def test_what_each_role_may_do_is_in_viewer_can(new_api: Any) -> None:
    c = await cast(new_api)
    expected = {
        "assignee": (True, True),
        "applicant": (False, True),
        "auditor": (False, False),
        "supervisor": (True, False),
        "admin": (True, False),
    }
    for role, (post_update, send_message) in expected.items():
        seen = await view(c[role], c.order_id)
        assert seen is not None, role
        can = seen["viewerCan"]
        assert (can["postUpdate"], can["sendMessage"]) == (post_update, send_message), role
        # Nothing is owed on this order: nobody is offered to supply or review.
        assert (can["supplyOwedMaterial"], can["reviewOwedMaterial"]) == (False, False)


async def test_a_closed_order_takes_no_notes_or_messages_but_can_still_be_read(
    new_api: Any,
) -> None:
    c = await cast(new_api)
    assert codes(await send(c["applicant"], c.order_id, body="还在吗")) == []
    await Order.filter(id=c.order.id).update(status=OrderStatus.COMPLETED)
    before = await written()
    for client, action in ((c["applicant"], send), (c["assignee"], send), (c["assignee"], post)):
        refused = await action(client, c.order_id, body="再补充一句")
        assert codes(refused) == ["FORBIDDEN_TRANSITION"]
    assert await written() == before
    read = await mark_read(c["assignee"], c.order_id)
    assert read["readMark"]["lastReadSequence"] == 1
    seen = await view(c["assignee"], c.order_id)
    assert seen is not None and seen["viewerCan"]["sendMessage"] is False


# -- who reads what --------------------------------------------------------------------------------


async def _notes_with_files(c: Cast, app: Any) -> tuple[str, str]:
    """A progress note and an internal note by the assignee, each with a file; their file ids."""
    ids = []
    for name in ("进度.pdf", "内部.pdf"):
        row = await storage.store(
            app.state.settings.storage_dir, PDF, mime_type="application/pdf",
            original_name=name, uploaded_by_id=c.users["assignee"].id,
        )  # fmt: skip
        ids.append(global_id("File", row.id))
    progress_file, internal_file = ids
    done = await post(
        c["assignee"], c.order_id, body="材料已审，下周出证", attachmentIds=[progress_file]
    )
    assert codes(done) == []
    assert done["update"]["attachments"][0]["downloadUrl"]
    internal = await post(
        c["assignee"], c.order_id, kind="INTERNAL", body="企业曾有处罚记录，注意核实",
        attachmentIds=[internal_file],
    )  # fmt: skip
    assert codes(internal) == []
    return progress_file, internal_file


NODE_FILE = """query($id: ID!) { node(id: $id) { ... on File { id downloadUrl } } }"""


@pytest.mark.postgres
async def test_internal_notes_are_read_by_park_staff_only_queried_as_each_role(
    new_api: Any, app: Any
) -> None:
    c = await cast(new_api)
    progress_file, internal_file = await _notes_with_files(c, app)
    staff = {"assignee", "auditor", "supervisor", "admin"}
    for role in ROLES:
        seen = await view(c[role], c.order_id)
        if role in {"other_handler", "other_applicant", "provider", "anonymous"}:
            assert seen is None, role
            continue
        assert seen is not None
        kinds = [e["node"]["kind"] for e in seen["updates"]["edges"]]
        timeline = {e["node"]["kind"]: e["node"]["note"] for e in seen["timeline"]["edges"]}
        internal = await c[role].gql(NODE_FILE, {"id": internal_file})
        progress = await c[role].gql(NODE_FILE, {"id": progress_file})
        assert progress["node"]["downloadUrl"], role
        if role in staff:
            assert kinds == ["PROGRESS", "INTERNAL"], role
            assert timeline["ORDER_INTERNAL_NOTE_ADDED"] == "企业曾有处罚记录，注意核实"
            assert internal["node"]["downloadUrl"], role
        else:
            assert kinds == ["PROGRESS"], role
            assert seen["updates"]["totalCount"] == 1
            assert "ORDER_INTERNAL_NOTE_ADDED" not in timeline
            assert "企业曾有处罚记录" not in json.dumps(seen, ensure_ascii=False)
            assert internal["node"] is None
        assert timeline["ORDER_PROGRESS_NOTED"] == "材料已审，下周出证"
    # A link made for the applicant anyway serves nothing: the route asks the same rule.
    secret = app.state.settings.secret_key
    internal_pk = int((await Event.get(kind="ORDER_INTERNAL_NOTE_ADDED")).data["files"][0])  # type: ignore[index]
    for role, status in (("applicant", 404), ("assignee", 200), ("auditor", 200)):
        token = storage.download_token(secret, internal_pk, user_id=c.users[role].id)
        response = await c[role].client.get(f"/files/{token}")
        assert response.status_code == status, role


async def test_why_an_order_changed_hands_is_for_park_staff(new_api: Any) -> None:
    c = await cast(new_api)
    other = c.users["other_handler"]
    moved = (
        await c["supervisor"].gql(
            ASSIGN,
            {
                "input": {
                    "orderId": c.order_id,
                    "handlerId": global_id("User", other.id),
                    "reason": "原办理人与企业负责人是亲属，需回避",
                    "expectedVersion": c.order.version,
                }
            },
        )
    )["assignOrder"]
    assert moved["userErrors"] == []
    for role, reads in (("applicant", False), ("supervisor", True), ("auditor", True)):
        seen = await view(c[role], c.order_id)
        assert seen is not None
        reassigned = [
            e["node"] for e in seen["timeline"]["edges"] if e["node"]["kind"] == "ORDER_REASSIGNED"
        ]
        # The applicant sees that it changed hands, not why.
        assert len(reassigned) == 1, role
        reason = "原办理人与企业负责人是亲属，需回避" if reads else ""
        assert reassigned[0]["note"] == reason, role
    # The new handler is now the handler side; the old one no longer sees the order.
    assert codes(await send(c["other_handler"], c.order_id, body="您好，我接手了")) == []
    assert codes(await send(c["assignee"], c.order_id, body="我还在")) == ["NOT_FOUND"]


async def test_the_automatic_steps_are_the_systems_on_the_timeline(new_api: Any) -> None:
    c = await cast(new_api)
    seen = await view(c["applicant"], c.order_id)
    assert seen is not None
    steps = [(e["node"]["kind"], e["node"]["actor"]) for e in seen["timeline"]["edges"]]
    assert steps == [("ORDER_OPENED", None), ("ORDER_ASSIGNED", None)]
    stored_actors = await Event.filter(aggregate_type="order").values_list("actor_id", flat=True)
    assert stored_actors == [None, None]


# -- the conversation ------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_each_side_sees_what_the_other_has_read(new_api: Any) -> None:
    c = await cast(new_api)
    for body in ("请问还需要什么材料？", "营业执照副本已上传"):
        assert codes(await send(c["applicant"], c.order_id, body=body)) == []
    assert codes(await send(c["assignee"], c.order_id, body="收到，正在核对")) == []
    read = await mark_read(c["assignee"], c.order_id, upToSequence=2)
    assert read["readMark"] == {
        "side": "HANDLER",
        "lastReadSequence": 2,
        "readBy": {"name": c.users["assignee"].name},
    }
    seen = await view(c["applicant"], c.order_id)
    assert seen is not None
    messages = [e["node"] for e in seen["messages"]["edges"]]
    assert [(m["sequence"], m["side"], m["readByOtherSide"]) for m in messages] == [
        (1, "ENTERPRISE", True),
        (2, "ENTERPRISE", True),
        (3, "HANDLER", False),
    ]
    assert seen["messageReadMarks"] == [
        {"side": "ENTERPRISE", "lastReadSequence": 0},
        {"side": "HANDLER", "lastReadSequence": 2},
    ]
    # A mark never moves back, and marking again records nothing.
    events = await Event.filter(kind="ORDER_MESSAGES_READ").count()
    again = await mark_read(c["assignee"], c.order_id, upToSequence=1)
    assert again["readMark"]["lastReadSequence"] == 2
    assert await Event.filter(kind="ORDER_MESSAGES_READ").count() == events
    beyond = await mark_read(c["assignee"], c.order_id, upToSequence=9)
    assert [(e["field"], e["code"]) for e in beyond["userErrors"]] == [
        (["upToSequence"], "NO_SUCH_MESSAGE")
    ]
    # Without a number: everything so far.
    latest = await mark_read(c["applicant"], c.order_id)
    assert latest["readMark"]["lastReadSequence"] == 3
    handler_view = await view(c["assignee"], c.order_id)
    assert handler_view is not None
    assert handler_view["messages"]["edges"][2]["node"]["readByOtherSide"] is True
    # Supervisors read along; the desk (auditors) does not.
    supervised = await view(c["supervisor"], c.order_id)
    assert supervised is not None and supervised["messages"]["totalCount"] == 3
    audited = await view(c["auditor"], c.order_id)
    assert audited is not None
    assert (audited["messages"], audited["messageReadMarks"]) == (None, None)
    # Messages are the conversation's, not the timeline's.
    kinds = {e["node"]["kind"] for e in supervised["timeline"]["edges"]}
    assert not kinds & {"ORDER_MESSAGE_SENT", "ORDER_MESSAGES_READ"}


@pytest.mark.postgres
async def test_messages_notes_and_marks_never_make_the_order_stale(new_api: Any) -> None:
    c = await cast(new_api)
    version = (await Order.get(id=c.order.id)).version
    assert codes(await send(c["applicant"], c.order_id, body="您好")) == []
    assert codes(await post(c["assignee"], c.order_id, body="已受理，正在办理")) == []
    assert codes(await post(c["supervisor"], c.order_id, kind="INTERNAL", body="关注")) == []
    assert codes(await mark_read(c["assignee"], c.order_id)) == []
    assert (await Order.get(id=c.order.id)).version == version
    # A supervisor who loaded the page before all that still acts without STALE.
    other = c.users["other_handler"]
    moved = (
        await c["supervisor"].gql(
            ASSIGN,
            {
                "input": {
                    "orderId": c.order_id,
                    "handlerId": global_id("User", other.id),
                    "reason": "均衡负载",
                    "expectedVersion": version,
                }
            },
        )
    )["assignOrder"]
    assert moved["userErrors"] == []


async def test_a_repeated_send_with_its_key_makes_one_message(new_api: Any) -> None:
    c = await cast(new_api)
    first = await send(c["applicant"], c.order_id, body="只发一次", idempotencyKey="msg-1")
    again = await send(c["applicant"], c.order_id, body="只发一次", idempotencyKey="msg-1")
    assert codes(first) == codes(again) == []
    assert first["message"]["id"] == again["message"]["id"]
    assert await OrderMessage.all().count() == 1


# -- bad input -------------------------------------------------------------------------------------


async def test_bad_messages_and_notes_are_refused_and_nothing_is_written(new_api: Any) -> None:
    c = await cast(new_api)
    me = c.users["applicant"]
    gif = await stored(me, "image/gif", name="a.gif")
    huge = await stored(me, size=ORDER_ATTACHMENT_POLICY.max_bytes + 1)
    empty = await stored(me, size=0)
    theirs = await stored(c.users["assignee"])
    mine = await stored(me)
    before = await written()
    cases: list[tuple[dict[str, Any], list[tuple[list[str], str]]]] = [
        ({"body": ""}, [(["body"], "MESSAGE_REQUIRED")]),
        ({"body": " \n\t "}, [(["body"], "MESSAGE_REQUIRED")]),
        ({"body": "字" * 4001}, [(["body"], "TOO_LONG")]),
        ({"body": "看附件", "attachmentIds": [gif]},
         [(["attachmentIds", "0"], "FILE_TYPE_NOT_ALLOWED")]),
        ({"body": "看附件", "attachmentIds": [mine, huge]},
         [(["attachmentIds", "1"], "FILE_TOO_LARGE")]),
        ({"body": "看附件", "attachmentIds": [empty]}, [(["attachmentIds", "0"], "EMPTY_FILE")]),
        ({"body": "看附件", "attachmentIds": [theirs]},
         [(["attachmentIds", "0"], "ATTACHMENT_NOT_YOURS")]),
        ({"body": "看附件", "attachmentIds": [c.order_id]},
         [(["attachmentIds", "0"], "ATTACHMENT_NOT_YOURS")]),
        ({"body": "看附件", "attachmentIds": [mine, mine]},
         [(["attachmentIds", "1"], "DUPLICATE_ATTACHMENT")]),
        ({"body": "看附件", "attachmentIds": [mine] * 11},
         [(["attachmentIds"], "TOO_MANY_ATTACHMENTS")]),
    ]  # fmt: skip
    for fields, expected in cases:
        payload = await send(c["applicant"], c.order_id, **fields)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == expected, fields
        assert all(e["message"] for e in payload["userErrors"])
    for fields, expected in (
        ({"body": "  "}, [(["body"], "NOTE_REQUIRED")]),
        ({"body": "字" * 4001}, [(["body"], "TOO_LONG")]),
    ):
        payload = await post(c["assignee"], c.order_id, **fields)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == expected, fields
    assert await written() == before
    # Beyond every string's bound, or with a control character: refused before any resolver.
    for body, code in (("字" * 100_001, "TOO_LONG"), ("你好\x00", "INVALID_TEXT")):
        response = await c["applicant"].post(
            """mutation($input: SendOrderMessageInput!) { sendOrderMessage(input: $input) {
                message { id } userErrors { code } } }""",
            {"input": {"orderId": c.order_id, "body": body}},
        )
        errors = response.json()["errors"]
        assert errors[0]["extensions"]["code"] == code
        assert errors[0]["extensions"]["field"] == ["input", "body"]
    assert await written() == before
    # A message of files only is a message.
    files_only = await send(c["applicant"], c.order_id, attachmentIds=[mine])
    assert codes(files_only) == [] and files_only["message"]["body"] == ""


UPLOAD = """mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    file { id name mimeType } userErrors { field code message } } }"""


async def _upload(api: Api, data: bytes, name: str) -> dict[str, Any]:
    operations = json.dumps(
        {"query": UPLOAD, "variables": {"input": {"file": None, "purpose": "ORDER_ATTACHMENT"}}}
    )
    await api.prime()
    response = await api.client.post(
        "/graphql",
        params={"csrf_token": api.csrf()},
        data={"operations": operations, "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, data, "application/pdf")},
    )
    payload: dict[str, Any] = response.json()["data"]["uploadFile"]
    return payload


async def test_a_file_uploaded_for_the_order_goes_with_a_message_to_the_other_side(
    new_api: Any,
) -> None:
    c = await cast(new_api)
    # Judged by its bytes: text named .pdf is refused at the upload.
    refused = await _upload(c["applicant"], b"just text, not a PDF\n", "说明.pdf")
    assert codes(refused) == ["FILE_TYPE_NOT_ALLOWED"]
    uploaded = await _upload(c["applicant"], PDF, "补充说明.pdf")
    assert codes(uploaded) == [] and uploaded["file"]["mimeType"] == "application/pdf"
    sent = await send(
        c["applicant"], c.order_id, body="补充说明见附件", attachmentIds=[uploaded["file"]["id"]]
    )
    assert codes(sent) == []
    assert [a["name"] for a in sent["message"]["attachments"]] == ["补充说明.pdf"]
    seen = await view(c["assignee"], c.order_id)
    assert seen is not None
    link = seen["messages"]["edges"][0]["node"]["attachments"][0]["downloadUrl"]
    response = await c["assignee"].client.get(link)
    assert response.status_code == 200 and response.content == PDF
    # The desk does not read the conversation, nor download its files.
    node = await c["auditor"].gql(NODE_FILE, {"id": uploaded["file"]["id"]})
    assert node["node"] is None


async def test_a_message_that_fails_midway_leaves_nothing_behind(
    new_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = await cast(new_api)
    mine = await stored(c.users["applicant"])
    before = await written()
    real_record = conversation_service.events.record

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(conversation_service.events, "record", broken)
    response = await c["applicant"].post(
        """mutation($input: SendOrderMessageInput!) { sendOrderMessage(input: $input) {
            message { id } userErrors { code } } }""",
        {"input": {"orderId": c.order_id, "body": "附件见下", "attachmentIds": [mine]}},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert await written() == before
    monkeypatch.setattr(conversation_service.events, "record", real_record)
    # The number it had taken went back with it: the next message is the first.
    sent = await send(c["applicant"], c.order_id, body="附件见下", attachmentIds=[mine])
    assert codes(sent) == [] and sent["message"]["sequence"] == 1


LIST_WITH_PROCESSING = """{ orders(first: 10) { edges { node { number
    updates(first: 10) { edges { node { body attachments { id } } } }
    messages(first: 10) { edges { node { body readByOtherSide attachments { id } } } }
    messageReadMarks { lastReadSequence } owedMaterials { status suppliedFile { id } }
    viewerCan { postUpdate sendMessage supplyOwedMaterial reviewOwedMaterial } } } } }"""


async def test_processing_fields_cost_the_same_statements_for_1_and_6_orders(
    new_api: Any, sql_counter: Any
) -> None:
    c = await cast(new_api)
    supervisor = c["supervisor"]

    async def busy(order: Order) -> None:
        order_id = global_id("Order", order.id)
        file_id = await stored(c.users["applicant"])
        sent = await send(c["applicant"], order_id, body="你好", attachmentIds=[file_id])
        assert codes(sent) == []
        assert codes(await post(supervisor, order_id, body="已关注")) == []

    await busy(c.order)
    await supervisor.gql(LIST_WITH_PROCESSING)
    sql_counter.reset()
    assert len((await supervisor.gql(LIST_WITH_PROCESSING))["orders"]["edges"]) == 1
    one = sql_counter.count
    for _ in range(5):
        await busy(await open_order(c.park))
    sql_counter.reset()
    assert len((await supervisor.gql(LIST_WITH_PROCESSING))["orders"]["edges"]) == 6
    assert sql_counter.count == one
