"""The one check of answers on every path: a draft save, a check, a submit and a supplement.

Malformed answers are refused with a userError at the field, and nothing is written; money,
numbers and codes are read as people write them and stored in one form; fields that mirror the
enterprise's record are filled from it, and an answer naming another enterprise is refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.demo import seed as demo
from backend.models.applications import Application
from backend.models.catalog import ReviewMode, ServiceItem
from backend.models.enterprises import Enterprise
from backend.services.catalog import forms
from backend.services.core.errors import Problems
from tests import builders
from tests.schema.application_helpers import (
    CHECK,
    SAVE,
    SUPPLEMENT,
    World,
    counts,
    materials,
    submission,
    submit,
    submitted,
    world,
)
from tests.schema.helpers import global_id

# A code with a right check character (the builders' are only shaped like codes).
CODE = "91330100MA2CFXY10Q"


def _field(key: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": kind, "label": {"zh": key, "en": key}, **extra}


async def _with_form(w: World, *fields: dict[str, Any], rules: Any = None) -> None:
    problems = Problems()
    amount = _field("amount", "MONEY", required=True, min="1000", max="5000000")
    form = {"fields": [amount, *fields], "attachments": w.version.form["attachments"]}
    w.version.form = forms.check_definition(form, problems)
    assert not problems.items
    if rules is not None:
        w.version.audit_rules = rules
    await w.version.save()


def _errors(payload: dict[str, Any]) -> list[tuple[list[str], str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def _save(w: World, **overrides: Any) -> dict[str, Any]:
    data = await w.applicant.gql(SAVE, {"input": submission(w, **overrides)})
    return dict(data["saveApplicationDraft"])


async def _check(w: World, **overrides: Any) -> dict[str, Any]:
    data = await w.applicant.gql(CHECK, {"input": submission(w, **overrides)})
    return dict(data["checkApplication"])


@pytest.mark.postgres
async def test_a_draft_may_be_incomplete_but_never_malformed(new_api: Any) -> None:
    w = await world(new_api)
    await _with_form(w, _field("purpose", "LONG_TEXT", max="50"))
    before = await counts()
    # Within the boundary's bound on any text (docs/api.md), the field's own maximum holds.
    refused = await _save(
        w, formData={"purpose": "长" * 60_000, "amount": {"value": "20000", "extra": 1}}
    )
    assert _errors(refused) == [
        (["formData", "amount"], "INVALID_MONEY"),
        (["formData", "purpose"], "TOO_LONG"),
    ]
    # Past it, the boundary refuses the request before anything runs.
    huge = submission(w, formData={"purpose": "长" * 1_000_000})
    body = (await w.applicant.post(SAVE, {"input": huge})).json()
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [
        ("TOO_LONG", ["input", "formData", "purpose"])
    ]
    unknown = await _save(w, formData={"amount": "20000", "nested": {"deep": "x"}})
    assert _errors(unknown) == [(["formData", "nested"], "UNKNOWN_FIELD")]
    assert await counts() == before
    incomplete = await _save(w, formData={"purpose": "周转"})
    assert _errors(incomplete) == []
    assert incomplete["application"]["formData"] == {"purpose": "周转"}


@pytest.mark.postgres
async def test_a_supplement_is_held_to_the_same_check(new_api: Any) -> None:
    w = await world(new_api)
    await _with_form(w, _field("purpose", "LONG_TEXT", max="50"))
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    before = await Application.get()

    async def supplement(form_data: Any) -> dict[str, Any]:
        input = {
            "applicationId": app["id"],
            "expectedVersion": app["version"],
            "formData": form_data,
        }
        return dict((await w.auditor.gql(SUPPLEMENT, {"input": input}))["supplementApplication"])

    refused = await supplement({"purpose": 12, "nope": "x"})
    assert _errors(refused) == [
        (["formData", "purpose"], "WRONG_TYPE"),
        (["formData", "nope"], "UNKNOWN_FIELD"),
    ]
    too_long = await supplement({"purpose": "x" * 60_000})
    assert _errors(too_long) == [(["formData", "purpose"], "TOO_LONG")]
    after = await Application.get(id=before.id)
    assert (after.version, after.form_data) == (before.version, before.form_data)
    accepted = await supplement({"amount": "５００,０００"})
    assert _errors(accepted) == []
    assert accepted["application"]["formData"]["amount"] == "500000"


@pytest.mark.postgres
@pytest.mark.parametrize("typed", ["500,000", "５００,０００", "５００，０００.００"])
async def test_an_amount_as_people_write_it_gets_the_same_answer_on_every_path(
    new_api: Any, typed: str
) -> None:
    w = await world(new_api)
    draft = await _save(w, formData={"amount": typed})
    assert _errors(draft) == []
    assert draft["application"]["formData"] == {"amount": "500000"}
    check = await _check(w, formData={"amount": typed}, attachments=await materials(w.owner))
    assert (check["userErrors"], check["problems"], check["passed"]) == ([], [], True)
    app = draft["application"]
    payload = await submitted(
        w.applicant,
        submission(
            w, applicationId=app["id"], expectedVersion=app["version"],
            formData={"amount": typed}, attachments=await materials(w.owner),
        ),
    )  # fmt: skip
    assert payload["application"]["status"] == "UNDER_REVIEW"
    assert payload["application"]["formData"] == {"amount": "500000"}
    assert payload["application"]["revisions"][0]["formData"] == {"amount": "500000"}


@pytest.mark.postgres
async def test_digits_of_other_scripts_are_refused_with_the_usual_code_on_every_path(
    new_api: Any,
) -> None:
    w = await world(new_api)
    await _with_form(w, _field("code", "CREDIT_CODE"), _field("staff", "NUMBER"))
    arabic = {"amount": "٥٠٠٠", "code": "91٣٣٠١٠٠MA2CFXY10Q", "staff": "١٢"}
    expected = [
        (["formData", "amount"], "INVALID_MONEY"),
        (["formData", "code"], "INVALID_CREDIT_CODE"),
        (["formData", "staff"], "NOT_A_NUMBER"),
    ]
    before = await counts()
    assert _errors(await _save(w, formData=arabic)) == expected
    assert _errors(await _check(w, formData=arabic)) == expected
    assert _errors(await submit(w.applicant, submission(w, formData=arabic))) == expected
    assert await counts() == before
    full_width = {"amount": "５０００", "code": "91３３０１００ＭＡ2CFXY10Q", "staff": "１２"}
    saved = await _save(w, formData=full_width)
    assert _errors(saved) == []
    assert saved["application"]["formData"] == {"amount": "5000", "code": CODE, "staff": 12}


MIRRORS = (
    _field("company", "TEXT", required=True, max="100", mirrors="NAME"),
    _field("creditCode", "CREDIT_CODE", required=True, mirrors="CREDIT_CODE"),
)
MATCH = [
    {"type": "MATCHES_ENTERPRISE", "field": "company"},
    {"type": "MATCHES_ENTERPRISE", "field": "creditCode"},
]


@pytest.mark.postgres
async def test_mirror_fields_are_filled_from_the_chosen_enterprises_record(new_api: Any) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    await Enterprise.filter(id=w.enterprise.id).update(credit_code=CODE, live_credit_code=CODE)
    await _with_form(w, *MIRRORS, rules=MATCH)
    payload = await submitted(
        w.applicant,
        submission(w, formData={"amount": "20000"}, attachments=await materials(w.owner)),
    )
    app = payload["application"]
    assert app["status"] == "APPROVED"
    assert app["formData"] == {"amount": "20000", "company": w.enterprise.name, "creditCode": CODE}


@pytest.mark.postgres
async def test_applying_as_one_enterprise_with_anothers_credit_code_is_refused(
    new_api: Any,
) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    await Enterprise.filter(id=w.enterprise.id).update(credit_code=CODE, live_credit_code=CODE)
    other = await builders.verified_enterprise("别家公司")
    await _with_form(w, *MIRRORS, rules=MATCH)
    answers = {"amount": "20000", "company": other.name, "creditCode": "91350100M000100Y43"}
    check = await _check(w, formData=answers, attachments=await materials(w.owner))
    assert [(p["field"], p["code"]) for p in check["problems"]] == [
        (["formData", "company"], "NOT_THE_ENTERPRISES_RECORD"),
        (["formData", "creditCode"], "NOT_THE_ENTERPRISES_RECORD"),
    ]
    assert CODE in check["problems"][1]["message"]
    payload = await submitted(
        w.applicant, submission(w, formData=answers, attachments=await materials(w.owner))
    )
    app = payload["application"]
    assert app["status"] == "RETURNED" and payload["order"] is None
    # What is kept is the record, never the other enterprise's code.
    assert app["formData"]["creditCode"] == CODE
    # The same code written with spaces and in lower case is the record.
    same = {"amount": "20000", "creditCode": "9133 0100 ma2c fxy1 0q"}
    check = await _check(w, formData=same, attachments=await materials(w.owner))
    assert (check["userErrors"], check["problems"]) == ([], [])
    assert global_id("Enterprise", other.id) != global_id("Enterprise", w.enterprise.id)


@pytest.mark.postgres
async def test_the_demo_legal_consultation_refuses_another_enterprises_credit_code(
    new_api: Any,
) -> None:
    """The finding as it was: an AUTO item approved at once with another firm's code."""
    assert await demo.seed() is True
    applicant = new_api()
    assert (await applicant.login("13800138000", demo.DEMO_PASSWORD))["userErrors"] == []
    ours = await Enterprise.get(name="杭州云栖智能科技有限公司")
    theirs = await Enterprise.get(name="浙江绿源新材料股份有限公司")
    legal = await ServiceItem.get(name_zh="法律咨询")
    answers = {
        "company": ours.name,
        "creditCode": theirs.credit_code,
        "contact": "赵磊",
        "phone": "13800138000",
        "topic": "contract",
        "question": "合同违约如何处理？",
    }
    input = {
        "serviceItemId": global_id("ServiceItem", legal.id),
        "enterpriseId": global_id("Enterprise", ours.id),
        "formData": answers,
    }
    payload = await submitted(applicant, input)
    app = payload["application"]
    assert app["status"] == "RETURNED" and payload["order"] is None
    assert [(p["field"], p["code"]) for p in app["auditResult"]["problems"]] == [
        (["formData", "creditCode"], "NOT_THE_ENTERPRISES_RECORD")
    ]
    # Left out, the name and the code come from the record, and the same request is approved.
    del answers["company"], answers["creditCode"]
    again = await submitted(
        applicant, {**input, "applicationId": app["id"], "expectedVersion": app["version"]}
    )
    assert again["application"]["status"] == "APPROVED"
    assert again["application"]["formData"]["creditCode"] == ours.credit_code
