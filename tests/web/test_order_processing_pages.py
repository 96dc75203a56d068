"""The order's page as the handler and the applicant work on it: every action a plain form
(CSRF, then back to the page), a problem shown next to its field with what was typed kept,
someone else's order the 404 page; and the applicant's list of orders."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.orders import Order, OrderStatus
from tests.conftest import Api
from tests.schema.conversation_helpers import cast
from tests.schema.enterprise_helpers import PDF, storage_app
from tests.schema.order_helpers import Park, login, open_order, park
from tests.web.helpers import submit


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def _version(order: Order) -> str:
    await order.refresh_from_db()
    return str(order.version)


async def _post(
    api: Api, order: Order, action: str, fields: dict[str, Any], **kw: Any
) -> httpx2.Response:
    fields = {"expectedVersion": await _version(order), **fields}
    path = f"/orders/{order.number}/{action}"
    if "files" in kw:  # a multipart form carries its token in the address, as the page renders it
        await api.prime()
        return await api.client.post(path, params={"csrf_token": api.csrf()}, data=fields, **kw)
    return await submit(api, path, fields, **kw)


async def _started(new_api: Any) -> tuple[Park, Order, Api, Api]:
    p = await park(handlers=1)
    order = await open_order(p)
    return p, order, await login(new_api, p.handlers[0]), await login(new_api, p.applicant)


async def test_accept_ask_answer_with_a_file_complete_with_a_document(new_api: Any) -> None:
    _, order, handler, applicant = await _started(new_api)
    html = (await handler.client.get(f"/orders/{order.number}")).text
    assert 'action="/orders/' + order.number + '/accept"' in html
    assert "申请内容" in html  # what was applied for
    assert 'action="/orders/' + order.number + "/complete?" not in html  # not accepted yet

    accepted = await _post(handler, order, "accept", {})
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/orders/{order.number}#actions"
    await order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS

    asked = await _post(
        handler,
        order,
        "ask",
        {"question": "请提供租赁合同", "fileTypes": ["application/pdf"]},
    )
    assert asked.status_code == 303
    await order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_ON_APPLICANT

    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "请提供租赁合同" in mine
    assert 'action="/orders/' + order.number + "/answer?" in mine
    assert 'action="/orders/' + order.number + '/accept"' not in mine

    answered = await _post(
        applicant,
        order,
        "answer",
        {"answer": "合同见附件"},
        files={"files": ("租赁合同.pdf", PDF, "application/pdf")},
    )
    assert answered.status_code == 303, answered.text
    await order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS
    html = (await handler.client.get(f"/orders/{order.number}")).text
    assert "合同见附件" in html and "租赁合同.pdf" in html
    assert "暂停" in html  # the pause the question made

    completed = await _post(
        handler,
        order,
        "complete",
        {"result": "变更已办结"},
        files={"files": ("批复.pdf", PDF, "application/pdf")},
    )
    assert completed.status_code == 303, completed.text
    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "变更已办结" in mine and "批复.pdf" in mine
    assert 'action="/orders/' + order.number + "/answer?" not in mine


async def test_a_decline_without_reason_is_shown_at_the_reason(new_api: Any) -> None:
    _, order, handler, _ = await _started(new_api)
    response = await _post(handler, order, "decline", {"reason": ""})
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="decline-reason-error">[^<]+</p>', response.text)
    await order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED


async def test_a_refused_file_keeps_the_typed_answer(new_api: Any) -> None:
    _, order, handler, applicant = await _started(new_api)
    await _post(handler, order, "accept", {})
    await _post(handler, order, "ask", {"question": "请提供合同", "fileTypes": ["application/pdf"]})
    response = await _post(
        applicant,
        order,
        "answer",
        {"answer": "我写的答复"},
        files={"files": ("note.txt", b"plain words", "text/plain")},
    )
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="answer-files-error">[^<]+</p>', response.text)
    assert ">我写的答复</textarea>" in response.text
    await order.refresh_from_db()
    assert order.status == OrderStatus.WAITING_ON_APPLICANT


async def test_a_form_without_its_csrf_token_is_refused(new_api: Any) -> None:
    _, order, handler, _ = await _started(new_api)
    await handler.prime()
    response = await handler.client.post(
        f"/orders/{order.number}/accept", data={"expectedVersion": str(order.version)}
    )
    assert response.status_code == 403
    await order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED


async def test_someone_elses_order_is_the_404_page(new_api: Any) -> None:
    p, order, _, _ = await _started(new_api)
    stranger = await login(new_api, p.other_applicant)
    for action, fields in (("message", {"body": "你好"}), ("cancel", {"reason": "不要了"})):
        response = await _post(stranger, order, action, fields)
        assert response.status_code == 404
    assert (await stranger.client.get(f"/orders/{order.number}")).status_code == 404
    await order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED


async def test_messages_with_read_marks_and_notes_by_who_reads_them(new_api: Any) -> None:
    _, order, handler, applicant = await _started(new_api)
    await _post(handler, order, "accept", {})
    sent = await _post(applicant, order, "message", {"body": "请问进度如何"})
    assert sent.status_code == 303
    assert "read-mark" not in (await applicant.client.get(f"/orders/{order.number}")).text
    read = await _post(handler, order, "read", {"upToSequence": "1"})
    assert read.status_code == 303
    assert (
        '<span class="read-mark">已读</span>'
        in (await applicant.client.get(f"/orders/{order.number}")).text
    )

    for kind, body in (("PROGRESS", "材料已初审"), ("INTERNAL", "内部：需复核")):
        assert (
            await _post(handler, order, "note", {"body": body, "kind": kind})
        ).status_code == 303
    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "材料已初审" in mine and "内部：需复核" not in mine
    assert "内部：需复核" in (await handler.client.get(f"/orders/{order.number}")).text

    empty = await _post(applicant, order, "message", {"body": ""})
    assert empty.status_code == 422
    assert 'class="alert"' in empty.text or 'id="message-body-error"' in empty.text


async def test_the_applicant_lists_their_companys_orders(new_api: Any) -> None:
    p, order, _, applicant = await _started(new_api)
    other = await open_order(p, other=True)
    html = (await applicant.client.get("/my/orders")).text
    assert f'href="/orders/{order.number}"' in html
    assert other.number not in html
    applications = (await applicant.client.get("/applications")).text
    assert f'href="/orders/{order.number}"' in applications


OWING_FORM: dict[str, Any] = {
    "fields": [],
    "attachments": [
        {"kind": "report", "label": {"zh": "财务报表", "en": "financial report"},
         "mimeTypes": ["application/pdf"], "maxBytes": 1024 * 1024, "required": True,
         "asksExpiry": False, "deferrable": True},
    ],
}  # fmt: skip


async def test_an_owed_material_handed_in_returned_and_the_completion_waiting(
    new_api: Any,
) -> None:
    c = await cast(new_api, form=OWING_FORM)
    order = c.order
    row = await OwedMaterial.create(
        application_id=order.application_id,  # type: ignore[attr-defined]
        kind="report",
        due_on=datetime.now(UTC).date() + timedelta(days=7),
    )
    handler, applicant = c["assignee"], c["applicant"]
    await _post(handler, order, "accept", {})
    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    found = re.search(r'name="owedMaterialId" value="([^"]+)"', mine)
    assert found, "the applicant has no form to hand the material in"
    owed_id = found.group(1)

    page = (await handler.client.get(f"/orders/{order.number}")).text
    assert "财务报表" in page and "待补交" in page
    # A browser sends a multipart form with an empty file part when no file is chosen.
    no_file = {"files": ("", b"", "application/octet-stream")}
    waiting = await _post(handler, order, "complete", {"result": "办好了"}, files=no_file)
    assert waiting.status_code == 422
    assert "财务报表" in waiting.text.split('id="form-complete"')[1].split("</form>")[0]
    assert ">办好了</textarea>" in waiting.text

    no_file = {"file": ("", b"", "application/octet-stream")}
    owed_field = {"owedMaterialId": owed_id}
    none_chosen = await _post(applicant, order, "supply", owed_field, files=no_file)
    assert none_chosen.status_code == 422
    assert re.search(r'<p class="error" id="supply-1-error">[^<]+</p>', none_chosen.text)
    pdf = {"file": ("财务报表.pdf", PDF, "application/pdf")}
    supplied = await _post(applicant, order, "supply", {"owedMaterialId": owed_id}, files=pdf)
    assert supplied.status_code == 303, supplied.text
    await row.refresh_from_db()
    assert row.status == OwedStatus.SUPPLIED

    page = (await handler.client.get(f"/orders/{order.number}")).text
    assert 'action="/orders/' + order.number + '/review"' in page
    fields = {"owedMaterialId": owed_id, "decision": "RETURN", "reason": ""}
    unexplained = await _post(handler, order, "review", fields)
    assert unexplained.status_code == 422
    assert re.search(r'<p class="error" id="review-reason-1-error">[^<]+</p>', unexplained.text)
    returned = await _post(handler, order, "review", {**fields, "reason": "缺少盖章"})
    assert returned.status_code == 303
    mine = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "缺少盖章" in mine and 'action="/orders/' + order.number + "/supply?" in mine


async def test_the_supervisor_cancels_with_a_reason(new_api: Any) -> None:
    c = await cast(new_api)
    supervisor = c["supervisor"]
    page = (await supervisor.client.get(f"/orders/{c.order.number}")).text
    assert 'action="/orders/' + c.order.number + '/cancel"' in page
    assert (
        'action="/orders/' + c.order.number + '/cancel"'
        not in (await c["assignee"].client.get(f"/orders/{c.order.number}")).text
    )
    unexplained = await _post(supervisor, c.order, "cancel", {"reason": ""})
    assert unexplained.status_code == 422
    assert re.search(r'<p class="error" id="cancel-reason-error">[^<]+</p>', unexplained.text)
    cancelled = await _post(supervisor, c.order, "cancel", {"reason": "企业已注销"})
    assert cancelled.status_code == 303
    await c.order.refresh_from_db()
    assert c.order.status == OrderStatus.CANCELLED


async def test_each_side_sees_only_the_forms_its_flags_allow(new_api: Any) -> None:
    c = await cast(new_api)
    number = c.order.number
    forms = re.compile(rf'action="/orders/{number}/([a-z]+)')
    shown = {}
    for role in ("assignee", "applicant", "supervisor", "auditor", "admin"):
        response = await c[role].client.get(f"/orders/{number}")
        assert response.status_code == 200, role
        shown[role] = set(forms.findall(response.text))
    assert shown["assignee"] >= {"accept", "decline", "note"}
    assert "cancel" not in shown["assignee"] and "answer" not in shown["assignee"]
    assert not {"accept", "decline", "note", "complete"} & shown["applicant"]
    assert "cancel" in shown["supervisor"] and "accept" not in shown["supervisor"]
    assert not {"accept", "decline", "message", "answer"} & shown["auditor"]
    # The automatic steps are the system's, in the reader's language.
    timeline = (await c["assignee"].client.get(f"/orders/{number}")).text.split("timeline")[-1]
    assert "系统" in timeline
    for role in ("other_handler", "other_applicant", "provider"):
        assert (await c[role].client.get(f"/orders/{number}")).status_code == 404, role
        refused = await _post(c[role], c.order, "accept", {})
        assert refused.status_code == 404, role
    await c.order.refresh_from_db()
    assert c.order.status == OrderStatus.ASSIGNED
