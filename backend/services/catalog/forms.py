"""Form definitions of service items: checking them, and checking answers against them.

A definition (stored in `ServiceItemVersion.form`) is
`{"fields": [field, ...], "attachments": [kind, ...]}`, where a field is
`{key, type, label: {zh, en}, required, options: [{value, label}], min, max, pattern, help}` and an
attachment kind is `{kind, label, mimeTypes, maxBytes, required, asksExpiry, deferrable}`.
`min`/`max` are text: a length for text fields, a count for multiple choice, a number, an amount
(a decimal string) or an ISO date, by the field's type.

Answers are checked against the form as JSON Schema (draft 2020-12), the same document
integrators read in `serviceItem.formSchema`. Money is a decimal string, so its range is a pair
of custom keywords compared as decimals; phone numbers, credit codes, amounts and dates are
formats the validator asserts.

`check_answers` is the one check of answers every write runs (a draft save, a check, a submit,
a supplement): it first reads each answer as people write it (full-width digits, grouping
commas in amounts and numbers, a credit code with spaces) into its stored form, then checks
types, lengths, known keys and nesting; only a submit also asks for completeness.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from backend.i18n import N_
from backend.services.core.errors import Problem, Problems, register_messages
from backend.services.core.folding import fold_width
from backend.services.enterprises import credit_codes
from backend.services.enterprises.records import EnterpriseRecord


class FieldType(StrEnum):
    TEXT = "TEXT"
    LONG_TEXT = "LONG_TEXT"
    NUMBER = "NUMBER"
    MONEY = "MONEY"
    DATE = "DATE"
    CHOICE = "CHOICE"
    MULTIPLE_CHOICE = "MULTIPLE_CHOICE"
    CHECKBOX = "CHECKBOX"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    CREDIT_CODE = "CREDIT_CODE"


# The field types that can hold each part of the record.
MIRROR_TYPES = {
    EnterpriseRecord.NAME: ("TEXT", "LONG_TEXT"),
    EnterpriseRecord.CREDIT_CODE: ("CREDIT_CODE",),
    EnterpriseRecord.LEGAL_REPRESENTATIVE: ("TEXT", "LONG_TEXT"),
    EnterpriseRecord.ADDRESS: ("TEXT", "LONG_TEXT"),
}


register_messages(
    {
        # Problems with a form definition (admins read these).
        "UNKNOWN_FIELD_TYPE": N_("Unknown field type: {type}."),
        "INVALID_KEY": N_(
            "Use a key of letters, digits and underscores that starts with a letter "
            "(at most {max} characters)."
        ),
        "DUPLICATE_KEY": N_("Another field already uses the key {key}."),
        "INVALID_BOUND": N_("This limit does not suit a field of type {type}."),
        "BOUND_NOT_APPLICABLE": N_("A field of type {type} takes no minimum or maximum."),
        "MIN_ABOVE_MAX": N_("The minimum is above the maximum."),
        "INVALID_PATTERN": N_("This is not a valid regular expression: {error}."),
        "PATTERN_NOT_APPLICABLE": N_("Only text fields can have a pattern."),
        "OPTIONS_REQUIRED": N_("A choice field needs at least one option."),
        "DUPLICATE_OPTION": N_("Another option already uses the value {value}."),
        "DUPLICATE_KIND": N_("Another attachment already uses the kind {kind}."),
        "INVALID_MIME_TYPE": N_(
            "Not a file type: {value}. Use a MIME type such as application/pdf."
        ),
        "INVALID_MAX_BYTES": N_("Allow a size between 1 byte and {max} MB."),
        "DEFERRABLE_NOT_REQUIRED": N_("Only a required material can be accepted as owed."),
        "UNKNOWN_RECORD_FIELD": N_("The enterprise's record has no such entry: {value}."),
        "MIRROR_WRONG_TYPE": N_(
            "A field of this type cannot hold this part of the enterprise's record."
        ),
        # Problems with answers (applicants read these).
        "WRONG_TYPE": N_("This answer is not of the expected kind."),
        "NOT_A_NUMBER": N_("Enter a number."),
        "INVALID_MONEY": N_("Enter an amount in yuan, such as 1000 or 1000.50."),
        "INVALID_DATE": N_("Enter a date such as 2026-11-25."),
        "INVALID_PHONE_NUMBER": N_(
            "Enter a mainland mobile number (11 digits) or a landline number with its area "
            "code, such as 0755-86001234."
        ),
        "INVALID_CREDIT_CODE": N_(
            "Enter a valid unified social credit code: 18 characters, as printed on the "
            "business licence."
        ),
        "BELOW_MINIMUM": N_("Enter {min} or more."),
        "ABOVE_MAXIMUM": N_("Enter {max} or less."),
        "DATE_TOO_EARLY": N_("Choose {min} or a later date."),
        "DATE_TOO_LATE": N_("Choose {max} or an earlier date."),
        "PATTERN_MISMATCH": N_("This does not have the expected format."),
        "NOT_AN_OPTION": N_("Choose one of the options offered."),
        "TOO_FEW_CHOICES": N_("Choose at least {min}."),
        "TOO_MANY_CHOICES": N_("Choose at most {max}."),
        "DUPLICATE_CHOICE": N_("Choose each option only once."),
        "MUST_BE_CHECKED": N_("Tick this box to go on."),
        "UNKNOWN_FIELD": N_("This form has no such field."),
    }
)

KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")
MIME = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9*][a-z0-9.+*-]*$")
# `[0-9]`, never `\d`: `\d` matches the digits of every script, which `Decimal` then reads.
MONEY = re.compile(r"^[0-9]{1,13}(\.[0-9]{1,2})?$")
# An amount or a number as people write it: digits grouped by commas in threes.
GROUPED = re.compile(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
# Longer than any amount or number people write: left unread, for the checks to refuse.
LONGEST_NUMBER = 40
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ATTACHMENT_MB = 50
DEFAULT_MAX_LENGTH = {FieldType.TEXT: 200, FieldType.LONG_TEXT: 5000}
TEXT_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT)
# What `min`/`max` mean for each type; types not listed take none.
BOUND_KIND = {
    FieldType.TEXT: "count",
    FieldType.LONG_TEXT: "count",
    FieldType.MULTIPLE_CHOICE: "count",
    FieldType.NUMBER: "number",
    FieldType.MONEY: "money",
    FieldType.DATE: "date",
}
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


# -- checking a definition --------------------------------------------------------------------


def _text(value: Any) -> dict[str, str]:
    """A `{zh, en}` text, trimmed; anything else reads as empty."""
    if isinstance(value, Mapping):
        return {lang: str(value.get(lang) or "").strip() for lang in ("zh", "en")}
    return {"zh": "", "en": ""}


def _bound(kind: str, raw: str) -> Decimal | date | None:
    """The limit `raw` as a comparable value of `kind`, or None when it is not one."""
    text = raw.strip()
    if kind == "date":
        if not ISO_DATE.match(text):
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if kind == "money" and not MONEY.match(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or (kind == "count" and (number < 0 or number != int(number))):
        return None
    return number


def _check_bounds(problems: Problems, at: tuple[str, ...], field: dict[str, Any]) -> None:
    kind = BOUND_KIND.get(field["type"])
    found: dict[str, Decimal | date] = {}
    for name in ("min", "max"):
        raw = field.get(name)
        if raw is None:
            continue
        if kind is None:
            problems.add((*at, name), "BOUND_NOT_APPLICABLE", type=field["type"])
            continue
        value = _bound(kind, raw)
        if value is None:
            problems.add((*at, name), "INVALID_BOUND", type=field["type"])
        else:
            found[name] = value
    # Both bounds are of the field's one kind (numbers, or dates), which the union cannot say.
    if "min" in found and "max" in found and found["min"] > found["max"]:  # type: ignore[operator]
        problems.add((*at, "min"), "MIN_ABOVE_MAX")


def _clean_field(problems: Problems, at: tuple[str, ...], raw: Mapping[str, Any]) -> dict[str, Any]:
    key = str(raw.get("key") or "").strip()
    if not key:
        problems.add((*at, "key"), "REQUIRED")
    elif not KEY.match(key):
        problems.add((*at, "key"), "INVALID_KEY", max=50)
    label = _text(raw.get("label"))
    if not label["zh"]:
        problems.add((*at, "label", "zh"), "REQUIRED")
    type_name = str(raw.get("type") or "")
    if type_name not in FieldType.__members__:
        problems.add((*at, "type"), "UNKNOWN_FIELD_TYPE", type=type_name or "-")
    bounds = {
        name: (None if raw.get(name) in (None, "") else str(raw.get(name)))
        for name in ("min", "max")
    }
    pattern = raw.get("pattern") or None
    field: dict[str, Any] = {
        "key": key,
        "type": type_name,
        "label": label,
        "required": bool(raw.get("required")),
        "options": [],
        **bounds,
        "pattern": pattern,
        "help": _text(raw.get("help")),
        "mirrors": raw.get("mirrors") or None,
    }
    if type_name not in FieldType.__members__:
        return field
    _check_bounds(problems, at, field)
    mirrors = field["mirrors"]
    if mirrors is not None:
        if mirrors not in EnterpriseRecord.__members__:
            problems.add((*at, "mirrors"), "UNKNOWN_RECORD_FIELD", value=str(mirrors))
        elif type_name not in MIRROR_TYPES[EnterpriseRecord(mirrors)]:
            problems.add((*at, "mirrors"), "MIRROR_WRONG_TYPE")
    if pattern is not None:
        if field["type"] not in TEXT_TYPES:
            problems.add((*at, "pattern"), "PATTERN_NOT_APPLICABLE")
        else:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.add((*at, "pattern"), "INVALID_PATTERN", error=str(exc))
    if field["type"] in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE):
        options = list(raw.get("options") or [])
        if not options:
            problems.add((*at, "options"), "OPTIONS_REQUIRED")
        values: set[str] = set()
        for j, option in enumerate(options):
            value = str(option.get("value") or "").strip()
            option_label = _text(option.get("label"))
            if not value:
                problems.add((*at, "options", str(j), "value"), "REQUIRED")
            elif value in values:
                problems.add((*at, "options", str(j), "value"), "DUPLICATE_OPTION", value=value)
            values.add(value)
            if not option_label["zh"]:
                problems.add((*at, "options", str(j), "label", "zh"), "REQUIRED")
            field["options"].append({"value": value, "label": option_label})
    return field


def _clean_attachment(
    problems: Problems, at: tuple[str, ...], raw: Mapping[str, Any]
) -> dict[str, Any]:
    kind = str(raw.get("kind") or "").strip()
    if not kind:
        problems.add((*at, "kind"), "REQUIRED")
    elif not KEY.match(kind):
        problems.add((*at, "kind"), "INVALID_KEY", max=50)
    label = _text(raw.get("label"))
    if not label["zh"]:
        problems.add((*at, "label", "zh"), "REQUIRED")
    mime_types = [str(m).strip().lower() for m in raw.get("mimeTypes") or []]
    if not mime_types:
        problems.add((*at, "mimeTypes"), "REQUIRED")
    for j, mime in enumerate(mime_types):
        if not MIME.match(mime):
            problems.add((*at, "mimeTypes", str(j)), "INVALID_MIME_TYPE", value=mime)
    max_bytes = raw.get("maxBytes")
    if (
        not isinstance(max_bytes, int)
        or isinstance(max_bytes, bool)
        or not 0 < max_bytes <= MAX_ATTACHMENT_MB * 1024 * 1024
    ):
        problems.add((*at, "maxBytes"), "INVALID_MAX_BYTES", max=MAX_ATTACHMENT_MB)
    required = bool(raw.get("required"))
    deferrable = bool(raw.get("deferrable"))
    if deferrable and not required:
        problems.add((*at, "deferrable"), "DEFERRABLE_NOT_REQUIRED")
    return {
        "kind": kind,
        "label": label,
        "mimeTypes": mime_types,
        "maxBytes": max_bytes,
        "required": required,
        "asksExpiry": bool(raw.get("asksExpiry")),
        "deferrable": deferrable,
    }


def check_definition(
    raw: Mapping[str, Any], problems: Problems, at: tuple[str, ...] = ("form",)
) -> dict[str, Any]:
    """The definition in its stored shape; every problem found is added to `problems`."""
    fields: list[dict[str, Any]] = []
    keys: set[str] = set()
    for i, raw_field in enumerate(raw.get("fields") or []):
        field_at = (*at, "fields", str(i))
        field = _clean_field(problems, field_at, raw_field)
        if field["key"] and field["key"] in keys:
            problems.add((*field_at, "key"), "DUPLICATE_KEY", key=field["key"])
        keys.add(field["key"])
        fields.append(field)
    attachments: list[dict[str, Any]] = []
    kinds: set[str] = set()
    for i, raw_kind in enumerate(raw.get("attachments") or []):
        kind_at = (*at, "attachments", str(i))
        attachment = _clean_attachment(problems, kind_at, raw_kind)
        if attachment["kind"] and attachment["kind"] in kinds:
            problems.add((*kind_at, "kind"), "DUPLICATE_KIND", kind=attachment["kind"])
        kinds.add(attachment["kind"])
        attachments.append(attachment)
    return {"fields": fields, "attachments": attachments}


# -- the definition as JSON Schema ------------------------------------------------------------


def _in(language: str, text: Mapping[str, str]) -> str:
    return (text.get("en") or text.get("zh") or "") if language == "en" else text.get("zh") or ""


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == int(value) else float(value)


def _property(field: Mapping[str, Any], language: str, complete: bool) -> dict[str, Any]:
    kind = FieldType(field["type"])
    low, high = field.get("min"), field.get("max")
    required = bool(field["required"]) and complete
    prop: dict[str, Any] = {"title": _in(language, field["label"]), "x-fieldType": kind.value}
    if field.get("mirrors"):
        prop["x-mirrors"] = field["mirrors"]
    help_text = _in(language, field.get("help") or {})
    if help_text:
        prop["description"] = help_text
    if kind in TEXT_TYPES:
        prop["type"] = "string"
        minimum = int(low) if low is not None else 0
        if required:
            minimum = max(minimum, 1)
        if minimum:
            prop["minLength"] = minimum
        prop["maxLength"] = int(high) if high is not None else DEFAULT_MAX_LENGTH[kind]
        if field.get("pattern"):
            prop["pattern"] = field["pattern"]
    elif kind is FieldType.NUMBER:
        prop["type"] = "number"
        if low is not None:
            prop["minimum"] = _number(low)
        if high is not None:
            prop["maximum"] = _number(high)
    elif kind is FieldType.MONEY:
        prop.update(type="string", format="money")
        if low is not None:
            prop["x-minMoney"] = low
        if high is not None:
            prop["x-maxMoney"] = high
    elif kind is FieldType.DATE:
        prop.update(type="string", format="date")
        if low is not None:
            prop["x-minDate"] = low
        if high is not None:
            prop["x-maxDate"] = high
    elif kind is FieldType.CHOICE:
        prop.update(type="string", enum=[o["value"] for o in field["options"]])
    elif kind is FieldType.MULTIPLE_CHOICE:
        prop.update(
            type="array",
            items={"type": "string", "enum": [o["value"] for o in field["options"]]},
            uniqueItems=True,
        )
        minimum = int(low) if low is not None else 0
        if required:
            minimum = max(minimum, 1)
        if minimum:
            prop["minItems"] = minimum
        # Never more choices than options, so a long list is refused before it is compared.
        prop["maxItems"] = int(high) if high is not None else len(field["options"])
    elif kind is FieldType.CHECKBOX:
        prop["type"] = "boolean"
        if required:
            prop["const"] = True
    else:
        formats = {
            FieldType.PHONE: "phone",
            FieldType.EMAIL: "email",
            FieldType.CREDIT_CODE: "credit-code",
        }
        prop.update(type="string", format=formats[kind])
    return prop


def form_schema(
    definition: Mapping[str, Any], language: str = "zh-CN", *, complete: bool = True
) -> dict[str, Any]:
    """The form's answers as a JSON Schema document (titles in `language`).

    `complete=False` leaves out what only a submission must have (required answers, a ticked
    box): the schema a draft's answers are held to.
    """
    fields = definition.get("fields") or []
    return {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": {f["key"]: _property(f, language, complete) for f in fields},
        "required": [f["key"] for f in fields if f["required"] and complete],
        "additionalProperties": False,
    }


# -- checking answers -------------------------------------------------------------------------

format_checker = FormatChecker(formats=())


@format_checker.checks("money")
def _is_money(value: object) -> bool:
    return not isinstance(value, str) or bool(MONEY.match(value))


@format_checker.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not ISO_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@format_checker.checks("phone")
def _is_phone(value: object) -> bool:
    return not isinstance(value, str) or bool(MOBILE.match(value) or LANDLINE.match(value))


@format_checker.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or (len(value) <= 254 and bool(EMAIL.match(value)))


@format_checker.checks("credit-code")
def _is_credit_code(value: object) -> bool:
    return not isinstance(value, str) or credit_codes.is_valid(value)


def _money_limit(low: bool) -> Any:
    def check(validator: Any, limit: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if not isinstance(instance, str) or not MONEY.match(instance):
            return  # the format reports it
        amount, bound = Decimal(instance), Decimal(limit)
        if (amount < bound) if low else (amount > bound):
            yield ValidationError(f"{instance} is {'below' if low else 'above'} {limit}")

    return check


def _date_limit(low: bool) -> Any:
    def check(validator: Any, limit: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if not isinstance(instance, str) or not _is_date(instance) or not _is_date(limit):
            return
        day, bound = date.fromisoformat(instance), date.fromisoformat(limit)
        if (day < bound) if low else (day > bound):
            yield ValidationError(f"{instance} is {'before' if low else 'after'} {limit}")

    return check


# jsonschema's stubs leave extend() unannotated; what it returns is a validator class.
FormValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        "x-minMoney": _money_limit(low=True),
        "x-maxMoney": _money_limit(low=False),
        "x-minDate": _date_limit(low=True),
        "x-maxDate": _date_limit(low=False),
    },
)

FORMAT_CODES = {
    "money": "INVALID_MONEY",
    "date": "INVALID_DATE",
    "phone": "INVALID_PHONE_NUMBER",
    "email": "INVALID_EMAIL",
    "credit-code": "INVALID_CREDIT_CODE",
}
TYPE_CODES = {"NUMBER": "NOT_A_NUMBER", "MONEY": "INVALID_MONEY", "DATE": "INVALID_DATE"}


def _problem(error: ValidationError, field_schema: Mapping[str, Any]) -> Problem:
    """One validator error as a problem an applicant understands."""
    path = ("formData", *(str(p) for p in error.absolute_path))
    keyword, limit = error.validator, error.validator_value
    if keyword == "type":
        return Problem(TYPE_CODES.get(field_schema.get("x-fieldType", ""), "WRONG_TYPE"), path)
    if keyword == "format":
        return Problem(FORMAT_CODES.get(str(limit), "INVALID"), path)
    simple: dict[str, tuple[str, str | None]] = {
        "minimum": ("BELOW_MINIMUM", "min"),
        "x-minMoney": ("BELOW_MINIMUM", "min"),
        "maximum": ("ABOVE_MAXIMUM", "max"),
        "x-maxMoney": ("ABOVE_MAXIMUM", "max"),
        "x-minDate": ("DATE_TOO_EARLY", "min"),
        "x-maxDate": ("DATE_TOO_LATE", "max"),
        "minLength": ("TOO_SHORT", "min"),
        "maxLength": ("TOO_LONG", "max"),
        "minItems": ("TOO_FEW_CHOICES", "min"),
        "maxItems": ("TOO_MANY_CHOICES", "max"),
        "pattern": ("PATTERN_MISMATCH", None),
        "enum": ("NOT_AN_OPTION", None),
        "uniqueItems": ("DUPLICATE_CHOICE", None),
        "const": ("MUST_BE_CHECKED", None),
    }
    code, param = simple.get(str(keyword), ("INVALID", None))
    return Problem(code, path, {param: limit} if param else {})


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (isinstance(value, list) and not value)


def _ungrouped(text: str) -> str:
    """`text` without its grouping commas when they group digits in threes (`1,000,000`)."""
    return text.replace(",", "") if GROUPED.match(text) else text


def read_money(value: Any) -> Any:
    """An amount as people write it (`５００,０００`, `1000.5`, `1,000`) as its stored form: a
    decimal string without grouping, whole amounts without decimals, others with two. Anything
    that is no amount is returned as it came, for the format check to refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > LONGEST_NUMBER:
        return value
    text = _ungrouped(fold_width(value).strip())
    if not MONEY.match(text):
        return value
    amount = Decimal(text)
    return str(int(amount)) if amount == int(amount) else f"{amount:.2f}"


