"""`schema.graphql` is the contract integrators read: it must be what the code serves."""

from __future__ import annotations

import subprocess
import sys

from backend.schema import schema
from backend.settings import ROOT


def test_the_committed_sdl_is_the_schema_the_code_serves() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == str(schema).rstrip() + "\n", (
        "schema.graphql is out of date: run `servicehall export-schema` and commit it"
    )


def test_export_schema_writes_the_sdl(tmp_path) -> None:
    target = tmp_path / "out.graphql"
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "export-schema", "-o", str(target)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert target.read_text(encoding="utf-8") == str(schema).rstrip() + "\n"
    assert "type Query" in target.read_text(encoding="utf-8")
