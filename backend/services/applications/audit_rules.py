"""The content rules an item's audit applies, each type defined once: its config check and its test.

A rule is stored on the item version as JSON, e.g. `{"type": "DATE_AFTER", "field": "end",
"after": "start"}`. `RULE_TYPES` maps each type to a `RuleType`: `check` finds what is wrong
with a rule's config when an admin saves the item; `evaluate` finds what is wrong with an
application. Adding a type is one `@rule_type(...)` function pair here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.i18n import N_
from backend.services.core.errors import Problem, register_messages
from backend.services.core.folding import fold_width
from backend.services.enterprises import credit_codes
from backend.services.enterprises.records import EnterpriseRecord

register_messages(
    {
        # Admins read these when saving an item.
        "UNKNOWN_RULE_TYPE": N_("Unknown audit rule type: {type}."),
        "RULE_FIELD_UNKNOWN": N_("The form has no field {key} for this rule."),
        "RULE_FIELD_WRONG_TYPE": N_("The field {key} is not of a type this rule can compare."),
        "RULE_FIELD_NOT_MIRROR": N_(
            "The field {key} does not mirror the enterprise's record, so there is nothing to "
            "check it against."
        ),
        "INVALID_OPERATOR": N_("Use one of these comparisons: <, <=, ==, !=, >=, >."),
        "INVALID_RULE_LIMITS": N_(
            "Give the limits as an object from each option's value to an amount, such as "
            '{{"small": "100000"}}.'
        ),
        # Applicants read these.
        "MUST_BE_LESS": N_("{left} must be less than {right}."),
        "MUST_BE_AT_MOST": N_("{left} must not be more than {right}."),
        "MUST_EQUAL": N_("{left} must be the same as {right}."),
        "MUST_DIFFER": N_("{left} must not be the same as {right}."),
        "MUST_BE_AT_LEAST": N_("{left} must not be less than {right}."),
        "MUST_BE_MORE": N_("{left} must be more than {right}."),
        "LIMIT_EXCEEDED": N_("{field} can be at most {limit} when {by} is {choice}."),
        "DATE_NOT_AFTER": N_("{field} must be later than {after}."),
        "PREMISES_NOT_BOUND": N_(
            "This service is for enterprises with premises in the park. Ask the park office to "
            "record your unit first."
        ),
        "TOO_RECENTLY_ESTABLISHED": N_(
            "Only enterprises established at least {months} months ago can apply for this service."
        ),
        "NOT_THE_ENTERPRISES_RECORD": N_(
            "{field} must be as the park holds it for the chosen enterprise: {held}."
        ),
        "ALREADY_OPEN": N_(
            "Your enterprise already has an application for this service in progress. Finish or "
            "withdraw that one first."
        ),
    }
)

COMPARABLE = {"NUMBER": "number", "MONEY": "number", "DATE": "date"}
OPERATORS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "<": ("MUST_BE_LESS", lambda a, b: a < b),
    "<=": ("MUST_BE_AT_MOST", lambda a, b: a <= b),
    "==": ("MUST_EQUAL", lambda a, b: a == b),
    "!=": ("MUST_DIFFER", lambda a, b: a != b),
    ">=": ("MUST_BE_AT_LEAST", lambda a, b: a >= b),
    ">": ("MUST_BE_MORE", lambda a, b: a > b),
}


@dataclass(frozen=True)
class EnterpriseFacts:
    established_on: date | None
    has_premises: bool
    # Other open applications (DRAFT, RETURNED, UNDER_REVIEW) of the enterprise for the item.
    open_applications: int
    record: Mapping[EnterpriseRecord, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: the form, the answers, the enterprise, and today's date."""

    fields: Mapping[str, Mapping[str, Any]]  # the form's fields by key
    data: Mapping[str, Any]
    enterprise: EnterpriseFacts
    today: date

    def label(self, key: str) -> dict[str, str]:
        label = self.fields.get(key, {}).get("label") or {}
        return {"zh": label.get("zh") or key, "en": label.get("en") or label.get("zh") or key}

    def value(self, key: str) -> Decimal | date | None:
        """The answer to `key` as a comparable value, or None when absent or malformed."""
        kind = COMPARABLE.get(str(self.fields.get(key, {}).get("type")))
        raw = self.data.get(key)
        if kind is None or raw is None or isinstance(raw, bool):
            return None
        try:
            return date.fromisoformat(raw) if kind == "date" else Decimal(str(raw))
        except (ValueError, TypeError, InvalidOperation):
            return None