def read_number(value: Any) -> Any:
    """A number typed as text (`１２`, `1,200`, `3.5`) as a JSON number; anything else as it
    came, for the type check to refuse."""
    if not isinstance(value, str) or len(value) > LONGEST_NUMBER:
        return value
    text = _ungrouped(fold_width(value).strip())
    if not PLAIN_NUMBER.match(text):
        return value
    number = Decimal(text)
    return int(number) if number == int(number) else float(number)


def _read(kind: str, value: Any) -> Any:
    """One answer as people write it, read into the form it is checked and stored in."""
    if kind == FieldType.MONEY:
        return read_money(value)
    if kind == FieldType.NUMBER:
        return read_number(value)
    if not isinstance(value, str):
        return value
    if kind == FieldType.CREDIT_CODE:
        return credit_codes.normalise(value)
    if kind in (FieldType.DATE, FieldType.PHONE):
        return fold_width(value).strip()
    if kind == FieldType.EMAIL:
        return value.strip()
    return value


def read_answers(properties: Mapping[str, Any], data: Mapping[Any, Any]) -> dict[str, Any]:
    """The given answers (empty ones left out), each read as its field's type reads it."""
    answers: dict[str, Any] = {}
    for key, value in data.items():
        if not _present(value):
            continue
        kind = properties.get(str(key), {}).get("x-fieldType", "")
        answers[str(key)] = _read(kind, value)
    return answers


