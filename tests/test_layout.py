"""The layout docs/development.md draws: rules by domain, layers importing downward."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.settings import ROOT

SERVICES = ROOT / "backend" / "services"
SCHEMA = ROOT / "backend" / "schema"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_services_are_packages_by_domain_mirroring_the_schema() -> None:
    loose = [p.name for p in SERVICES.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"a rule belongs in a domain package: {loose}"
    domains = {p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists()}
    schema_domains = {p.name for p in SCHEMA.iterdir() if (p / "__init__.py").exists()}
    assert schema_domains <= domains, schema_domains - domains


def test_rules_never_import_the_faces_or_the_demo() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in SERVICES.rglob("*.py")
        for name in _imports(path)
        if name.startswith(("backend.schema", "web", "backend.demo", "backend.app", "backend.cli"))
    }
    assert not offending, sorted(offending)


def test_models_import_nothing_of_ours_but_models() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "backend" / "models").rglob("*.py")
        for name in _imports(path)
        if name.startswith(("backend", "web")) and not name.startswith("backend.models")
    }
    assert not offending, sorted(offending)


def test_the_catalog_schema_imports_only_at_module_level_and_loading_never_the_types() -> None:
    """An import inside a function hides a cycle (the types and their loading had one)."""
    offending: list[str] = []
    for path in sorted((SCHEMA / "catalog").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                offending += [
                    f"{path.name}:{node.lineno}"
                    for node in ast.walk(function)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                ]
    assert not offending, offending
    loading = _imports(SCHEMA / "catalog" / "loading.py")
    assert not {name for name in loading if name.startswith("backend.schema.catalog.types")}


def test_the_pages_reach_the_rules_only_through_the_schema() -> None:
    """`web/` runs operations (and the live stream's subscriptions) against the schema in
    process; it never imports a service or a model, so no page decides a rule itself."""
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "web").rglob("*.py")
        for name in _imports(path)
        if name.startswith(("backend.services", "backend.models", "backend.db"))
    }
    assert not offending, offending
