"""Applying through the pages: the form, its problems, drafts, checking, submitting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.applications import Application
from backend.models.catalog import ReviewMode
from backend.models.enterprises import Enterprise, EnterpriseStatus, Membership, MembershipRole
from backend.models.orders import Order
from tests import builders
from tests.schema.application_helpers import login, world
from tests.schema.enterprise_helpers import PDF, PNG, storage_app
from tests.web.apply_helpers import hidden, item_path, key_of, main, post_apply

LICENCE = ("licence.pdf", PDF, "application/pdf")


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def test_the_apply_page_draws_the_items_form(new_api: Any) -> None:
    w = await world(new_api)
    page = await w.applicant.client.get(item_path(w))
    assert page.status_code == 200
    html = main(page.text)
    assert "申请金额" in html and 'name="answer-amount"' in html
    assert 'name="answer-file-licence"' in html and 'accept="application/pdf"' in html
    assert 'name="promiseDeferred"' in html and "财务报表" in html
    assert 'hx-post="' + item_path(w) + '/check"' in html and 'hx-trigger="focusout"' in html
    assert w.enterprise.name in html
    assert 'enctype="multipart/form-data"' in html and "?csrf_token=" in html
    assert "/static/js/upload-progress.js" in html
    item_page = await w.applicant.client.get(item_path(w).removesuffix("/apply"))
    assert f'href="{item_path(w)}"' in item_page.text


async def test_anonymous_visitors_are_sent_to_sign_in(new_api: Any) -> None:
    w = await world(new_api)
    visitor = new_api()
    response = await visitor.client.get(item_path(w))
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_problems_are_shown_beside_their_fields_and_the_values_kept(new_api: Any) -> None:
    w = await world(new_api)
    form = await w.applicant.client.get(item_path(w))
    key = key_of(form.text)
    fields = {"idempotencyKey": key, "answer-purpose": "扩大生产", "step": "continue"}
    files = {"answer-file-licence": ("licence.png", PNG, "image/png")}
    response = await post_apply(w.applicant, item_path(w), fields, files)
    assert response.status_code == 422
    html = main(response.text)
    amount = html.split('id="answer-amount-error"', 1)[1].split("</div>", 1)[0]
    assert "此项为必填项。" in amount, amount
    licence = html.split('id="answer-file-licence-error"', 1)[1].split("</div>", 1)[0]
    assert "此处不接受这种文件" in licence, licence
    assert 'value="扩大生产"' in html and key_of(html) == key
    assert await Application.all().count() == 0


async def test_the_focusout_check_answers_with_the_fields_problems(new_api: Any) -> None:
    w = await world(new_api)
    await w.applicant.prime()
    path = item_path(w) + "/check"
    data = {"answer-amount": "12", "field": "amount", "csrf_token": w.applicant.csrf()}
    fragment = await w.applicant.client.post(path, data=data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<main" not in fragment.text and 'class="error"' in fragment.text
    assert "1000" in fragment.text
    whole = await w.applicant.client.post(path, data=data)
    assert whole.status_code == 200 and "<main" in whole.text
    assert 'id="answer-amount-error"' in whole.text and 'value="12"' in whole.text
    fine = {**data, "answer-amount": "20000"}
    clean = await w.applicant.client.post(path, data=fine, headers={"HX-Request": "true"})
    assert clean.text.strip() == ""


async def _to_check_page(w: Any, **extra: str) -> Any:
    form = await w.applicant.client.get(item_path(w))
    fields = {
        "idempotencyKey": key_of(form.text),
        "answer-amount": "20000",
        "promiseDeferred": "true",
        "step": "continue",
        **extra,
    }
    response = await post_apply(w.applicant, item_path(w), fields, {"answer-file-licence": LICENCE})
    assert response.status_code == 200, main(response.text)
    return response


async def test_check_your_answers_then_submit_shows_the_confirmation(new_api: Any) -> None:
    w = await world(new_api)
    check = await _to_check_page(w)
    html = main(check.text)
    assert "核对填报内容" in html and "20000 元" in html and "licence.pdf" in html
    assert "承诺后补" in html and "修改" in html
    values = hidden(html)
    change = await post_apply(w.applicant, item_path(w), {**dict(values), "step": "change"})
    assert change.status_code == 200 and 'value="20000"' in change.text
    assert "licence.pdf" in change.text
    response = await w.applicant.client.post(item_path(w) + "/submit", data=dict(values))
    assert response.status_code == 303, response.text
    done = await w.applicant.client.get(response.headers["location"])
    app = await Application.get()
    assert app.number in done.text and "申请已提交" in done.text
    assert "服务大厅将审核" in done.text and "请于" in done.text  # the owed report's deadline


async def test_a_double_submit_with_one_key_makes_one_application(new_api: Any) -> None:
    w = await world(new_api)
    values = hidden(main((await _to_check_page(w)).text))
    first = await w.applicant.client.post(item_path(w) + "/submit", data=dict(values))
    second = await w.applicant.client.post(item_path(w) + "/submit", data=dict(values))
    assert first.headers["location"] == second.headers["location"]
    assert await Application.all().count() == 1


async def test_an_automatic_item_confirms_with_its_order(new_api: Any) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    values = hidden(main((await _to_check_page(w)).text))
    response = await w.applicant.client.post(item_path(w) + "/submit", data=dict(values))
    done = await w.applicant.client.get(response.headers["location"])
    app = await Application.get()
    order = await Order.get(application_id=app.id)
    assert app.number in done.text
    assert order.number.startswith("SH-") and order.number in done.text


async def test_a_draft_keeps_its_answers_and_files(new_api: Any) -> None:
    w = await world(new_api)
    form = await w.applicant.client.get(item_path(w))
    fields = {"idempotencyKey": key_of(form.text), "answer-amount": "３,０００", "step": "draft"}
    response = await post_apply(w.applicant, item_path(w), fields, {"answer-file-licence": LICENCE})
    assert response.status_code == 303, main(response.text)
    draft = await w.applicant.client.get(response.headers["location"])
    html = main(draft.text)
    # The amount as typed on a full-width keyboard, read and kept in its one stored form.
    assert "草稿已保存" in html and 'value="3000"' in html and "licence.pdf" in html
    assert 'name="answer-file-licence-keep"' in html
    app = await Application.get()
    assert app.status.value == "DRAFT"
    # Continue it: the kept file goes with it, and it submits as the same application.
    values = dict(hidden(html))
    values.update({"answer-amount": "20000", "promiseDeferred": "true", "step": "continue"})
    check = await post_apply(w.applicant, item_path(w), values)
    assert check.status_code == 200, main(check.text)
    submitted = await w.applicant.client.post(
        item_path(w) + "/submit", data=dict(hidden(check.text))
    )
    assert submitted.status_code == 303
    assert await Application.all().count() == 1
    assert (await Application.get()).status.value == "UNDER_REVIEW"


async def test_members_of_an_unverified_enterprise_are_told_why(new_api: Any) -> None:
    w = await world(new_api)
    pending = await Enterprise.create(
        name="待审企业", credit_code="91330106000000099X", status=EnterpriseStatus.PENDING
    )
    user = await builders.user(Role.APPLICANT, "新成员")
    await Membership.create(user=user, enterprise=pending, role=MembershipRole.OWNER)
    member = await login(new_api, user)
    page = await member.client.get(item_path(w))
    html = main(page.text)
    assert "只有已认证的企业才能申请" in html and 'href="/enterprises"' in html
    assert 'name="answer-amount"' not in html


async def test_the_multipart_form_without_the_csrf_token_is_refused(new_api: Any) -> None:
    w = await world(new_api)
    response = await post_apply(w.applicant, item_path(w), {"step": "continue"}, csrf=False)
    assert response.status_code == 403


async def test_fields_the_park_holds_are_filled_from_the_record_and_read_only(
    new_api: Any,
) -> None:
    w = await world(new_api)
    code = "91330100MA2CFXY10Q"
    await Enterprise.filter(id=w.enterprise.id).update(credit_code=code, live_credit_code=code)
    other = await builders.verified_enterprise("别家公司")
    mirrors = [
        {"key": "company", "type": "TEXT", "label": {"zh": "企业名称", "en": "Company"},
         "required": True, "min": None, "max": "100", "options": [], "pattern": None,
         "help": {"zh": "", "en": ""}, "mirrors": "NAME"},
        {"key": "creditCode", "type": "CREDIT_CODE", "label": {"zh": "信用代码", "en": "Code"},
         "required": True, "min": None, "max": None, "options": [], "pattern": None,
         "help": {"zh": "", "en": ""}, "mirrors": "CREDIT_CODE"},
    ]  # fmt: skip
    w.version.form = {**w.version.form, "fields": [*w.version.form["fields"], *mirrors]}
    await w.version.save()
    form = await w.applicant.client.get(item_path(w))
    html = main(form.text)
    assert (
        f'<input type="text" id="answer-company" name="answer-company" value="{w.enterprise.name}"'
        " readonly" in html
    )
    assert f'name="answer-creditCode" value="{code}" readonly' in html
    assert "取自园区登记的申请企业信息，此处不可修改。" in html
    # A browser that sends another enterprise's name and code anyway: the record is what counts.
    check = await _to_check_page(
        w, **{"answer-company": other.name, "answer-creditCode": "91350100M000100Y43"}
    )
    values = hidden(main(check.text))
    assert ("answer-creditCode", code) in values and ("answer-company", w.enterprise.name) in values
    response = await w.applicant.client.post(item_path(w) + "/submit", data=dict(values))
    assert response.status_code == 303
    app = await Application.get()
    assert (app.form_data["company"], app.form_data["creditCode"]) == (w.enterprise.name, code)
