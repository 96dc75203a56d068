"""The auditor's desk: the queue, the review page and its decisions, supplements, filing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.models.accounts import Notification, Role
from backend.models.applications import Application
from backend.models.enterprises import Membership, MembershipRole
from backend.models.events import Event
from backend.models.orders import Order
from tests import builders
from tests.conftest import Api, QueryCounter
from tests.schema.application_helpers import (
    World,
    decide,
    login,
    materials,
    stored,
    submission,
    submitted,
    world,
)
from tests.schema.enterprise_helpers import PDF, PNG, storage_app
from tests.schema.helpers import global_id
from tests.web.helpers import submit

HTMX = {"HX-Request": "true"}
APP_QUERY = """query($number: String!) { applicationByNumber(number: $number) {
    status version filedBy { name } formData attachments { kind file { name } }
    reviews { decision comment problems { field message } } } }"""
INBOX = "{ notifications(first: 20) { edges { node { kind message } } } }"


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


def _numbers(html: str) -> list[str]:
    return re.findall(r'href="/desk/applications/(SQ-[0-9-]+)"', html)


async def _apply(w: World, **overrides: Any) -> dict[str, Any]:
    files = await materials(w.owner)
    payload = await submitted(w.applicant, submission(w, attachments=files, **overrides))
    return payload["application"]


async def _version(api: Api, number: str) -> str:
    html = (await api.client.get(f"/desk/applications/{number}")).text
    found = re.search(r'name="expectedVersion" value="(\d+)"', html)
    assert found, html
    return found.group(1)


async def _decide(api: Api, app: dict[str, Any], fields: dict[str, Any]) -> Any:
    version = await _version(api, app["number"])
    data = {"applicationId": app["id"], "expectedVersion": version, **fields}
    return await submit(api, f"/desk/applications/{app['number']}/decide", data)


async def _read(api: Api, number: str) -> dict[str, Any]:
    return (await api.gql(APP_QUERY, {"number": number}))["applicationByNumber"]


async def test_the_queue_shows_applications_under_review_oldest_first(new_api: Any) -> None:
    w = await world(new_api)
    first, second = await _apply(w), await _apply(w)
    decided = await _apply(w)
    await decide(w.auditor, decided, "REJECT", comment="不符合条件")
    response = await w.auditor.client.get("/desk")
    assert response.status_code == 200
    html = response.text
    assert _numbers(html) == [first["number"], second["number"]]
    assert "<h1>审核台</h1>" in html and 'href="/desk" aria-current="page">审核台</a>' in html
    for heading in ("申请编号", "服务事项", "企业", "申请人", "提交时间", "第几次提交"):
        assert f'<th scope="col">{heading}</th>' in html
    assert w.enterprise.name in html and w.item.name_zh in html and "申请人" in html
    assert "第 1 次" in html and "<time datetime=" in html
    assert 'href="/desk/file"' in html


async def test_others_are_refused_and_visitors_sign_in(new_api: Any, api: Api) -> None:
    w = await world(new_api)
    handler = await login(new_api, w.handlers[0])
    for who in (handler, w.applicant):
        assert (await who.client.get("/desk")).status_code == 403
        assert (await who.client.get("/desk/file")).status_code == 403
        assert "审核台" not in (await who.client.get("/")).text
    response = await api.client.get("/desk?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/desk%3Fq%3Dx"


async def test_filters_as_pages_and_as_htmx_fragments(new_api: Any) -> None:
    w = await world(new_api)
    mine = await _apply(w)
    other_item, _ = await builders.published_item((await builders.team_with_handlers(1, "二组"))[0])
    other = await builders.verified_enterprise("远方物流有限公司")
    await Membership.create(user=w.owner, enterprise=other, role=MembershipRole.MEMBER)
    theirs = await _apply(w, enterpriseId=global_id("Enterprise", other.id))
    page = (await w.auditor.client.get("/desk?q=远方")).text
    assert _numbers(page) == [theirs["number"]] and "<h1>审核台</h1>" in page
    item = global_id("ServiceItem", w.item.id)
    fragment = (await w.auditor.client.get(f"/desk?item=item:{item}&q=测试", headers=HTMX)).text
    assert fragment.startswith('<section id="desk-results"') and "<h1>" not in fragment
    assert _numbers(fragment) == [mine["number"]]
    category = global_id("Category", w.item.category_id)  # type: ignore[attr-defined]
    by_category = (await w.auditor.client.get(f"/desk?item=category:{category}")).text
    assert set(_numbers(by_category)) == {mine["number"], theirs["number"]}
    assert other_item.name_zh in by_category  # in the filter's choices
    nothing = (await w.auditor.client.get("/desk?q=没有这家", headers=HTMX)).text
    assert "没有等待决定的申请" in nothing


async def test_the_review_page_shows_answers_materials_and_the_audit(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w, formData={"amount": "20000", "purpose": "扩大生产"})
    html = (await w.auditor.client.get(f"/desk/applications/{a['number']}")).text
    assert f'申请 <span class="app-number">{a["number"]}</span>' in html and "审核中" in html
    assert "申请金额" in html and "20000 元" in html and "扩大生产" in html
    assert "营业执照" in html and "财务报表" in html
    assert re.search(r'<img src="/files/[^"]+" alt="财务报表', html)  # the PNG, inline
    assert "打开 f" in html  # the PDF, as a link
    assert "第 1 次提交通过了格式审核和内容审核" in html
    assert 'name="reason-formData-amount"' in html and 'name="reason-attachments-licence"' in html
    assert "代企业补充" in html and "以您的名义代" in html
    assert (await w.auditor.client.get("/desk/applications/SQ-20000101-9999")).status_code == 404


async def test_approving_shows_the_order_number(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w)
    response = await _decide(w.auditor, a, {"decision": "APPROVE", "comment": "材料齐全"})
    assert response.status_code == 303
    html = (await w.auditor.client.get(response.headers["location"])).text
    order = await Order.get(application_id=(await Application.get(number=a["number"])).id)
    assert f"已批准：已开立工单 {order.number}" in html
    assert f'href="/orders/{order.number}"' in html
    assert "申请已批准，工单已开立" in html
    assert 'name="decision"' not in html  # decided: no decision form


async def test_returning_with_a_reason_per_field(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w)
    response = await _decide(
        w.auditor, a, {"decision": "RETURN", "reason-formData-amount": "请核对金额", "comment": ""}
    )
    assert response.status_code == 303
    seen = await _read(w.applicant, a["number"])
    assert seen["status"] == "RETURNED"
    assert seen["reviews"][0]["problems"] == [
        {"field": ["formData", "amount"], "message": "请核对金额"}
    ]
    html = (await w.auditor.client.get(f"/desk/applications/{a['number']}")).text
    assert "<strong>申请金额</strong>: 请核对金额" in html and "已退回" in html


async def test_return_and_reject_need_a_reason_shown_beside_the_comment(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w)
    for decision in ("RETURN", "REJECT"):
        response = await _decide(w.auditor, a, {"decision": decision, "comment": ""})
        assert response.status_code == 422
        assert 'id="comment-error">请在意见中或针对具体字段向申请人说明理由' in response.text
        assert 'aria-invalid="true"' in response.text
    # Reasons per field do not make a rejection's comment: it stays required.
    response = await _decide(
        w.auditor, a, {"decision": "REJECT", "reason-formData-amount": "金额不符"}
    )
    assert response.status_code == 422 and 'value="金额不符"' in response.text
    response = await _decide(w.auditor, a, {"decision": "REJECT", "comment": "不符合条件"})
    assert response.status_code == 303
    assert (await _read(w.applicant, a["number"]))["status"] == "REJECTED"


async def test_a_second_decision_or_a_stale_page_says_so(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w)
    version = await _version(w.auditor, a["number"])
    other = await login(new_api, await builders.user(Role.AUDITOR, "另一位审核员"))
    assert (await decide(other, a, "APPROVE"))["userErrors"] == []
    data = {"applicationId": a["id"], "expectedVersion": version, "decision": "RETURN",
            "comment": "请补充"}  # fmt: skip
    response = await submit(w.auditor, f"/desk/applications/{a['number']}/decide", data)
    assert response.status_code == 422
    assert "您的决定没有记录：有人先处理了这份申请" in response.text
    assert "已批准" in response.text
    # A stale version on an application still under review.
    b = await _apply(w)
    data = {"applicationId": b["id"], "expectedVersion": "0", "decision": "APPROVE"}
    response = await submit(w.auditor, f"/desk/applications/{b['number']}/decide", data)
    assert response.status_code == 422 and "有人先处理了这份申请" in response.text


async def test_changes_since_return_are_listed_after_a_resubmit(new_api: Any) -> None:
    w = await world(new_api)
    files = await materials(w.owner)
    a = (await submitted(w.applicant, submission(w, attachments=files)))["application"]
    returned = await decide(
        w.auditor, a, "RETURN", problems=[{"field": ["formData", "amount"], "message": "核对"}]
    )
    again = submission(
        w, applicationId=a["id"], expectedVersion=returned["application"]["version"],
        formData={"amount": "30000"},
        attachments=[files[0], {"kind": "report", "fileId": await stored(w.owner, "image/png")}],
    )  # fmt: skip
    await submitted(w.applicant, again)
    html = (await w.auditor.client.get("/desk")).text
    assert "退回过" in html and "第 2 次" in html
    html = (await w.auditor.client.get(f"/desk/applications/{a['number']}")).text
    changes = html.split('id="changes"', 1)[1].split("</section>", 1)[0]
    assert "退回后改了什么" in html
    assert "<del>20000 元</del>" in changes and "<ins>30000 元</ins>" in changes
    assert "财务报表" in changes and "<del>f</del>" in changes and "<ins>f</ins>" in changes
    assert 'class="changed"' in html and "已修改" in html


async def test_supplement_records_the_auditor_and_tells_the_enterprise(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w)
    await w.auditor.prime()
    version = await _version(w.auditor, a["number"])
    response = await w.auditor.client.post(
        f"/desk/applications/{a['number']}/supplement?csrf_token={w.auditor.csrf()}",
        data={"expectedVersion": version, "supplement-amount": "25000",
              "supplement-purpose": "补充用途"},
        files={"supplement-file-report": ("report.png", PNG, "image/png")},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    seen = await _read(w.applicant, a["number"])
    assert seen["formData"] == {"amount": "25000", "purpose": "补充用途"}
    assert {x["kind"]: x["file"]["name"] for x in seen["attachments"]}["report"] == "report.png"
    event = await Event.filter(kind="APPLICATION_SUPPLEMENTED").order_by("-id").first()
    assert event is not None
    assert event.actor_id == w.auditor_user.id  # type: ignore[attr-defined]
    assert event.acting_for_id == w.enterprise.id  # type: ignore[attr-defined]
    inbox = (await w.applicant.gql(INBOX))["notifications"]["edges"]
    told = [n["node"] for n in inbox if n["node"]["kind"] == "APPLICATION_SUPPLEMENTED"]
    assert told and "服务窗口的审核员" in told[0]["message"] and a["number"] in told[0]["message"]


async def test_a_supplement_with_nothing_or_a_wrong_file_says_why(new_api: Any) -> None:
    w = await world(new_api)
    a = await _apply(w)
    await w.auditor.prime()
    url = f"/desk/applications/{a['number']}/supplement?csrf_token={w.auditor.csrf()}"
    version = await _version(w.auditor, a["number"])
    nothing = await w.auditor.client.post(
        url, data={"expectedVersion": version}, files={"supplement-file-report": ("", b"")}
    )
    assert nothing.status_code == 422 and "请修改一项回答或选择要添加的材料" in nothing.text
    wrong = await w.auditor.client.post(
        url,
        data={"expectedVersion": version},
        files={"supplement-file-licence": ("licence.png", PNG, "image/png")},
    )
    assert wrong.status_code == 422
    assert 'id="supplement-file-licence-error"' in wrong.text


async def test_filing_for_an_enterprise(new_api: Any) -> None:
    w = await world(new_api)
    page = (await w.auditor.client.get("/desk/file")).text
    assert w.enterprise.name in page and w.item.name_zh in page
    enterprise = global_id("Enterprise", w.enterprise.id)
    item = global_id("ServiceItem", w.item.id)
    page = (await w.auditor.client.get(f"/desk/file?enterprise={enterprise}&item={item}")).text
    assert 'name="answer-amount"' in page and 'name="answer-file-licence"' in page
    key = re.search(r'name="idempotencyKey" value="([0-9a-f]+)"', page)
    assert key
    await w.auditor.prime()
    response = await w.auditor.client.post(
        f"/desk/file?csrf_token={w.auditor.csrf()}",
        data={"enterpriseId": enterprise, "serviceItemId": item, "idempotencyKey": key.group(1),
              "answer-amount": "20000"},
        files={"answer-file-licence": ("licence.pdf", PDF, "application/pdf"),
               "answer-file-report": ("report.png", PNG, "image/png")},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    number = response.headers["location"].rsplit("/", 1)[1]
    filed = await Application.get(number=number)
    assert filed.filed_by_id == w.auditor_user.id  # type: ignore[attr-defined]
    html = (await w.auditor.client.get(response.headers["location"])).text
    assert "审核员（服务窗口）代企业办理" in html and "审核中" in html
    assert await Notification.filter(user_id=w.owner.id, kind="APPLICATION_FILED_FOR").exists()


async def test_filing_shows_what_the_park_holds_for_the_enterprise_read_only(
    new_api: Any,
) -> None:
    w = await world(new_api)
    mirror = {"key": "company", "type": "TEXT", "label": {"zh": "企业名称", "en": "Company"},
              "required": True, "min": None, "max": "100", "options": [], "pattern": None,
              "help": {"zh": "", "en": ""}, "mirrors": "NAME"}  # fmt: skip
    w.version.form = {**w.version.form, "fields": [*w.version.form["fields"], mirror]}
    await w.version.save()
    enterprise = global_id("Enterprise", w.enterprise.id)
    item = global_id("ServiceItem", w.item.id)
    page = (await w.auditor.client.get(f"/desk/file?enterprise={enterprise}&item={item}")).text
    assert f'name="answer-company" value="{w.enterprise.name}" readonly' in page
    # Before an enterprise is chosen there is no record to show: the field is not filled.
    unchosen = (await w.auditor.client.get(f"/desk/file?item={item}")).text
    assert "readonly" not in unchosen


async def test_filing_shows_problems_beside_the_fields(new_api: Any) -> None:
    w = await world(new_api)
    enterprise = global_id("Enterprise", w.enterprise.id)
    item = global_id("ServiceItem", w.item.id)
    await w.auditor.prime()
    response = await w.auditor.client.post(
        f"/desk/file?csrf_token={w.auditor.csrf()}",
        data={"enterpriseId": enterprise, "serviceItemId": item, "answer-amount": "20000"},
        files={"answer-file-licence": ("licence.png", PNG, "image/png")},
    )
    assert response.status_code == 422
    assert 'id="answer-file-licence-error"' in response.text
    assert 'value="20000"' in response.text


async def test_the_queue_costs_the_same_statements_for_2_and_20(
    new_api: Any, sql_counter: QueryCounter
) -> None:
    w = await world(new_api)
    for _ in range(2):
        await _apply(w)
    await w.auditor.client.get("/desk")
    sql_counter.reset()
    assert len(_numbers((await w.auditor.client.get("/desk")).text)) == 2
    few = sql_counter.count
    for _ in range(18):
        await _apply(w)
    sql_counter.reset()
    assert len(_numbers((await w.auditor.client.get("/desk")).text)) == 20
    assert sql_counter.count == few