# (config key, code, params): one problem with a rule's configuration.
ConfigProblem = tuple[str, str, dict[str, object]]
Check = Callable[[Mapping[str, Any], Mapping[str, Mapping[str, Any]]], list[ConfigProblem]]
Evaluate = Callable[[Mapping[str, Any], RuleContext], list[Problem]]


@dataclass(frozen=True)
class RuleType:
    check: Check  # (rule, form fields by key) -> [(config key, code, params)]
    evaluate: Evaluate


RULE_TYPES: dict[str, RuleType] = {}


def rule_type(name: str, check: Check) -> Callable[[Evaluate], Evaluate]:
    def register(evaluate: Evaluate) -> Evaluate:
        RULE_TYPES[name] = RuleType(check, evaluate)
        return evaluate

    return register


def _field(key_name: str, comparable: bool = True) -> Check:
    """A check that `rule[key_name]` names a field of the form (of a comparable type)."""

    def check(
        rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
    ) -> list[ConfigProblem]:
        key = rule.get(key_name)
        if not isinstance(key, str) or key not in fields:
            return [(key_name, "RULE_FIELD_UNKNOWN", {"key": str(key)})]
        if comparable and str(fields[key].get("type")) not in COMPARABLE:
            return [(key_name, "RULE_FIELD_WRONG_TYPE", {"key": key})]
        return []

    return check


def _all(*checks: Check) -> Check:
    def check(
        rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
    ) -> list[ConfigProblem]:
        return [found for c in checks for found in c(rule, fields)]

    return check


def _no_config(
    rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
) -> list[ConfigProblem]:
    return []


def _check_operator(
    rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
) -> list[ConfigProblem]:
    return [] if rule.get("op") in OPERATORS else [("op", "INVALID_OPERATOR", {})]


def _check_same_kind(
    rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
) -> list[ConfigProblem]:
    """Both sides numbers or both dates (a side that is no comparable field is reported once)."""
    kinds = [
        COMPARABLE.get(str(fields.get(str(rule.get(k)), {}).get("type"))) for k in ("left", "right")
    ]
    if None in kinds or kinds[0] == kinds[1]:
        return []
    return [("right", "RULE_FIELD_WRONG_TYPE", {"key": str(rule.get("right"))})]


