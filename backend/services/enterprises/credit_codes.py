"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (no I, O, S, V, Z): the registering
authority, the kind of entity, a six-digit area code, the nine-character organisation code,
and a check character computed over the first seventeen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.services.core.folding import fold_width

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# `[0-9]`, not `\d`: a Unicode digit of another script would pass the shape and then fail
# `ALPHABET.index` in the check character.
SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class CreditCodeProblem:
    """Why a code is wrong: `LENGTH`, `CHARACTERS` or `CHECK_DIGIT` (with the right one)."""

    code: str
    expected_check: str | None = None


def normalise(value: str) -> str:
    """Upper case ASCII, with full-width forms folded and the spaces and dashes people type
    removed."""
    return re.sub(r"[\s-]", "", fold_width(value)).upper()


def check_character(first_seventeen: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first_seventeen, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem_with(code: str) -> CreditCodeProblem | None:
    """None for a valid, normalised code; otherwise what is wrong with it."""
    if len(code) != 18:
        return CreditCodeProblem("LENGTH")
    if not SHAPE.match(code):
        return CreditCodeProblem("CHARACTERS")
    expected = check_character(code[:17])
    if code[17] != expected:
        return CreditCodeProblem("CHECK_DIGIT", expected)
    return None


def is_valid(code: str) -> bool:
    return problem_with(normalise(code)) is None
