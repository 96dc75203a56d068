"""The GB 32100-2015 check character, on real codes and corrupted ones."""

from __future__ import annotations

import pytest

from backend.services.enterprises.credit_codes import (
    CreditCodeProblem,
    check_character,
    normalise,
    problem_with,
)

REAL = ["91350100M000100Y43", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code: str) -> None:
    assert problem_with(code) is None


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_change_is_caught(code: str) -> None:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            corrupted = code[:position] + replacement + code[position + 1 :]
            problem = problem_with(corrupted)
            assert problem is not None, corrupted


def test_a_wrong_check_character_names_the_right_one() -> None:
    problem = problem_with("91350100M000100Y4X")
    assert problem is not None
    assert problem.code == "CHECK_DIGIT"
    assert problem.expected_check == "3"


def test_letters_outside_the_alphabet_and_wrong_lengths_are_told_apart() -> None:
    assert problem_with("91350100M000100I43").code == "CHARACTERS"  # type: ignore[union-attr]
    assert problem_with("9135010").code == "LENGTH"  # type: ignore[union-attr]


def test_codes_are_normalised_before_checking() -> None:
    assert normalise(" 9135 0100-m000100y43 ") == "91350100M000100Y43"
    assert check_character("91350100M000100Y4") == "3"


def test_full_width_digits_and_letters_are_read_as_ascii() -> None:
    assert normalise("91３３０１００ｍａ2CFXY10Q") == "91330100MA2CFXY10Q"
    assert problem_with(normalise("91３３０１００MA2CFXY10Q")) is None


@pytest.mark.parametrize("digits", ["٣٣٠١٠٠", "۳۳۰۱۰۰", "३३०१००"])
def test_digits_of_other_scripts_are_wrong_characters_not_an_error(digits: str) -> None:
    code = normalise(f"91{digits}MA2CFXY10Q")
    assert problem_with(code) == CreditCodeProblem("CHARACTERS")
