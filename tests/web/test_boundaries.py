"""The web face reaches the business rules only through the schema (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from backend.settings import ROOT

# `backend.serving`: when the server stops, so open streams can end (not a rule).
ALLOWED = ("backend.schema", "backend.i18n", "backend.settings", "backend.serving")


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


# Statuses and roles: pages decide from viewerCan, me.can and facts like isOverdue, and say
# the words through the one labels template. The names come from the schema, so a new status
# or role is covered without touching this test.
STATE_AND_ROLE_ENUMS = (
    "ApplicationStatus",
    "OrderStatus",
    "EnterpriseStatus",
    "ServiceItemStatus",
    "JobStatus",
    "OwedMaterialStatus",
    "ServiceRequestStatus",
    "EvaluationStatus",
    "RectificationStatus",
    "WebhookDeliveryStatus",
    "WebhookEndpointState",
    "AppointmentStatus",
    "AppointmentSlotClosedBy",
    "Role",
)
LABELS = "web/templates/_labels.html"
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def _enum_values(name: str) -> set[str]:
    from graphql import GraphQLEnumType

    from backend.schema import schema

    enum = schema._schema.get_type(name)
    assert isinstance(enum, GraphQLEnumType), name
    return set(enum.values)


def _named(text: str, names: set[str]) -> set[str]:
    return {word for word in re.findall(r"\b[A-Z][A-Z_]+\b", text) if word in names}


def _names_in_module(source: str, names: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= _named(node.value, names)
    return found


def _names_in_template(source: str, names: set[str]) -> set[str]:
    return _named(TEMPLATE_COMMENT.sub("", source), names)


def _state_and_role_names() -> set[str]:
    names: set[str] = set()
    for enum in STATE_AND_ROLE_ENUMS:
        names |= _enum_values(enum)
    return names


def _offenders(root: Path) -> dict[str, set[str]]:
    names = _state_and_role_names()
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if named := _names_in_module(path.read_text(encoding="utf-8"), names):
            found[str(path.relative_to(root.parent))] = named
    for path in sorted((root / "templates").rglob("*.html")):
        relative = str(path.relative_to(root.parent))
        if relative == LABELS:
            continue
        if named := _names_in_template(path.read_text(encoding="utf-8"), names):
            found[relative] = named
    return found


def test_no_page_module_or_template_names_a_status_or_a_role() -> None:
    assert not _offenders(ROOT / "web")


def test_every_status_enum_of_the_schema_is_checked() -> None:
    from graphql import GraphQLEnumType

    from backend.schema import schema

    status_enums = {
        name
        for name, kind in schema._schema.type_map.items()
        if isinstance(kind, GraphQLEnumType) and name.endswith("Status")
    }
    assert status_enums <= set(STATE_AND_ROLE_ENUMS)


def test_a_status_or_role_named_outside_the_labels_is_found(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "templates").mkdir(parents=True)
    (web / "pages.py").write_text('OPEN = ("IN_PROGRESS",)\nif kind == "ADMIN": pass\n')
    (web / "templates" / "page.html").write_text('{% if app.status == "RETURNED" %}x{% endif %}')
    (web / "templates" / "_labels.html").write_text('{% if status == "DRAFT" %}{% endif %}')
    (web / "templates" / "team.html").write_text('{% if m.kind == "HANDLER" %}{% endif %}')
    (web / "members.py").write_text('handlers = [m for m in ms if m["kind"] == "HANDLER"]\n')
    assert _offenders(web) == {
        "web/pages.py": {"IN_PROGRESS", "ADMIN"},
        "web/templates/page.html": {"RETURNED"},
        "web/templates/team.html": {"HANDLER"},
        "web/members.py": {"HANDLER"},
    }
