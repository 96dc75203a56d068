"""Characters people type on a Chinese keyboard, as the ASCII a parser expects.

A full-width input method gives `１２３，４５６．７` for `123,456.7`; each full-width form
(U+FF01 to U+FF5E) is its ASCII twin shifted by 0xFEE0, and the ideographic space is a space.
Nothing else is folded: digits of other scripts (Arabic-Indic `٣`, Devanagari `३`) stay as they
are, so the `[0-9]` of a parser refuses them instead of reading them as numbers.
"""

from __future__ import annotations

FULL_WIDTH_OFFSET = 0xFEE0
_TABLE = {code: code - FULL_WIDTH_OFFSET for code in range(0xFF01, 0xFF5F)}
_TABLE[0x3000] = ord(" ")


def fold_width(value: str) -> str:
    """`value` with its full-width forms as ASCII and ideographic spaces as spaces."""
    return value.translate(_TABLE)
