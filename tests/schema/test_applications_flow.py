"""Submitting, auditing, returning, withdrawing and supplementing applications through the API."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.models.accounts import Notification
from backend.models.applications import Application, OwedMaterial
from backend.models.catalog import ReviewMode, ServiceItemVersion
from backend.models.enterprises import Enterprise, EnterpriseStatus, Membership, MembershipRole
from backend.models.orders import Order
from tests import builders
from tests.schema.application_helpers import (
    CHECK,
    SAVE,
    SUPPLEMENT,
    WITHDRAW,
    counts,
    decide,
    events_of,
    item,
    login,
    materials,
    retire,
    stored,
    submission,
    submit,
    submitted,
    world,
)
from tests.schema.helpers import global_id

pytestmark = pytest.mark.postgres


async def test_a_manual_item_goes_under_review_numbered_pinned_and_kept(new_api: Any) -> None:
    w = await world(new_api)
    payload = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    app = payload["application"]
    assert re.fullmatch(r"SQ-\d{8}-\d{4}", app["number"])
    assert app["status"] == "UNDER_REVIEW" and payload["order"] is None
    assert app["itemVersionNumber"] == 1 and app["serviceItem"]["name"] == w.item.name_zh
    assert app["auditResult"] == {"passed": True, "revisionNumber": 1, "problems": []}
    assert [r["number"] for r in app["revisions"]] == [1]
    assert app["applicant"]["name"] == "申请人" and app["filedBy"] is None
    assert all(a["file"]["downloadUrl"] for a in app["attachments"])
    assert [e.sequence for e in await events_of("APPLICATION_SUBMITTED")] == [2]


async def test_an_automatic_item_is_approved_and_its_order_assigned_in_the_request(
    new_api: Any,
) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    payload = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    assert payload["application"]["status"] == "APPROVED"
    assert payload["order"]["status"] == "ASSIGNED"
    order = await Order.get(number=payload["order"]["number"])
    assert order.assignee_id in {h.id for h in w.handlers}  # type: ignore[attr-defined]
    assert order.auditor_id is None  # type: ignore[attr-defined]
    assert payload["application"]["order"]["number"] == order.number


async def test_a_failed_audit_returns_it_and_a_resubmit_keeps_the_pinned_version(
    new_api: Any,
) -> None:
    w = await world(new_api)
    first = await submitted(w.applicant, submission(w, formData={"purpose": "周转"}))
    app = first["application"]
    assert app["status"] == "RETURNED"
    problems = app["auditResult"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [
        (["formData", "amount"], "REQUIRED"),
        (["attachments", "licence"], "MATERIAL_REQUIRED"),
        (["attachments", "report"], "PROMISE_REQUIRED"),
    ]
    assert problems[1]["message"] == "请上传营业执照。"
    # The admin edits the item: the application keeps version 1.
    newer = await ServiceItemVersion.create(
        item=w.item, number=2, name_zh="新版", form=w.version.form
    )
    w.item.live_version = newer
    await w.item.save()
    again = await submitted(
        w.applicant,
        submission(
            w, applicationId=app["id"], expectedVersion=app["version"],
            attachments=await materials(w.owner),
        ),
    )  # fmt: skip
    assert again["application"]["status"] == "UNDER_REVIEW"
    assert again["application"]["itemVersionNumber"] == 1
    assert [r["number"] for r in again["application"]["revisions"]] == [1, 2]
    assert again["application"]["number"] == app["number"]


async def test_deferred_materials_are_owed_and_the_applicant_told(new_api: Any) -> None:
    w = await world(new_api)
    licence = {"kind": "licence", "fileId": await stored(w.owner)}
    payload = await submitted(
        w.applicant, submission(w, attachments=[licence], promiseDeferred=True)
    )
    app = payload["application"]
    assert app["status"] == "UNDER_REVIEW" and app["promisedDeferred"] is True
    owed = await OwedMaterial.get(application_id=int(await _pk(app)))
    assert owed.kind == "report" and owed.supplied_at is None
    assert app["owedMaterials"][0]["dueOn"] == owed.due_on.isoformat()
    notice = await Notification.get(user_id=w.owner.id, kind="MATERIALS_OWED")
    assert notice.params["materials"]["zh"].startswith("财务报表（PDF、image）")
    assert owed.due_on.isoformat() in notice.params["materials"]["en"]


async def _pk(app: dict[str, Any]) -> int:
    return (await Application.get(number=app["number"])).id


async def test_an_auditor_approves_and_the_order_opens_assigned(new_api: Any) -> None:
    w = await world(new_api)
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    payload = await decide(w.auditor, app, "APPROVE", comment="材料齐全")
    assert payload["userErrors"] == []
    assert payload["application"]["status"] == "APPROVED"
    assert payload["order"]["status"] == "ASSIGNED"
    order = await Order.get(number=payload["order"]["number"])
    assert order.auditor_id == w.auditor_user.id  # type: ignore[attr-defined]
    review = payload["application"]["reviews"][0]
    assert review["reviewer"]["name"] == "审核员" and review["decision"] == "APPROVE"
    # A second approval is a clean userError, and writes nothing.
    before = await counts()
    again = await decide(w.auditor, payload["application"], "APPROVE")
    assert [e["code"] for e in again["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    # With the version it had before the approval: stale comes first, naming the stored one.
    stale = await decide(w.auditor, app, "APPROVE")
    assert [e["code"] for e in stale["userErrors"]] == ["STALE"]
    stored, seen = payload["application"]["version"], app["version"]
    assert f"当前版本 {stored}，您看到的是版本 {seen}" in stale["userErrors"][0]["message"]
    assert await counts() == before


async def test_return_then_the_auditor_sees_what_changed(new_api: Any) -> None:
    w = await world(new_api)
    files = await materials(w.owner)
    app = (await submitted(w.applicant, submission(w, attachments=files)))["application"]
    returned = await decide(
        w.auditor, app, "RETURN", comment="金额有误",
        problems=[{"field": ["formData", "amount"], "message": "请核对金额"}],
    )  # fmt: skip
    assert returned["application"]["status"] == "RETURNED"
    assert returned["application"]["reviews"][0]["problems"] == [
        {"field": ["formData", "amount"], "message": "请核对金额"}
    ]
    assert returned["application"]["changesSinceReturn"] == []
    new_report = {"kind": "report", "fileId": await stored(w.owner)}
    again = await submitted(
        w.applicant,
        submission(
            w, applicationId=app["id"], expectedVersion=returned["application"]["version"],
            formData={"amount": "30000"}, attachments=[files[0], new_report],
        ),
    )  # fmt: skip
    changes = again["application"]["changesSinceReturn"]
    assert [c["field"] for c in changes] == [["formData", "amount"], ["attachments", "report"]]
    assert changes[0]["before"] == "20000" and changes[0]["after"] == "30000"


async def test_a_return_or_rejection_needs_a_reason(new_api: Any) -> None:
    w = await world(new_api)
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    for decision in ("RETURN", "REJECT"):
        payload = await decide(w.auditor, app, decision)
        assert [e["code"] for e in payload["userErrors"]] == ["DECISION_REASON_REQUIRED"]
    rejected = await decide(w.auditor, app, "REJECT", comment="不符合条件")
    assert rejected["application"]["status"] == "REJECTED"
    assert await Notification.filter(user_id=w.owner.id, kind="APPLICATION_REJECTED").exists()


async def test_only_auditors_decide(new_api: Any) -> None:
    w = await world(new_api)
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    before = await counts()
    payload = await decide(w.applicant, app, "APPROVE")
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    handler = await login(new_api, w.handlers[0])
    payload = await decide(handler, app, "APPROVE")
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert await counts() == before


async def _withdraw(api: Any, app: dict[str, Any]) -> dict[str, Any]:
    input = {"applicationId": app["id"], "expectedVersion": app["version"]}
    return (await api.gql(WITHDRAW, {"input": input}))["withdrawApplication"]


async def test_every_allowed_and_forbidden_transition(new_api: Any) -> None:
    w = await world(new_api)
    # DRAFT -> WITHDRAWN
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    assert draft["application"]["status"] == "DRAFT"
    withdrawn = await _withdraw(w.applicant, draft["application"])
    assert withdrawn["application"]["status"] == "WITHDRAWN"
    # WITHDRAWN -> anything: forbidden
    assert [
        e["code"] for e in (await _withdraw(w.applicant, withdrawn["application"]))["userErrors"]
    ] == ["FORBIDDEN_TRANSITION"]
    resubmit = await submit(
        w.applicant,
        submission(w, applicationId=withdrawn["application"]["id"],
                   expectedVersion=withdrawn["application"]["version"]),
    )  # fmt: skip
    assert [e["code"] for e in resubmit["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    # DRAFT -> submit -> RETURNED (audit) -> WITHDRAWN
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    returned = await submitted(
        w.applicant,
        submission(w, applicationId=draft["application"]["id"],
                   expectedVersion=draft["application"]["version"]),
    )  # fmt: skip
    assert returned["application"]["status"] == "RETURNED"
    assert (await _withdraw(w.applicant, returned["application"]))["application"][
        "status"
    ] == "WITHDRAWN"
    # An enterprise's draft is not the desk's to see, let alone decide (the desk's own drafts
    # cannot be decided either: test_applications_drafts); UNDER_REVIEW -> WITHDRAWN; a decided
    # one cannot be withdrawn.
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    assert [
        e["code"] for e in (await decide(w.auditor, draft["application"], "APPROVE"))["userErrors"]
    ] == ["NOT_FOUND"]
    under = await submitted(
        w.applicant,
        submission(w, applicationId=draft["application"]["id"],
                   expectedVersion=draft["application"]["version"],
                   attachments=await materials(w.owner)),
    )  # fmt: skip
    assert under["application"]["status"] == "UNDER_REVIEW"
    # A draft save of an application under review is forbidden.
    saved = (await w.applicant.gql(SAVE, {"input": submission(
        w, applicationId=under["application"]["id"],
        expectedVersion=under["application"]["version"])}))["saveApplicationDraft"]  # fmt: skip
    assert [e["code"] for e in saved["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    assert (await _withdraw(w.applicant, under["application"]))["application"][
        "status"
    ] == "WITHDRAWN"
    approved = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    decided = await decide(w.auditor, approved["application"], "APPROVE")
    errors = (await _withdraw(w.applicant, decided["application"]))["userErrors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN_TRANSITION"]
    rejected = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    done = await decide(w.auditor, rejected["application"], "REJECT", comment="不符合")
    for decision in ("APPROVE", "RETURN"):
        codes = [
            e["code"]
            for e in (await decide(w.auditor, done["application"], decision, comment="x"))[
                "userErrors"
            ]
        ]
        assert codes == ["FORBIDDEN_TRANSITION"]
    statuses = set(await Application.all().values_list("status", flat=True))
    assert "SUBMITTED" not in {str(s) for s in statuses}


async def test_a_stale_version_is_refused_and_nothing_written(new_api: Any) -> None:
    w = await world(new_api)
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    app = draft["application"]
    await w.applicant.gql(
        SAVE, {"input": submission(w, applicationId=app["id"], expectedVersion=app["version"])}
    )
    before = await counts()
    stale = await submit(
        w.applicant, submission(w, applicationId=app["id"], expectedVersion=app["version"])
    )
    assert [e["code"] for e in stale["userErrors"]] == ["STALE"]
    assert await counts() == before


@pytest.mark.parametrize("case", ["unknown", "retired", "list", "unverified", "foreign", "file"])
async def test_preconditions_are_clean_user_errors_and_write_nothing(
    new_api: Any, case: str
) -> None:
    w = await world(new_api)
    input = submission(w, attachments=await materials(w.owner))
    expected = {
        "unknown": (["serviceItemId"], "NOT_FOUND"),
        "retired": (["serviceItemId"], "ITEM_NOT_AVAILABLE"),
        "list": (["formData"], "WRONG_TYPE"),
        "unverified": (["enterpriseId"], "ENTERPRISE_NOT_VERIFIED"),
        "foreign": (["enterpriseId"], "FORBIDDEN"),
        "file": (["attachments", "0", "fileId"], "ATTACHMENT_NOT_YOURS"),
    }[case]
    if case == "unknown":
        input["serviceItemId"] = global_id("ServiceItem", 999999)
    elif case == "retired":
        await retire(w.item)
    elif case == "list":
        input["formData"] = ["amount", "20000"]
    elif case == "unverified":
        await Enterprise.filter(id=w.enterprise.id).update(status=EnterpriseStatus.PENDING)
    elif case == "foreign":
        other = await builders.verified_enterprise("别家公司")
        input["enterpriseId"] = global_id("Enterprise", other.id)
    else:
        input["attachments"][0]["fileId"] = await stored(w.auditor_user)
    before = await counts()
    for operation in (SAVE, None, CHECK):
        if operation is None:
            payload = await submit(w.applicant, input)
        else:
            payload = next(iter((await w.applicant.gql(operation, {"input": input})).values()))
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [expected]
        assert payload["userErrors"][0]["message"]
    assert await counts() == before


async def test_check_runs_the_audit_and_writes_nothing(new_api: Any) -> None:
    w = await world(new_api, rules=[{"type": "PREMISES_BOUND"}])
    before = await counts()
    data = await w.applicant.gql(CHECK, {"input": submission(w, formData={})})
    result = data["checkApplication"]
    assert result["passed"] is False
    assert [p["code"] for p in result["problems"]] == [
        "REQUIRED", "MATERIAL_REQUIRED", "PROMISE_REQUIRED", "PREMISES_NOT_BOUND",
    ]  # fmt: skip
    assert await counts() == before


async def test_one_open_application_per_enterprise(new_api: Any) -> None:
    w = await world(new_api, rules=[{"type": "ONE_OPEN_PER_ENTERPRISE"}])
    first = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    assert first["application"]["status"] == "UNDER_REVIEW"
    before = await counts()
    second = await submit(w.applicant, submission(w, attachments=await materials(w.owner)))
    assert [e["code"] for e in second["userErrors"]] == ["ALREADY_OPEN"]
    assert await counts() == before
    await _withdraw(w.applicant, first["application"])
    third = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    assert third["application"]["status"] == "UNDER_REVIEW"


async def test_an_auditor_files_for_a_walk_in_enterprise(new_api: Any) -> None:
    w = await world(new_api)
    colleague = await builders.user(builders.Role.APPLICANT, "同事")
    await Membership.create(user=colleague, enterprise=w.enterprise, role=MembershipRole.MEMBER)
    files = await materials(w.auditor_user)
    payload = await submitted(w.auditor, submission(w, attachments=files))
    app = payload["application"]
    assert app["filedBy"]["name"] == "审核员" and app["applicant"]["name"] == "申请人"
    created = (await events_of("APPLICATION_CREATED"))[0]
    assert created.acting_for_id == w.enterprise.id and created.actor_id == w.auditor_user.id  # type: ignore[attr-defined]
    told = await Notification.filter(kind="APPLICATION_FILED_FOR").values_list("user_id", flat=True)
    assert sorted(told) == sorted([w.owner.id, colleague.id])
    # The applicant sees it, with the auditor's materials downloadable.
    mine = await w.applicant.gql(
        "query($n: String!) { applicationByNumber(number: $n) {"
        " attachments { file { downloadUrl } } } }",
        {"n": app["number"]},
    )
    assert all(a["file"]["downloadUrl"] for a in mine["applicationByNumber"]["attachments"])


async def test_an_auditor_supplements_and_the_enterprise_is_told(new_api: Any) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    licence = {"kind": "licence", "fileId": await stored(w.owner)}
    app = (
        await submitted(w.applicant, submission(w, attachments=[licence], promiseDeferred=True))
    )["application"]
    assert app["status"] == "APPROVED" and app["owedMaterials"][0]["suppliedAt"] is None
    report = {"kind": "report", "fileId": await stored(w.auditor_user)}
    input = {"applicationId": app["id"], "expectedVersion": app["version"], "attachments": [report]}
    payload = (await w.auditor.gql(SUPPLEMENT, {"input": input}))["supplementApplication"]
    assert payload["userErrors"] == []
    supplemented = payload["application"]
    assert supplemented["owedMaterials"][0]["suppliedAt"] is not None
    assert sorted(a["kind"] for a in supplemented["attachments"]) == ["licence", "report"]
    event = (await events_of("APPLICATION_SUPPLEMENTED"))[0]
    assert event.acting_for_id == w.enterprise.id  # type: ignore[attr-defined]
    assert await Notification.filter(user_id=w.owner.id, kind="APPLICATION_SUPPLEMENTED").exists()
    # Not owed, or by an applicant: refused.
    again = {**input, "expectedVersion": supplemented["version"]}
    refused = (await w.auditor.gql(SUPPLEMENT, {"input": again}))["supplementApplication"]
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_OWED"]
    by_applicant = (await w.applicant.gql(SUPPLEMENT, {"input": again}))["supplementApplication"]
    assert [e["code"] for e in by_applicant["userErrors"]] == ["FORBIDDEN"]


async def test_the_item_can_be_named_by_category_and_name(new_api: Any) -> None:
    w = await world(new_api)
    category = await w.item.category
    input = submission(w, attachments=await materials(w.owner))
    del input["serviceItemId"]
    input.update(categoryName=category.name_zh, serviceItemName=w.item.name_zh)
    payload = await submitted(w.applicant, input)
    assert payload["application"]["serviceItemId"] == global_id("ServiceItem", w.item.id)
    other, _ = await item(None)
    assert other.id != w.item.id


async def test_the_desk_never_supplements_a_draft_the_enterprise_is_writing(new_api: Any) -> None:
    w = await world(new_api)
    draft = (await w.applicant.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    app = draft["application"]
    input = {"applicationId": app["id"], "expectedVersion": app["version"],
             "formData": {"purpose": "代填"}}  # fmt: skip
    before = await counts()
    refused = (await w.auditor.gql(SUPPLEMENT, {"input": input}))["supplementApplication"]
    # Not even seen: a draft is the enterprise's own until it is handed in.
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    assert await counts() == before
    # A draft the desk filed for a walk-in enterprise is the desk's own to fill in.
    filed = (await w.auditor.gql(SAVE, {"input": submission(w)}))["saveApplicationDraft"]
    mine = filed["application"]
    assert mine["status"] == "DRAFT" and mine["filedBy"]["name"] == "审核员"
    input = {**input, "applicationId": mine["id"], "expectedVersion": mine["version"]}
    payload = (await w.auditor.gql(SUPPLEMENT, {"input": input}))["supplementApplication"]
    assert payload["userErrors"] == []
    assert payload["application"]["formData"]["purpose"] == "代填"
