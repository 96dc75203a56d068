"""Every message the code can show has its Chinese words: Chinese is the default language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from backend.settings import ROOT


def test_every_message_in_the_code_is_translated_into_chinese(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "translate:2",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    catalog_path = ROOT / "web/locales/zh_CN/LC_MESSAGES/messages.po"
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in extracted - translated)
    assert not missing, f"{len(missing)} messages have no Chinese translation: {missing[:10]}"
    assert len(extracted) > 100


def test_both_catalogs_parse_cleanly_and_list_the_same_messages() -> None:
    """A merge that drops a `msgstr` line leaves a catalog gettext half-reads: catch it here."""
    ids = {}
    for language in ("zh_CN", "en"):
        path = ROOT / f"web/locales/{language}/LC_MESSAGES/messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
        ids[language] = {m.id for m in catalog if m.id}
    assert ids["zh_CN"] == ids["en"]


def test_no_message_is_written_twice_in_a_catalog() -> None:
    # gettext keeps one of two entries for a message id and drops the other without a word, so
    # a second translation (merged in from two branches, say) would be silently ignored.
    import re

    for language in ("en", "zh_CN"):
        text = (ROOT / f"web/locales/{language}/LC_MESSAGES/messages.po").read_text("utf-8")
        ids = re.findall(r'^msgid ((?:".*"\n)+)', text, re.M)
        twice = sorted({i for i in ids if ids.count(i) > 1 and i != '""\n'})
        assert not twice, f"{language}: {twice}"
