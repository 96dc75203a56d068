"""Form definitions: checked when saved; answers checked against the form's JSON Schema."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from backend.i18n import translate
from backend.services.catalog import forms
from backend.services.core.errors import MESSAGES, Invalid, Problem, Problems


def _label(zh: str, en: str = "") -> dict[str, str]:
    return {"zh": zh, "en": en}


def _field(key: str, type_name: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": type_name, "label": _label(key), **extra}


def _options(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": _label(v)} for v in values]


def _check(form: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    problems = Problems()
    cleaned = forms.check_definition(form, problems)
    return cleaned, problems.items


def _found(form: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.code, p.field) for p in _check(form)[1]]


def _answers(fields: list[dict[str, Any]], data: Any) -> list[tuple[str, tuple[str, ...]]]:
    definition, problems = _check({"fields": fields})
    assert problems == []
    return [(p.code, p.field) for p in forms.validate_form_data(definition, data)]


ATTACHMENT = {
    "kind": "licence",
    "label": _label("营业执照", "Business licence"),
    "mimeTypes": ["application/pdf", "image/jpeg"],
    "maxBytes": 10 * 1024 * 1024,
    "required": True,
    "asksExpiry": True,
    "deferrable": False,
}


# -- definitions ------------------------------------------------------------------------------


def test_a_good_definition_is_kept_in_its_stored_shape() -> None:
    cleaned, problems = _check(
        {
            "fields": [
                _field("amount", "MONEY", required=True, min="10000", max="5000000.00"),
                _field("purpose", "CHOICE", options=_options("working", "equipment")),
                _field("agree", "CHECKBOX", required=True, help=_label("请确认", "Confirm")),
            ],
            "attachments": [ATTACHMENT],
        }
    )
    assert problems == []
    assert [f["key"] for f in cleaned["fields"]] == ["amount", "purpose", "agree"]
    assert cleaned["fields"][0]["min"] == "10000"
    assert cleaned["fields"][2]["help"] == {"zh": "请确认", "en": "Confirm"}
    assert cleaned["attachments"] == [ATTACHMENT]


def test_every_bad_field_is_named_at_its_place_all_at_once() -> None:
    found = _found(
        {
            "fields": [
                _field("name", "TEXT"),
                _field("name", "TEXT"),
                _field("code", "TEXT", pattern="([a-z"),
                _field("kind", "CHOICE"),
                _field("amount", "MONEY", min="500", max="100"),
                _field("when", "SOMETHING"),
                _field("1bad", "NUMBER", min="abc"),
                {"key": "nolabel", "type": "TEXT", "label": {"zh": " ", "en": "x"}},
                _field("many", "MULTIPLE_CHOICE", options=_options("a", "a")),
                _field("phone", "PHONE", min="1", pattern="^1"),
                _field("born", "DATE", min="2026-02-30"),
            ]
        }
    )
    assert found == [
        ("DUPLICATE_KEY", ("form", "fields", "1", "key")),
        ("INVALID_PATTERN", ("form", "fields", "2", "pattern")),
        ("OPTIONS_REQUIRED", ("form", "fields", "3", "options")),
        ("MIN_ABOVE_MAX", ("form", "fields", "4", "min")),
        ("UNKNOWN_FIELD_TYPE", ("form", "fields", "5", "type")),
        ("INVALID_KEY", ("form", "fields", "6", "key")),
        ("INVALID_BOUND", ("form", "fields", "6", "min")),
        ("REQUIRED", ("form", "fields", "7", "label", "zh")),
        ("DUPLICATE_OPTION", ("form", "fields", "8", "options", "1", "value")),
        ("BOUND_NOT_APPLICABLE", ("form", "fields", "9", "min")),
        ("PATTERN_NOT_APPLICABLE", ("form", "fields", "9", "pattern")),
        ("INVALID_BOUND", ("form", "fields", "10", "min")),
    ]


@pytest.mark.parametrize(
    ("type_name", "low", "high", "ok"),
    [
        ("TEXT", "2", "10", True),
        ("TEXT", "-1", None, False),
        ("TEXT", "1.5", None, False),
        ("NUMBER", "-3.5", "7", True),
        ("MONEY", "0.01", "1000.50", True),
        ("MONEY", "1.005", None, False),
        ("MONEY", "-1", None, False),
        ("DATE", "2026-01-01", "2026-12-31", True),
        ("DATE", "2026/01/01", None, False),
        ("MULTIPLE_CHOICE", "1", "2", True),
    ],
)
def test_limits_are_read_by_the_fields_type(
    type_name: str, low: str, high: str | None, ok: bool
) -> None:
    extra = {"options": _options("a", "b")} if type_name == "MULTIPLE_CHOICE" else {}
    found = _found({"fields": [_field("f", type_name, min=low, max=high, **extra)]})
    assert found == ([] if ok else [("INVALID_BOUND", ("form", "fields", "0", "min"))])


def test_a_money_range_is_compared_as_decimals() -> None:
    assert _found({"fields": [_field("a", "MONEY", min="1000.50", max="999.99")]}) == [
        ("MIN_ABOVE_MAX", ("form", "fields", "0", "min"))
    ]
    assert _found({"fields": [_field("a", "MONEY", min="999.99", max="1000.50")]}) == []


def test_bad_attachment_settings_are_named_at_their_place() -> None:
    found = _found(
        {
            "attachments": [
                ATTACHMENT,
                {**ATTACHMENT, "mimeTypes": ["pdf", "image/png"]},
                {**ATTACHMENT, "kind": "other", "mimeTypes": [], "maxBytes": 0},
                {**ATTACHMENT, "kind": "big", "maxBytes": 51 * 1024 * 1024},
                {**ATTACHMENT, "kind": "owed", "required": False, "deferrable": True},
                {**ATTACHMENT, "kind": "", "label": _label("")},
            ]
        }
    )
    assert found == [
        ("INVALID_MIME_TYPE", ("form", "attachments", "1", "mimeTypes", "0")),
        ("DUPLICATE_KIND", ("form", "attachments", "1", "kind")),
        ("REQUIRED", ("form", "attachments", "2", "mimeTypes")),
        ("INVALID_MAX_BYTES", ("form", "attachments", "2", "maxBytes")),
        ("INVALID_MAX_BYTES", ("form", "attachments", "3", "maxBytes")),
        ("DEFERRABLE_NOT_REQUIRED", ("form", "attachments", "4", "deferrable")),
        ("REQUIRED", ("form", "attachments", "5", "kind")),
        ("REQUIRED", ("form", "attachments", "5", "label", "zh")),
    ]


# -- the schema -------------------------------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12_with_titles_in_the_readers_language() -> None:
    definition, _ = _check(
        {
            "fields": [
                {
                    **_field("amount", "MONEY", required=True, min="1000.50"),
                    "label": _label("金额", "Amount"),
                },
                {**_field("intro", "LONG_TEXT"), "label": _label("简介")},
            ]
        }
    )
    english = forms.form_schema(definition, "en")
    Draft202012Validator.check_schema(english)
    assert english["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert english["required"] == ["amount"]
    assert english["additionalProperties"] is False
    assert english["properties"]["amount"] == {
        "title": "Amount",
        "x-fieldType": "MONEY",
        "type": "string",
        "format": "money",
        "x-minMoney": "1000.50",
    }
    assert english["properties"]["intro"]["title"] == "简介"  # English falls back to Chinese
    assert english["properties"]["intro"]["maxLength"] == 5000
    assert forms.form_schema(definition, "zh-CN")["properties"]["amount"]["title"] == "金额"


def test_the_validator_takes_the_schema_as_well_as_the_definition() -> None:
    definition, _ = _check({"fields": [_field("amount", "MONEY", min="1000.50")]})
    schema = forms.form_schema(definition, "en")
    for source in (definition, schema):
        assert [p.code for p in forms.validate_form_data(source, {"amount": "1000.49"})] == [
            "BELOW_MINIMUM"
        ]


# -- answers ----------------------------------------------------------------------------------


def test_missing_and_blank_required_answers_are_required() -> None:
    fields = [
        _field("name", "TEXT", required=True),
        _field("tags", "MULTIPLE_CHOICE", required=True, options=_options("a")),
        _field("n", "NUMBER", required=True),
        _field("note", "TEXT"),
    ]
    assert _answers(fields, {"name": "  ", "tags": [], "n": None, "note": ""}) == [
        ("REQUIRED", ("formData", "name")),
        ("REQUIRED", ("formData", "tags")),
        ("REQUIRED", ("formData", "n")),
    ]


def test_answers_that_are_not_an_object_or_name_no_field() -> None:
    fields = [_field("name", "TEXT")]
    assert _answers(fields, ["name"]) == [("WRONG_TYPE", ("formData",))]
    assert _answers(fields, {"name": "x", "extra": 1}) == [("UNKNOWN_FIELD", ("formData", "extra"))]


def test_text_lengths_count_characters_so_cjk_text_counts_as_written() -> None:
    fields = [_field("name", "TEXT", min="4", max="8", pattern="^[\u4e00-\u9fff]+$")]
    assert _answers(fields, {"name": "高新技术企业认定"}) == []
    assert _answers(fields, {"name": "高新"}) == [("TOO_SHORT", ("formData", "name"))]
    assert _answers(fields, {"name": "高新技术企业认定申请"}) == [
        ("TOO_LONG", ("formData", "name"))
    ]
    assert _answers(fields, {"name": "高新tech"}) == [("PATTERN_MISMATCH", ("formData", "name"))]
    assert _answers(fields, {"name": 12345}) == [("WRONG_TYPE", ("formData", "name"))]


def test_long_text_has_a_default_limit() -> None:
    fields = [_field("intro", "LONG_TEXT")]
    assert _answers(fields, {"intro": "园" * 5000}) == []
    assert _answers(fields, {"intro": "园" * 5001}) == [("TOO_LONG", ("formData", "intro"))]


def test_numbers_and_their_range() -> None:
    fields = [_field("staff", "NUMBER", min="1", max="500")]
    assert _answers(fields, {"staff": 1}) == []
    assert _answers(fields, {"staff": 500.0}) == []
    assert _answers(fields, {"staff": 0}) == [("BELOW_MINIMUM", ("formData", "staff"))]
    assert _answers(fields, {"staff": 501}) == [("ABOVE_MAXIMUM", ("formData", "staff"))]
    assert _answers(fields, {"staff": True}) == [("NOT_A_NUMBER", ("formData", "staff"))]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("12", None),
        ("１２", None),
        ("1.5", None),
        ("501", "ABOVE_MAXIMUM"),
        ("1,2", "NOT_A_NUMBER"),
        ("١٢", "NOT_A_NUMBER"),  # Arabic-Indic digits: refused, not read as 12
        ("१२", "NOT_A_NUMBER"),  # Devanagari
        ("twelve", "NOT_A_NUMBER"),
    ],
)
def test_a_number_typed_as_text_is_read_with_ascii_or_full_width_digits_only(
    typed: str, code: str | None
) -> None:
    fields = [_field("staff", "NUMBER", min="1", max="500")]
    assert _answers(fields, {"staff": typed}) == (
        [] if code is None else [(code, ("formData", "staff"))]
    )


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1000.50", None),
        ("1000.5", None),
        ("5000000", None),
        ("5000000.00", None),
        ("1000.49", "BELOW_MINIMUM"),
        ("999", "BELOW_MINIMUM"),
        ("5000000.01", "ABOVE_MAXIMUM"),
        ("1000.505", "INVALID_MONEY"),
        ("1,000.50", None),
        ("１,０００.５０", None),
        ("１，０００．５", None),
        ("5,000,000", None),
        ("5,000,001", "ABOVE_MAXIMUM"),
        ("1,00,000", "INVALID_MONEY"),
        ("10,00", "INVALID_MONEY"),
        ("١٠٠٠", "INVALID_MONEY"),
        ("-1", "INVALID_MONEY"),
        ("一千元", "INVALID_MONEY"),
        (1000.5, "INVALID_MONEY"),
    ],
)
def test_money_is_a_decimal_string_within_its_range(amount: Any, code: str | None) -> None:
    fields = [_field("amount", "MONEY", min="1000.50", max="5000000")]
    assert _answers(fields, {"amount": amount}) == (
        [] if code is None else [(code, ("formData", "amount"))]
    )


def test_a_money_problem_says_the_limit() -> None:
    definition, _ = _check({"fields": [_field("amount", "MONEY", min="1000.50")]})
    [problem] = forms.validate_form_data(definition, {"amount": "20"})
    assert problem.params == {"min": "1000.50"}
    assert problem.message("en") == "Enter 1000.50 or more."


def test_dates_and_their_range() -> None:
    fields = [_field("start", "DATE", min="2026-01-01", max="2026-12-31")]
    assert _answers(fields, {"start": "2026-11-25"}) == []
    assert _answers(fields, {"start": "2025-12-31"}) == [("DATE_TOO_EARLY", ("formData", "start"))]
    assert _answers(fields, {"start": "2027-01-01"}) == [("DATE_TOO_LATE", ("formData", "start"))]
    for bad in ("2026-02-30", "2026/11/25", "25.11.2026", "2026-11-25T10:00:00"):
        assert _answers(fields, {"start": bad}) == [("INVALID_DATE", ("formData", "start"))]


def test_a_choice_must_be_one_of_the_options() -> None:
    fields = [_field("purpose", "CHOICE", options=_options("working", "equipment"))]
    assert _answers(fields, {"purpose": "working"}) == []
    assert _answers(fields, {"purpose": "travel"}) == [("NOT_AN_OPTION", ("formData", "purpose"))]


def test_multiple_choices_are_options_each_once_within_the_count() -> None:
    fields = [_field("needs", "MULTIPLE_CHOICE", min="1", max="2", options=_options("a", "b", "c"))]
    assert _answers(fields, {"needs": ["a", "c"]}) == []
    assert _answers(fields, {"needs": ["a", "b", "c"]}) == [
        ("TOO_MANY_CHOICES", ("formData", "needs"))
    ]
    assert _answers(fields, {"needs": ["a", "a"]}) == [("DUPLICATE_CHOICE", ("formData", "needs"))]
    assert _answers(fields, {"needs": ["a", "z"]}) == [
        ("NOT_AN_OPTION", ("formData", "needs", "1"))
    ]
    assert _answers(fields, {"needs": "a"}) == [("WRONG_TYPE", ("formData", "needs"))]
    with_minimum = [_field("needs", "MULTIPLE_CHOICE", min="2", options=_options("a", "b"))]
    assert _answers(with_minimum, {"needs": ["a"]}) == [("TOO_FEW_CHOICES", ("formData", "needs"))]


def test_a_required_checkbox_must_be_ticked() -> None:
    fields = [_field("agree", "CHECKBOX", required=True), _field("news", "CHECKBOX")]
    assert _answers(fields, {"agree": True, "news": False}) == []
    assert _answers(fields, {"agree": False}) == [("MUST_BE_CHECKED", ("formData", "agree"))]
    assert _answers(fields, {"agree": "yes"}) == [("WRONG_TYPE", ("formData", "agree"))]


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        ("13800138000", True),
        ("19912345678", True),
        ("0755-86001234", True),
        ("075586001234", True),
        ("010-12345678-801", True),
        ("12800138000", False),
        ("1380013800", False),
        ("+86 13800138000", False),
        ("86001234", False),
    ],
)
def test_phone_numbers_are_mainland_mobiles_or_landlines(phone: str, ok: bool) -> None:
    fields = [_field("phone", "PHONE")]
    expected = [] if ok else [("INVALID_PHONE_NUMBER", ("formData", "phone"))]
    assert _answers(fields, {"phone": phone}) == expected


def test_email_addresses() -> None:
    fields = [_field("email", "EMAIL")]
    assert _answers(fields, {"email": "zhao@example.com"}) == []
    for bad in ("zhao", "zhao@example", "zhao @example.com", "a@b@c.com"):
        assert _answers(fields, {"email": bad}) == [("INVALID_EMAIL", ("formData", "email"))]


def test_credit_codes_are_checked_with_their_check_character() -> None:
    fields = [_field("code", "CREDIT_CODE")]
    assert _answers(fields, {"code": "91350100M000100Y43"}) == []
    assert _answers(fields, {"code": "91350100M000100Y44"}) == [
        ("INVALID_CREDIT_CODE", ("formData", "code"))
    ]
    assert _answers(fields, {"code": "9135"}) == [("INVALID_CREDIT_CODE", ("formData", "code"))]


def test_every_problem_is_reported_at_once_in_the_forms_order() -> None:
    fields = [
        _field("company", "TEXT", required=True),
        _field("code", "CREDIT_CODE", required=True),
        _field("amount", "MONEY", required=True, min="10000"),
        _field("phone", "PHONE", required=True),
        _field("start", "DATE"),
    ]
    data = {"start": "明天", "amount": "500", "phone": "123", "other": "x"}
    assert _answers(fields, data) == [
        ("REQUIRED", ("formData", "company")),
        ("REQUIRED", ("formData", "code")),
        ("BELOW_MINIMUM", ("formData", "amount")),
        ("INVALID_PHONE_NUMBER", ("formData", "phone")),
        ("INVALID_DATE", ("formData", "start")),
        ("UNKNOWN_FIELD", ("formData", "other")),
    ]


def test_every_answer_problem_has_words_in_both_languages() -> None:
    codes = [
        "REQUIRED", "WRONG_TYPE", "NOT_A_NUMBER", "INVALID_MONEY", "INVALID_DATE",
        "INVALID_PHONE_NUMBER", "INVALID_EMAIL", "INVALID_CREDIT_CODE", "BELOW_MINIMUM",
        "ABOVE_MAXIMUM", "DATE_TOO_EARLY", "DATE_TOO_LATE", "TOO_SHORT", "TOO_LONG",
        "PATTERN_MISMATCH", "NOT_AN_OPTION", "TOO_FEW_CHOICES", "TOO_MANY_CHOICES",
        "DUPLICATE_CHOICE", "MUST_BE_CHECKED", "UNKNOWN_FIELD",
    ]  # fmt: skip
    params = {"min": "1000.50", "max": "5"}
    for code in codes:
        english = Problem(code, ("formData", "x"), params).message("en")
        chinese = Problem(code, ("formData", "x"), params).message("zh-CN")
        assert english == translate("en", MESSAGES[code], **params)
        assert chinese != english, code
        assert any("\u4e00" <= c <= "\u9fff" for c in chinese), code


def test_a_definition_error_raises_with_every_problem() -> None:
    problems = Problems()
    forms.check_definition({"fields": [_field("a", "X"), _field("b", "CHOICE")]}, problems)
    with pytest.raises(Invalid) as caught:
        problems.raise_if_any()
    assert [p.code for p in caught.value.problems] == ["UNKNOWN_FIELD_TYPE", "OPTIONS_REQUIRED"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("500,000", "500000"),
        ("５００,０００", "500000"),
        ("500000.00", "500000"),
        ("1000.5", "1000.50"),
        (" 1,000.05 ", "1000.05"),
        (1200, "1200"),
        ("١٠٠٠", "١٠٠٠"),  # no amount: left as typed, for the format check to refuse
        ("５" * 41, "５" * 41),  # longer than any amount: not even read
    ],
)
def test_an_amount_is_stored_in_one_canonical_form(typed: Any, stored: str) -> None:
    assert forms.read_money(typed) == stored


def _checked(fields: list[dict[str, Any]], data: Any, **kw: Any) -> forms.CheckedAnswers:
    problems = Problems()
    definition = forms.check_definition({"fields": fields}, problems)
    assert not problems.items
    return forms.check_answers(definition, data, **kw)


def test_a_draft_is_held_to_everything_but_completeness() -> None:
    fields = [
        _field("story", "LONG_TEXT", max="50"),
        _field("company", "TEXT"),
        _field("agree", "CHECKBOX"),
    ]
    for field in fields:
        field["required"] = True
    draft = _checked(fields, {"story": "x" * 300_000, "nope": {"deep": 1}}, complete=False)
    assert [(p.code, p.field) for p in draft.problems] == [
        ("TOO_LONG", ("formData", "story")),
        ("UNKNOWN_FIELD", ("formData", "nope")),
    ]
    assert _checked(fields, {"story": 12}, complete=False).problems[0].code == "WRONG_TYPE"
    assert _checked(fields, {"company": {"name": "x"}}, complete=False).problems[0].code == (
        "WRONG_TYPE"
    )
    assert _checked(fields, {"agree": False}, complete=False).problems == []
    assert _checked(fields, {}, complete=False).problems == []
    submitted = _checked(fields, {"agree": False}, complete=True)
    assert [p.code for p in submitted.problems] == ["REQUIRED", "REQUIRED", "MUST_BE_CHECKED"]


def test_answers_are_read_into_their_stored_form() -> None:
    fields = [
        _field("amount", "MONEY"),
        _field("code", "CREDIT_CODE"),
        _field("staff", "NUMBER"),
        _field("note", "TEXT"),
    ]
    checked = _checked(
        fields,
        {
            "amount": "５００,０００",
            "code": "91３３０１００ma2cfxy10q",
            "staff": "１２",
            "note": "",
        },
        complete=False,
    )
    assert checked.problems == []
    assert checked.stored == {"amount": "500000", "code": "91330100MA2CFXY10Q", "staff": 12}


def test_an_arabic_indic_credit_code_gets_the_usual_problem_not_an_error() -> None:
    checked = _checked(
        [_field("code", "CREDIT_CODE")], {"code": "91٣٣٠١٠٠MA2CFXY10F"}, complete=True
    )
    assert [(p.code, p.field) for p in checked.problems] == [
        ("INVALID_CREDIT_CODE", ("formData", "code"))
    ]


def test_a_mirror_field_is_filled_from_the_record_and_stored_as_it_has_it() -> None:
    fields = [
        {**_field("company", "TEXT", max="5"), "required": True, "mirrors": "NAME"},
        {**_field("code", "CREDIT_CODE"), "required": True, "mirrors": "CREDIT_CODE"},
    ]
    record = {
        forms.EnterpriseRecord.NAME: "星河科技有限公司",  # longer than the field's 5: the park's
        forms.EnterpriseRecord.CREDIT_CODE: "91330100MA2CFXY10Q",
    }
    filled = _checked(fields, {}, complete=True, record=record)
    assert filled.problems == []
    assert filled.stored == {"company": "星河科技有限公司", "code": "91330100MA2CFXY10Q"}
    other = _checked(fields, {"code": "91350100M000100Y43"}, complete=True, record=record)
    assert other.data["code"] == "91350100M000100Y43"  # what was given, for the audit to see
    assert other.stored["code"] == "91330100MA2CFXY10Q"


def test_a_mirror_must_name_a_part_of_the_record_its_type_can_hold() -> None:
    problems = Problems()
    forms.check_definition(
        {
            "fields": [
                {**_field("a", "TEXT"), "mirrors": "SHOE_SIZE"},
                {**_field("b", "NUMBER"), "mirrors": "CREDIT_CODE"},
                {**_field("c", "LONG_TEXT"), "mirrors": "ADDRESS"},
            ]
        },
        problems,
    )
    assert [(p.code, p.field) for p in problems.items] == [
        ("UNKNOWN_RECORD_FIELD", ("form", "fields", "0", "mirrors")),
        ("MIRROR_WRONG_TYPE", ("form", "fields", "1", "mirrors")),
    ]
