"""The audit as a pure function: every format check and every rule type, passing and failing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.services.applications import audit_rules
from backend.services.applications.audit import AttachmentFact, EnterpriseFacts, audit
from backend.services.enterprises.records import EnterpriseRecord

TODAY = date(2026, 3, 10)
MB = 1024 * 1024


def label(zh: str, en: str = "") -> dict[str, str]:
    return {"zh": zh, "en": en}


FORM: dict[str, Any] = {
    "fields": [
        {"key": "amount", "type": "MONEY", "label": label("申请金额", "Amount"), "required": True,
         "min": "1000", "max": "5000000", "options": [], "pattern": None, "help": label("")},
        {"key": "cap", "type": "MONEY", "label": label("上限", "Cap"), "required": False,
         "min": None, "max": None, "options": [], "pattern": None, "help": label("")},
        {"key": "size", "type": "CHOICE", "label": label("企业规模", "Size"), "required": False,
         "min": None, "max": None, "pattern": None, "help": label(""),
         "options": [{"value": "small", "label": label("小型", "Small")},
                     {"value": "large", "label": label("大型", "Large")}]},
        {"key": "start", "type": "DATE", "label": label("开始日期", "Start"), "required": False,
         "min": None, "max": None, "options": [], "pattern": None, "help": label("")},
        {"key": "end", "type": "DATE", "label": label("结束日期", "End"), "required": False,
         "min": None, "max": None, "options": [], "pattern": None, "help": label("")},
    ],
    "attachments": [
        {"kind": "licence", "label": label("营业执照", "business licence"),
         "mimeTypes": ["application/pdf"], "maxBytes": MB, "required": True,
         "asksExpiry": True, "deferrable": False},
        {"kind": "report", "label": label("财务报表", "financial report"),
         "mimeTypes": ["application/pdf", "image/*"], "maxBytes": 2 * MB, "required": True,
         "asksExpiry": False, "deferrable": True},
    ],
}  # fmt: skip
FACTS = EnterpriseFacts(established_on=date(2020, 1, 1), has_premises=True, open_applications=0)
GOOD = [
    AttachmentFact("licence", "application/pdf", 1000, date(2027, 1, 1)),
    AttachmentFact("report", "image/png", 1000),
]


def run(
    data: Any = None,
    attachments: list[AttachmentFact] | None = None,
    rules: list[dict[str, Any]] | None = None,
    facts: EnterpriseFacts = FACTS,
    promise: bool = False,
) -> Any:
    return audit(
        FORM,
        rules or [],
        {"amount": "20000"} if data is None else data,
        GOOD if attachments is None else attachments,
        facts,
        promise_deferred=promise,
        today=TODAY,
    )


def found(outcome: Any) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.code, p.field) for p in outcome.problems]


def test_a_complete_submission_passes() -> None:
    outcome = run()
    assert outcome.passed and outcome.problems == [] and outcome.owed == []


def test_the_format_audit_uses_the_form_schema() -> None:
    outcome = run({"amount": "12", "start": "2026-13-01", "nope": 1})
    assert found(outcome) == [
        ("BELOW_MINIMUM", ("formData", "amount")),
        ("INVALID_DATE", ("formData", "start")),
        ("UNKNOWN_FIELD", ("formData", "nope")),
    ]
    assert not outcome.passed


def test_form_data_that_is_not_an_object_is_one_problem() -> None:
    assert found(run(["amount"])) == [("WRONG_TYPE", ("formData",))]


def test_every_attachment_problem_is_reported_at_once() -> None:
    outcome = run(
        attachments=[
            AttachmentFact("licence", "image/png", 2 * MB, date(2026, 3, 10)),
            AttachmentFact("report", "application/pdf", 0),
            AttachmentFact("photo", "image/png", 10),
        ]
    )
    assert found(outcome) == [
        ("ATTACHMENT_TOO_LARGE", ("attachments", "0", "fileId")),
        ("ATTACHMENT_TYPE_NOT_ALLOWED", ("attachments", "0", "fileId")),
        ("ATTACHMENT_EXPIRED", ("attachments", "0", "expiresOn")),
        ("ATTACHMENT_EMPTY", ("attachments", "1", "fileId")),
        ("UNKNOWN_ATTACHMENT_KIND", ("attachments", "2", "kind")),
    ]
    assert outcome.problems[1].message("en") == (
        "The business licence must be one of these kinds of file: PDF."
    )
    assert "营业执照" in outcome.problems[0].message("zh-CN")


def test_an_expiry_is_required_where_the_kind_asks_for_one() -> None:
    outcome = run(attachments=[AttachmentFact("licence", "application/pdf", 10), GOOD[1]])
    assert found(outcome) == [("EXPIRY_REQUIRED", ("attachments", "0", "expiresOn"))]


def test_a_missing_required_material_fails() -> None:
    outcome = run(attachments=[GOOD[1]])
    assert found(outcome) == [("MATERIAL_REQUIRED", ("attachments", "licence"))]
    assert outcome.problems[0].message("en") == "Attach the business licence."


def test_a_deferrable_material_may_be_owed_only_with_the_promise() -> None:
    without = run(attachments=[GOOD[0]])
    assert found(without) == [("PROMISE_REQUIRED", ("attachments", "report"))]
    promised = run(attachments=[GOOD[0]], promise=True)
    assert promised.passed and promised.owed == ["report"]
    # A material that is not deferrable is never owed, promise or not.
    assert found(run(attachments=[GOOD[1]], promise=True)) == [
        ("MATERIAL_REQUIRED", ("attachments", "licence"))
    ]


COMPARE_CASES = [
    ("<", "100", "200", True), ("<", "200", "200", False),
    ("<=", "200", "200", True), ("<=", "201", "200", False),
    ("==", "200", "200", True), ("==", "1", "200", False),
    ("!=", "1", "200", True), ("!=", "200", "200", False),
    (">=", "200", "200", True), (">=", "199", "200", False),
    (">", "201", "200", True), (">", "200", "200", False),
]  # fmt: skip


@pytest.mark.parametrize(("op", "left", "right", "passes"), COMPARE_CASES)
def test_field_compare(op: str, left: str, right: str, passes: bool) -> None:
    rule = {"type": "FIELD_COMPARE", "left": "amount", "op": op, "right": "cap"}
    outcome = run({"amount": left + "000", "cap": right + "000"}, rules=[rule])
    assert outcome.passed is passes
    if not passes:
        assert found(outcome)[0][1] == ("formData", "amount")
        assert "Amount" in outcome.problems[0].message("en")
        assert "上限" in outcome.problems[0].message("zh-CN")


def test_field_compare_leaves_missing_answers_to_the_format_audit() -> None:
    rule = {"type": "FIELD_COMPARE", "left": "amount", "op": "<", "right": "cap"}
    assert run({"amount": "20000"}, rules=[rule]).passed


def test_limit_by_field() -> None:
    rule = {"type": "LIMIT_BY_FIELD", "field": "amount", "by": "size",
            "limits": {"small": "100000", "large": "5000000"}}  # fmt: skip
    assert run({"amount": "100000", "size": "small"}, rules=[rule]).passed
    assert run({"amount": "900000", "size": "large"}, rules=[rule]).passed
    outcome = run({"amount": "100001", "size": "small"}, rules=[rule])
    assert found(outcome) == [("LIMIT_EXCEEDED", ("formData", "amount"))]
    assert outcome.problems[0].message("en") == "Amount can be at most 100000 when Size is Small."


def test_date_after() -> None:
    rule = {"type": "DATE_AFTER", "field": "end", "after": "start"}
    ok = {"amount": "20000", "start": "2026-01-01", "end": "2026-01-02"}
    assert run(ok, rules=[rule]).passed
    same = {**ok, "end": "2026-01-01"}
    assert found(run(same, rules=[rule])) == [("DATE_NOT_AFTER", ("formData", "end"))]


def test_premises_bound() -> None:
    rule = {"type": "PREMISES_BOUND"}
    assert run(rules=[rule]).passed
    facts = EnterpriseFacts(date(2020, 1, 1), has_premises=False, open_applications=0)
    assert found(run(rules=[rule], facts=facts)) == [("PREMISES_NOT_BOUND", ("enterpriseId",))]


def test_established_months() -> None:
    rule = {"type": "ESTABLISHED_MONTHS", "months": 12}
    old_enough = EnterpriseFacts(date(2025, 3, 10), True, 0)
    too_young = EnterpriseFacts(date(2025, 3, 11), True, 0)
    unknown = EnterpriseFacts(None, True, 0)
    assert run(rules=[rule], facts=old_enough).passed
    for facts in (too_young, unknown):
        outcome = run(rules=[rule], facts=facts)
        assert found(outcome) == [("TOO_RECENTLY_ESTABLISHED", ("enterpriseId",))]
    assert "12" in outcome.problems[0].message("en")


def test_one_open_per_enterprise() -> None:
    rule = {"type": "ONE_OPEN_PER_ENTERPRISE"}
    assert run(rules=[rule]).passed
    facts = EnterpriseFacts(date(2020, 1, 1), True, open_applications=1)
    assert found(run(rules=[rule], facts=facts)) == [("ALREADY_OPEN", ("serviceItemId",))]


def test_format_and_content_problems_come_together() -> None:
    rules = [{"type": "PREMISES_BOUND"}, {"type": "DATE_AFTER", "field": "end", "after": "start"}]
    facts = EnterpriseFacts(date(2020, 1, 1), False, 0)
    data = {"start": "2026-02-01", "end": "2026-01-01"}
    outcome = run(data, attachments=[], rules=rules, facts=facts)
    assert [c for c, _ in found(outcome)] == [
        "REQUIRED",
        "MATERIAL_REQUIRED",
        "PROMISE_REQUIRED",
        "PREMISES_NOT_BOUND",
        "DATE_NOT_AFTER",
    ]
    assert outcome.owed == []


def test_rule_configs_are_checked_when_an_item_is_saved() -> None:
    rules = [
        {"type": "FIELD_COMPARE", "left": "amount", "op": "≤", "right": "missing"},
        {"type": "FIELD_COMPARE", "left": "amount", "op": "<", "right": "start"},
        {"type": "LIMIT_BY_FIELD", "field": "amount", "by": "amount", "limits": {"a": "x"}},
        {"type": "DATE_AFTER", "field": "end", "after": "size"},
        {"type": "ESTABLISHED_MONTHS", "months": 0},
        {"type": "NOT_A_RULE"},
        {"type": "PREMISES_BOUND"},
        {"type": "ONE_OPEN_PER_ENTERPRISE"},
    ]
    problems = [(p.code, p.field) for p in audit_rules.check_rules(rules, FORM)]
    assert problems == [
        ("RULE_FIELD_UNKNOWN", ("auditRules", "0", "right")),
        ("INVALID_OPERATOR", ("auditRules", "0", "op")),
        ("RULE_FIELD_WRONG_TYPE", ("auditRules", "1", "right")),
        ("INVALID_RULE_LIMITS", ("auditRules", "2", "limits")),
        ("RULE_FIELD_WRONG_TYPE", ("auditRules", "3", "after")),
        ("BELOW_MINIMUM", ("auditRules", "4", "months")),
        ("UNKNOWN_RULE_TYPE", ("auditRules", "5", "type")),
    ]
    assert [p.code for p in audit_rules.check_rules({"type": "x"}, FORM)] == ["INVALID_AUDIT_RULES"]


def test_every_rule_type_is_registered_once() -> None:
    assert set(audit_rules.RULE_TYPES) == {
        "FIELD_COMPARE",
        "LIMIT_BY_FIELD",
        "DATE_AFTER",
        "PREMISES_BOUND",
        "ESTABLISHED_MONTHS",
        "ONE_OPEN_PER_ENTERPRISE",
        "MATCHES_ENTERPRISE",
    }


def test_a_mirror_rule_needs_a_field_that_mirrors_the_record() -> None:
    form = {
        "fields": [
            {"key": "code", "type": "CREDIT_CODE", "mirrors": "CREDIT_CODE", "label": label("码")},
            {"key": "note", "type": "TEXT", "label": label("备注")},
        ]
    }
    rules = [
        {"type": "MATCHES_ENTERPRISE", "field": "code"},
        {"type": "MATCHES_ENTERPRISE", "field": "note"},
        {"type": "MATCHES_ENTERPRISE", "field": "nope"},
    ]
    assert [(p.code, p.field) for p in audit_rules.check_rules(rules, form)] == [
        ("RULE_FIELD_NOT_MIRROR", ("auditRules", "1", "field")),
        ("RULE_FIELD_UNKNOWN", ("auditRules", "2", "field")),
    ]


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("91330100MA2CFXY10Q", None),
        ("9133 0100 ma2c-fxy1 0q", None),
        ("91３３０１００MA2CFXY10Q", None),
        ("91350100M000100Y43", "NOT_THE_ENTERPRISES_RECORD"),
    ],
)
def test_a_mirror_answer_must_be_the_chosen_enterprises_record(
    given: str, problem: str | None
) -> None:
    field = {"key": "code", "type": "CREDIT_CODE", "mirrors": "CREDIT_CODE", "label": label("码")}
    context = audit_rules.RuleContext(
        fields={"code": field},
        data={"code": given},
        enterprise=EnterpriseFacts(
            date(2020, 1, 1), True, 0, {EnterpriseRecord.CREDIT_CODE: "91330100MA2CFXY10Q"}
        ),
        today=date(2026, 11, 30),
    )
    found = audit_rules.evaluate([{"type": "MATCHES_ENTERPRISE", "field": "code"}], context)
    assert [p.code for p in found] == ([] if problem is None else [problem])