@rule_type(
    "FIELD_COMPARE", _all(_field("left"), _field("right"), _check_operator, _check_same_kind)
)
def _compare(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    left, right = context.value(rule["left"]), context.value(rule["right"])
    if left is None or right is None or type(left) is not type(right):
        return []  # missing or malformed answers are the format audit's to report
    code, holds = OPERATORS[rule["op"]]
    if holds(left, right):
        return []
    params: dict[str, object] = {
        "left": context.label(rule["left"]),
        "right": context.label(rule["right"]),
    }
    return [Problem(code, ("formData", rule["left"]), params)]


def _check_limits(
    rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
) -> list[ConfigProblem]:
    limits = rule.get("limits")
    if not isinstance(limits, Mapping) or not limits:
        return [("limits", "INVALID_RULE_LIMITS", {})]
    try:
        for value in limits.values():
            Decimal(str(value))
    except InvalidOperation:
        return [("limits", "INVALID_RULE_LIMITS", {})]
    by = fields.get(str(rule.get("by")))
    if by is None or by.get("type") != "CHOICE":
        return [("by", "RULE_FIELD_WRONG_TYPE", {"key": str(rule.get("by"))})]
    return []


@rule_type("LIMIT_BY_FIELD", _all(_field("field"), _check_limits))
def _limit_by_field(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    """`field` at most `limits[answer of by]`, e.g. a loan capped by the enterprise's size."""
    amount, choice = context.value(rule["field"]), context.data.get(rule["by"])
    limit = rule["limits"].get(choice) if isinstance(choice, str) else None
    if not isinstance(amount, Decimal) or limit is None or amount <= Decimal(str(limit)):
        return []
    options = context.fields.get(rule["by"], {}).get("options") or []
    shown = next((o["label"] for o in options if o.get("value") == choice), {"zh": choice})
    params: dict[str, object] = {
        "field": context.label(rule["field"]),
        "limit": str(limit),
        "by": context.label(rule["by"]),
        "choice": {
            "zh": shown.get("zh") or choice,
            "en": shown.get("en") or shown.get("zh") or choice,
        },
    }
    return [Problem("LIMIT_EXCEEDED", ("formData", rule["field"]), params)]


@rule_type("DATE_AFTER", _all(_field("field"), _field("after")))
def _date_after(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    end, start = context.value(rule["field"]), context.value(rule["after"])
    if not isinstance(end, date) or not isinstance(start, date) or end > start:
        return []
    params: dict[str, object] = {
        "field": context.label(rule["field"]),
        "after": context.label(rule["after"]),
    }
    return [Problem("DATE_NOT_AFTER", ("formData", rule["field"]), params)]


@rule_type("PREMISES_BOUND", _no_config)
def _premises_bound(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    return (
        []
        if context.enterprise.has_premises
        else [Problem("PREMISES_NOT_BOUND", ("enterpriseId",))]
    )


def _check_months(
    rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
) -> list[ConfigProblem]:
    months = rule.get("months")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 1200:
        return [("months", "BELOW_MINIMUM", {"min": 1})]
    return []


def months_since(start: date, today: date) -> int:
    """Whole months from `start` to `today` (a month is complete on the same day of the month)."""
    months = (today.year - start.year) * 12 + today.month - start.month
    return months - 1 if today.day < start.day else months


@rule_type("ESTABLISHED_MONTHS", _check_months)
def _established_months(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    since = context.enterprise.established_on
    if since is not None and months_since(since, context.today) >= rule["months"]:
        return []
    return [Problem("TOO_RECENTLY_ESTABLISHED", ("enterpriseId",), {"months": rule["months"]})]


@rule_type("ONE_OPEN_PER_ENTERPRISE", _no_config)
def _one_open(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    if context.enterprise.open_applications == 0:
        return []
    return [Problem("ALREADY_OPEN", ("serviceItemId",))]


def _check_mirror(
    rule: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]]
) -> list[ConfigProblem]:
    key = str(rule.get("field"))
    if key in fields and fields[key].get("mirrors") not in EnterpriseRecord.__members__:
        return [("field", "RULE_FIELD_NOT_MIRROR", {"key": key})]
    return []


def _as_held(value: str, part: EnterpriseRecord) -> str:
    """A record entry or an answer in the form they are compared in."""
    if part is EnterpriseRecord.CREDIT_CODE:
        return credit_codes.normalise(value)
    return " ".join(fold_width(value).split())


@rule_type("MATCHES_ENTERPRISE", _all(_field("field", comparable=False), _check_mirror))
def _matches_enterprise(rule: Mapping[str, Any], context: RuleContext) -> list[Problem]:
    """A mirror field's answer is the chosen enterprise's record: no applying as one enterprise
    with another's credit code."""
    key = rule["field"]
    part = EnterpriseRecord(context.fields[key]["mirrors"])
    given, held = context.data.get(key), context.enterprise.record.get(part, "")
    if not isinstance(given, str) or not held or _as_held(given, part) == _as_held(held, part):
        return []  # missing: completeness is the format audit's; no record: nothing to hold to
    params: dict[str, object] = {"field": context.label(key), "held": held}
    return [Problem("NOT_THE_ENTERPRISES_RECORD", ("formData", key), params)]


def one_open_per_enterprise(rules: Any) -> bool:
    """Whether the rules keep an enterprise to one open application of the item."""
    return isinstance(rules, list) and any(
        isinstance(r, Mapping) and r.get("type") == "ONE_OPEN_PER_ENTERPRISE" for r in rules
    )


def check_rules(rules: Any, form: Mapping[str, Any]) -> list[Problem]:
    """Every problem with an item's rule configs (paths `auditRules.<i>.<key>`); [] when fine."""
    if not isinstance(rules, list) or not all(isinstance(r, Mapping) for r in rules):
        return [Problem("INVALID_AUDIT_RULES", ("auditRules",))]
    fields = {
        f["key"]: f for f in form.get("fields") or [] if isinstance(f, Mapping) and "key" in f
    }
    problems = []
    for i, rule in enumerate(rules):
        found = RULE_TYPES.get(str(rule.get("type")))
        if found is None:
            problems.append(
                Problem(
                    "UNKNOWN_RULE_TYPE",
                    ("auditRules", str(i), "type"),
                    {"type": str(rule.get("type"))},
                )
            )
            continue
        for key, code, params in found.check(rule, fields):
            problems.append(Problem(code, ("auditRules", str(i), key), params))
    return problems


def evaluate(rules: list[Mapping[str, Any]], context: RuleContext) -> list[Problem]:
    """Every content problem; rules of unknown types (never saved so) are skipped."""
    problems = []
    for rule in rules:
        found = RULE_TYPES.get(str(rule.get("type")))
        if found is not None and not found.check(rule, context.fields):
            problems.extend(found.evaluate(rule, context))
    return problems
