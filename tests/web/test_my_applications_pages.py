"""The applicant's applications: the list, one application, withdrawing, resubmitting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.models.applications import Application, OwedMaterial, OwedStatus
from backend.models.catalog import ReviewMode
from tests.schema.application_helpers import (
    decide,
    materials,
    stored,
    submission,
    submitted,
    world,
)
from tests.schema.enterprise_helpers import storage_app
from tests.web.apply_helpers import hidden, item_path, main, post_apply


@pytest.fixture
def app(settings: Any, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def _returned(new_api: Any) -> tuple[Any, dict[str, Any]]:
    w = await world(new_api)
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    problems = [{"field": ["formData", "amount"], "message": "金额与合同不符，请按合同填写"}]
    payload = await decide(w.auditor, app, "RETURN", comment="请补正后重新提交", problems=problems)
    assert payload["userErrors"] == [], payload
    return w, payload["application"]


async def test_the_list_and_the_detail_show_the_reviewers_reasons_beside_the_fields(
    new_api: Any,
) -> None:
    w, app = await _returned(new_api)
    listing = await w.applicant.client.get("/applications")
    assert listing.status_code == 200
    html = main(listing.text)
    assert app["number"] in html and "退回补正" in html and w.enterprise.name in html
    assert "1 个问题待修改" in html and f'href="/applications/{app["number"]}/edit"' in html
    assert 'href="/applications"' in listing.text  # the nav link
    detail = await w.applicant.client.get(f"/applications/{app['number']}")
    assert detail.status_code == 200
    page = main(detail.text)
    amount = page.split('id="answer-amount"', 1)[1].split("</div>", 1)[0]
    assert "20000" in amount and "金额与合同不符" in amount
    assert "请补正后重新提交" in page and "审核员" in page
    assert "第 1 版" in page and 'href="/files/' in page
    filtered = await w.applicant.client.get("/applications?status=APPROVED")
    assert app["number"] not in main(filtered.text)


async def test_resubmit_a_returned_application(new_api: Any) -> None:
    w, app = await _returned(new_api)
    form = await w.applicant.client.get(f"/applications/{app['number']}/edit")
    assert form.status_code == 200
    html = main(form.text)
    assert 'value="20000"' in html and "金额与合同不符" in html
    assert 'name="applicationId"' in html and 'name="answer-file-licence-keep"' in html
    values = dict(hidden(html))
    values.update({"answer-amount": "25000", "step": "continue"})
    check = await post_apply(w.applicant, item_path(w), values)
    assert check.status_code == 200, main(check.text)
    done = await w.applicant.client.post(item_path(w) + "/submit", data=dict(hidden(check.text)))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/applications/{app['number']}/submitted"
    stored = await Application.get()
    assert stored.status.value == "UNDER_REVIEW" and stored.form_data["amount"] == "25000"
    detail = await w.applicant.client.get(f"/applications/{app['number']}")
    assert "第 2 版" in detail.text


async def test_withdraw_after_confirming(new_api: Any) -> None:
    w, app = await _returned(new_api)
    confirm = await w.applicant.client.get(f"/applications/{app['number']}/withdraw")
    assert confirm.status_code == 200 and "确定撤回" in confirm.text
    await w.applicant.prime()
    data = {"csrf_token": w.applicant.csrf(), "expectedVersion": str(app["version"])}
    response = await w.applicant.client.post(f"/applications/{app['number']}/withdraw", data=data)
    assert response.status_code == 303
    detail = await w.applicant.client.get(response.headers["location"])
    assert "申请已撤回" in detail.text and "已撤回" in main(detail.text)
    assert (await Application.get()).status.value == "WITHDRAWN"
    stale = await w.applicant.client.post(f"/applications/{app['number']}/withdraw", data=data)
    assert stale.status_code == 422


async def test_someone_elses_application_is_not_found(new_api: Any) -> None:
    _, app = await _returned(new_api)
    other = new_api()
    await other.sign_up("别人", "13900139000")
    response = await other.client.get(f"/applications/{app['number']}")
    assert response.status_code == 404


async def test_an_owed_material_returned_by_the_handler_is_owed_again_on_the_page(
    new_api: Any,
) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    licence = {"kind": "licence", "fileId": await stored(w.owner)}
    payload = await submitted(
        w.applicant, submission(w, attachments=[licence], promiseDeferred=True)
    )
    number = payload["application"]["number"]
    owed = await OwedMaterial.get(kind="report")
    await OwedMaterial.filter(id=owed.id).update(
        status=OwedStatus.SUPPLIED, supplied_at=owed.created_at
    )
    page = main((await w.applicant.client.get(f"/applications/{number}")).text)
    assert "已于" in page and "补交" in page
    await OwedMaterial.filter(id=owed.id).update(status=OwedStatus.RETURNED)
    page = main((await w.applicant.client.get(f"/applications/{number}")).text)
    assert "已于" not in page and f"请于 {owed.due_on.isoformat()} 前补交" in page
