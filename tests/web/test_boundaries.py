"""The web face reaches the business rules only through the schema (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.settings import ROOT

ALLOWED = ("backend.schema", "backend.i18n", "backend.settings")


def _backend_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if node.module == "backend":
                found += names[1:]
            elif node.module.startswith("backend."):
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("backend")]
    return found


def test_web_imports_only_the_schema_i18n_and_settings() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "web").rglob("*.py")
        for name in _backend_imports(path)
        if not name.startswith(ALLOWED)
    }
    assert not offending, sorted(offending)


def test_every_operation_a_page_names_exists() -> None:
    from web.shell import OPERATIONS_DIR

    named = set()
    for path in (ROOT / "web").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "run":
                argument = node.args[1] if len(node.args) > 1 else None
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    named.add(argument.value)
    assert named, "no page runs an operation"
    missing = {n for n in named if not (OPERATIONS_DIR / f"{n}.graphql").exists()}
    assert not missing


def test_every_operation_file_is_valid_against_the_schema() -> None:
    from graphql import parse, validate

    from backend.schema import schema
    from web.shell import OPERATIONS_DIR, operation

    names = [p.stem for p in OPERATIONS_DIR.glob("*.graphql") if not p.stem.startswith("_")]
    assert names
    for name in names:
        errors = validate(schema._schema, parse(operation(name)))
        assert not errors, (name, errors)


def test_fragments_that_spread_other_fragments_are_all_included(tmp_path, monkeypatch) -> None:
    """The file of a nested fragment may sort before the fragment that spreads it."""
    from web import shell

    (tmp_path / "page.graphql").write_text("query Page { me { ...Zed } }")
    (tmp_path / "_Zed.graphql").write_text("fragment Zed on User { id ...Alpha }")
    (tmp_path / "_Alpha.graphql").write_text("fragment Alpha on User { name }")
    (tmp_path / "_Unused.graphql").write_text("fragment Unused on User { roles }")
    monkeypatch.setattr(shell, "OPERATIONS_DIR", tmp_path)
    shell.operation.cache_clear()
    try:
        document = shell.operation("page")
    finally:
        shell.operation.cache_clear()
    assert "fragment Zed" in document
    assert "fragment Alpha" in document
    assert "fragment Unused" not in document
