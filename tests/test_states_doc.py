"""docs/states.md is the action tables as the code has them; `servicehall states` prints them."""

from __future__ import annotations

import subprocess
import sys

from backend.cli import state_tables
from backend.settings import ROOT


def test_the_committed_states_doc_is_current() -> None:
    committed = (ROOT / "docs" / "states.md").read_text(encoding="utf-8")
    assert committed == state_tables(), (
        "docs/states.md is out of date: run `servicehall states -o docs/states.md` and commit it"
    )


def test_servicehall_states_prints_every_aggregates_table() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "backend.cli", "states"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert printed == state_tables()
    for heading in ("## application", "## order", "## enterprise", "## service_item"):
        assert heading in printed
    assert "| CANCEL | PENDING_ASSIGNMENT ASSIGNED IN_PROGRESS" in printed
