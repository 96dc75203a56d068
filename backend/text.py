"""What text may enter Service Hall, and the one form it is stored in.

Refused anywhere: lone UTF-16 surrogates (they cannot be encoded, so a row holding one breaks
every later read), NUL (C libraries and SQL drivers cut strings there, so a search for it
matched everything) and every other control character except tab, newline and carriage return.

Accepted text is stored in one form: CRLF becomes LF, and the text is put in Unicode
NFC, so the same words typed on two systems compare equal. Never NFKC: it would rewrite the
full-width punctuation of Chinese text (`，` into `,`). Secrets and identifiers (passwords, ids,
cursors, idempotency keys) are checked but never rewritten: changing one would make it stop
matching what it names.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab, LF and CR; DEL; C1 controls; the surrogate block (only ever lone in a
# Python str decoded from JSON, since JSON `\ud83d\ude00` pairs decode to one code point).
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n")


class BadText(ValueError):
    """A string holding a character Service Hall refuses; `position` is where (0-based)."""

    def __init__(self, position: int, character: str) -> None:
        self.position = position
        self.character = character
        super().__init__(f"U+{ord(character):04X} at position {position}")


def check(value: str) -> None:
    """Raises `BadText` at the first refused character of `value`."""
    found = _REFUSED.search(value)
    if found is not None:
        raise BadText(found.start(), found.group())


def normalise(value: str) -> str:
    """`value` checked, with LF line breaks and in NFC."""
    check(value)
    value = _LINE_BREAK.sub("\n", value)
    # Most text arrives composed already; the check is much cheaper than normalising.
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def shown(value: str, limit: int = 40) -> str:
    """`value` safe to echo in an error: refused characters escaped, cut at `limit`."""
    cut = value[:limit] + ("…" if len(value) > limit else "")
    return _REFUSED.sub(lambda found: f"\\u{ord(found.group()):04x}", cut)
