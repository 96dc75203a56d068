"""Every text a mutation takes, fed what breaks careless servers; what was stored reads back.

For each mutation of `schema.graphql` and each `String` in its arguments (nested inputs and
lists included), the other arguments are filled with plausible values and the one text is
replaced by a lone surrogate, a NUL, a control character, full-width digits or 1 MB of text,
sent as a JSON variable. Text that cannot be stored is refused with a code (a GraphQL error
or a `userError`), never taken in and never a bug; full-width digits may be taken. Afterwards
every list the API offers is read back, as the admin and the applicant, without a bug.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest

from backend.settings import ROOT
from tests.conftest import Api
from tests.schema.fuzz_world import FuzzWorld, running_world

SCHEMA = graphql.build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
MUTATION = SCHEMA.mutation_type
QUERY = SCHEMA.query_type
assert MUTATION is not None and QUERY is not None

REFUSED = {
    "lone surrogate": "前\ud800后",
    "NUL": "前\x00后",
    "control character": "前\x1b[31m后",
    "1 MB": "长" * 1_000_000,
}
TAKEN_OR_REFUSED = {"full-width digits": "９１３３０１００ＭＡ２ＣＦＸＹ１０Ｆ"}
SKIPPED = {"logout"}  # it would end the caller's session for every later case


def _plausible(type_: graphql.GraphQLInputType) -> Any:
    """A value of `type_` a client could well send; required parts only."""
    if isinstance(type_, graphql.GraphQLNonNull):
        return _plausible(type_.of_type)
    if isinstance(type_, graphql.GraphQLList):
        return []
    if isinstance(type_, graphql.GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, graphql.GraphQLInputObjectType):
        return {
            name: _plausible(f.type)
            for name, f in type_.fields.items()
            if isinstance(f.type, graphql.GraphQLNonNull) and f.default_value is graphql.Undefined
        }
    name = getattr(type_, "name", "")
    return {
        "String": "测试文本",
        "ID": base64.urlsafe_b64encode(b"Category:1").decode().rstrip("="),
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "Date": "2026-12-01",
        "DateTime": "2026-12-01T10:00:00+08:00",
        "Decimal": "100.00",
        "JSON": {},
    }.get(name)


def _text_paths(
    type_: graphql.GraphQLInputType, path: tuple[str | int, ...], depth: int = 0
) -> Iterator[tuple[str | int, ...]]:
    """Every place in a value of `type_` where a `String` goes (one list element each)."""
    while isinstance(type_, graphql.GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, graphql.GraphQLList):
        yield from _text_paths(type_.of_type, (*path, 0), depth)
    elif isinstance(type_, graphql.GraphQLInputObjectType) and depth < 4:
        for name, f in type_.fields.items():
            yield from _text_paths(f.type, (*path, name), depth + 1)
    elif getattr(type_, "name", "") in ("String", "JSON"):
        yield path


def _put(type_: Any, node: Any, path: tuple[str | int, ...], value: str) -> Any:
    """`node` (a value of `type_`) with `value` at `path`; a JSON place gets it nested."""
    while isinstance(type_, graphql.GraphQLNonNull):
        type_ = type_.of_type
    if not path:
        if getattr(type_, "name", "") == "JSON":
            return {"text": value, "nested": {"list": [value]}}
        return value
    if isinstance(type_, graphql.GraphQLList):
        return [_put(type_.of_type, _plausible(type_.of_type), path[1:], value)]
    key = str(path[0])
    filled = dict(node) if isinstance(node, dict) else _plausible(type_)
    filled[key] = _put(type_.fields[key].type, filled.get(key), path[1:], value)
    return filled


def _needs_upload(field: graphql.GraphQLField) -> bool:
    def required_upload(type_: graphql.GraphQLInputType, depth: int = 0) -> bool:
        if isinstance(type_, graphql.GraphQLNonNull):
            inner = type_.of_type
            if getattr(inner, "name", "") == "Upload":
                return True
            if isinstance(inner, graphql.GraphQLInputObjectType) and depth < 4:
                return any(required_upload(f.type, depth + 1) for f in inner.fields.values())
        return False

    return any(required_upload(a.type) for a in field.args.values())


def _selection(type_: graphql.GraphQLOutputType) -> str:
    """Scalars of a payload, and `userErrors { code }` where it has them."""
    named = graphql.get_named_type(type_)
    if not isinstance(named, graphql.GraphQLObjectType):
        return ""
    parts = ["__typename"]
    if "userErrors" in named.fields:
        parts.append("userErrors { field code }")
    return "{ " + " ".join(parts) + " }"


def _cases() -> Iterator[Any]:
    for name, field in sorted(MUTATION.fields.items()):  # type: ignore[union-attr]
        if name in SKIPPED or _needs_upload(field):
            continue
        for arg_name, arg in field.args.items():
            for path in _text_paths(arg.type, (arg_name,)):
                yield pytest.param(name, path, id=f"{name}:{'.'.join(map(str, path))}")


CASES = list(_cases())


def _document(name: str) -> str:
    field = MUTATION.fields[name]  # type: ignore[union-attr]
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
    passed = ", ".join(f"{a}: ${a}" for a in field.args)
    head = f"mutation({declared})" if declared else "mutation"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {_selection(field.type)} }}"


def _variables(name: str, path: tuple[str | int, ...], value: str) -> dict[str, Any]:
    field = MUTATION.fields[name]  # type: ignore[union-attr]
    variables = {a: _plausible(arg.type) for a, arg in field.args.items()}
    root = str(path[0])
    variables[root] = _put(field.args[root].type, variables[root], path[1:], value)
    return variables


async def _post(client: Api, query: str, variables: dict[str, Any] | None = None) -> Any:
    """Posts with ASCII-escaped JSON, the only way a lone surrogate can travel in a body."""
    await client.prime()
    body = json.dumps({"query": query, "variables": variables or {}})
    headers = {"Content-Type": "application/json", "X-CSRF-Token": client.csrf()}
    return await client.client.post("/graphql", content=body, headers=headers)


def _outcome(body: dict[str, Any], name: str) -> tuple[list[str], list[str]]:
    errors = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    payload = (body.get("data") or {}).get(name) or {}
    user_errors = [e["code"] for e in payload.get("userErrors") or []] if payload else []
    return errors, user_errors


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    with running_world(sqlite_template, tmp_path_factory.mktemp("texts")) as running:
        yield running


def test_every_mutation_takes_text_somewhere() -> None:
    assert len(CASES) > 40, len(CASES)


@pytest.mark.parametrize(("mutation", "path"), CASES)
@pytest.mark.parametrize("role", ["admin", "applicant"])
def test_text_that_cannot_be_stored_is_refused_with_a_code(
    world: FuzzWorld, role: str, mutation: str, path: tuple[str | int, ...]
) -> None:
    client = world.clients[role]
    for kind, value in {**REFUSED, **TAKEN_OR_REFUSED}.items():
        response = world.run(_post(client, _document(mutation), _variables(mutation, path, value)))
        assert response.status_code in (200, 400, 413), (kind, response.status_code)
        body = response.json()
        errors, user_errors = _outcome(body, mutation)
        assert "INTERNAL_ERROR" not in errors, (kind, body)
        assert all(errors), (kind, "an error without a code", body)
        if kind in REFUSED:
            assert errors or user_errors, (kind, "was taken in", body)


READ_BACK_SKIPPED = {"node", "nodes"}


def _read_back_document() -> str:
    """Every list and single-object root field without required arguments, scalars only."""
    parts = []
    for name, field in sorted(QUERY.fields.items()):  # type: ignore[union-attr]
        if name in READ_BACK_SKIPPED or any(
            isinstance(a.type, graphql.GraphQLNonNull) for a in field.args.values()
        ):
            continue
        named = graphql.get_named_type(field.type)
        if not isinstance(named, graphql.GraphQLObjectType):
            parts.append(name)
            continue
        args = "(first: 50)" if "first" in field.args else ""
        if "edges" in named.fields:
            node = graphql.get_named_type(
                graphql.get_named_type(named.fields["edges"].type).fields["node"].type  # type: ignore[union-attr]
            )
            parts.append(f"{name}{args} {{ edges {{ node {{ {_scalars(node)} }} }} }}")
        else:
            parts.append(f"{name}{args} {{ {_scalars(named)} }}")
    return "{ " + "\n".join(parts) + " }"


LEAVES = (graphql.GraphQLScalarType, graphql.GraphQLEnumType)


def _scalars(type_: Any) -> str:
    names = [
        n
        for n, f in type_.fields.items()
        if isinstance(
            graphql.get_named_type(f.type), (graphql.GraphQLScalarType, graphql.GraphQLEnumType)
        )
        and not any(isinstance(a.type, graphql.GraphQLNonNull) for a in f.args.values())
    ]
    return " ".join(names) or "__typename"


def test_what_was_stored_reads_back(world: FuzzWorld) -> None:
    for role in ("admin", "applicant"):
        for mutation, path in [(c.values[0], c.values[1]) for c in CASES]:
            for value in TAKEN_OR_REFUSED.values():
                world.run(
                    _post(
                        world.clients[role],
                        _document(str(mutation)),
                        _variables(str(mutation), path, value),  # type: ignore[arg-type]
                    )
                )
        response = world.run(_post(world.clients[role], _read_back_document()))
        body = response.json()
        assert response.status_code == 200, body
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        assert "INTERNAL_ERROR" not in codes, body