def _problems(
    schema: Mapping[str, Any], answers: Mapping[str, Any], trusted: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every problem with read answers, in the form's order; `trusted` answers are not checked."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    order = {key: i for i, key in enumerate(properties)}
    found: list[tuple[int, int, Problem]] = []
    for key in schema.get("required", []):
        if key not in answers:
            found.append((order.get(key, len(order)), 0, Problem("REQUIRED", ("formData", key))))
    checked: dict[str, Any] = {}
    for key, value in answers.items():
        prop = properties.get(key)
        if key in trusted:
            continue
        if prop is None:
            found.append((len(order), 0, Problem("UNKNOWN_FIELD", ("formData", key))))
        elif isinstance(value, str) and len(value) > prop.get("maxLength", len(value)):
            # Refused on its length alone: a pattern is never run over an oversized answer.
            too_long = Problem("TOO_LONG", ("formData", key), {"max": prop["maxLength"]})
            found.append((order[key], 0, too_long))
        else:
            checked[key] = value
    validator = FormValidator(schema, format_checker=format_checker)
    errors = [
        e
        for e in validator.iter_errors(checked)
        if e.validator not in ("required", "additionalProperties")  # reported above, once each
    ]
    # An answer of the wrong kind gets that one problem, not every rule it then also breaks.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for n, error in enumerate(errors):
        if error.validator != "type" and tuple(error.absolute_path) in mistyped:
            continue
        key = str(error.absolute_path[0]) if error.absolute_path else ""
        found.append((order.get(key, len(order)), n + 1, _problem(error, properties.get(key, {}))))
    return [problem for _, _, problem in sorted(found, key=lambda t: (t[0], t[1]))]


def validate_form_data(definition_or_schema: Mapping[str, Any], data: Any) -> list[Problem]:
    """Every problem with `data` (answers by field key), in the form's order; [] when fine.

    Takes a stored form definition or the JSON Schema made from it. Empty answers (blank
    text, an empty list, null) count as not given; answers are read as `read_answers` reads
    them (full-width digits, grouping commas) before they are checked.
    """
    schema = (
        definition_or_schema
        if "properties" in definition_or_schema
        else form_schema(definition_or_schema)
    )
    if not isinstance(data, Mapping):
        return [Problem("WRONG_TYPE", ("formData",))]
    return _problems(schema, read_answers(schema.get("properties", {}), data))


@dataclass(frozen=True)
class CheckedAnswers:
    """Answers read into their stored form, and what is wrong with them."""

    data: dict[str, Any]  # as given, read; mirror fields left empty filled from the record
    problems: list[Problem]
    # Mirror fields with the record's value: what is stored for them, whatever was given.
    mirrored: dict[str, str]

    @property
    def stored(self) -> dict[str, Any]:
        """What a write keeps: the answers, with every mirror field as the record has it."""
        return {**self.data, **self.mirrored}


def mirrors_of(definition: Mapping[str, Any]) -> dict[str, EnterpriseRecord]:
    """The form's mirror fields: field key to the part of the enterprise's record it holds."""
    return {
        f["key"]: EnterpriseRecord(f["mirrors"])
        for f in definition.get("fields") or []
        if f.get("mirrors") in EnterpriseRecord.__members__
    }


def check_answers(
    definition: Mapping[str, Any],
    data: Any,
    *,
    complete: bool,
    record: Mapping[EnterpriseRecord, str] | None = None,
) -> CheckedAnswers:
    """The one check of a form's answers, for every write: a draft save, a check, a submit and
    a supplement. Types, lengths, known keys and nesting always; required answers only when
    `complete` (a submission). Mirror fields take the enterprise's `record`: an empty one is
    filled from it, and one given as the record has it is not checked again (the park checked
    it when it verified the enterprise)."""
    if not isinstance(data, Mapping):
        return CheckedAnswers({}, [Problem("WRONG_TYPE", ("formData",))], {})
    schema = form_schema(definition, complete=complete)
    answers = read_answers(schema["properties"], data)
    mirrored: dict[str, str] = {}
    for key, part in mirrors_of(definition).items():
        held = _read(schema["properties"][key]["x-fieldType"], (record or {}).get(part, ""))
        if isinstance(held, str) and held.strip():
            mirrored[key] = held
            answers.setdefault(key, held)
    trusted = frozenset(k for k, v in mirrored.items() if answers.get(k) == v)
    return CheckedAnswers(answers, _problems(schema, answers, trusted), mirrored)
