"""Messages in the reader's language: gettext catalogs compiled from `web/locales` by Babel.

Message ids are English; the zh_CN catalog translates them. A language without a compiled
catalog falls back to the ids, so a missing build step shows English, never a crash.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

SUPPORTED = ("zh-CN", "en")
DEFAULT = "zh-CN"


def N_(message: str) -> str:
    """Marks a message for extraction without translating it yet."""
    return message


def normalise(language: str | None) -> str:
    """The supported language closest to what was asked for, e.g. `zh-Hans-CN` -> `zh-CN`."""
    if not language:
        return DEFAULT
    tag = language.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    return DEFAULT


def from_accept_language(header: str | None) -> str | None:
    """The first supported language in an Accept-Language header, honouring q-values."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        lowered = tag.lower()
        if lowered.startswith(("zh", "en")):
            return normalise(tag)
    return None


_locales_dir: Path = Path(__file__).resolve().parent.parent / "web" / "locales"


def configure(locales_dir: Path) -> None:
    global _locales_dir
    _locales_dir = locales_dir
    _translations.cache_clear()


@lru_cache(maxsize=8)
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "messages",
        localedir=str(_locales_dir),
        languages=[language.replace("-", "_")],
        fallback=True,
    )


def translations(language: str) -> gettext.NullTranslations:
    return _translations(normalise(language))


def translate(language: str, message: str, **params: object) -> str:
    text = _translations(normalise(language)).gettext(message)
    return text.format(**params) if params else text
