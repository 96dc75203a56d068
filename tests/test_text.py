"""What text is refused and the one form accepted text is stored in (backend/text.py)."""

from __future__ import annotations

import pytest

from backend import text


@pytest.mark.parametrize(
    ("value", "position"),
    [("\ud800", 0), ("a\udfff", 1), ("ab\x00", 2), ("\x01", 0), ("\x0b", 0), ("\x1f", 0),
     ("\x7f", 0), ("\x85", 0), ("\x9f", 0)],
)  # fmt: skip
def test_surrogates_nul_and_control_characters_are_refused_where_they_are(
    value: str, position: int
) -> None:
    with pytest.raises(text.BadText) as refused:
        text.normalise(value)
    assert refused.value.position == position


def test_tab_line_breaks_and_every_script_are_accepted() -> None:
    value = "名称\t一\n二\r三 😀 ＡＢＣ，。！ ﬁ"
    text.check(value)
    # NFC only: full-width letters and punctuation and the ligature stay as typed (NFKC would
    # turn `，` into `,` and `ﬁ` into `fi`); a lone CR stays.
    assert text.normalise(value) == value


def test_crlf_becomes_lf_and_decomposed_letters_are_composed() -> None:
    assert text.normalise("a\r\nb\r\n") == "a\nb\n"
    assert text.normalise("cafe\u0301") == "caf\u00e9"
    assert text.normalise(text.normalise("cafe\u0301\r\n")) == "caf\u00e9\n"


def test_a_refused_character_is_shown_escaped_and_long_text_cut() -> None:
    assert text.shown("a\ud800\x00b") == "a\\ud800\\u0000b"
    assert text.shown("x" * 50) == "x" * 40 + "…"
