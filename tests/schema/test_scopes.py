"""Token scopes below the root: every object type declares the scope its data needs, and a
token reaches no object of another domain without that domain's read scope, by any path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    parse,
)

from backend.models.accounts import Role
from backend.schema import schema
from backend.schema.extensions import ScopeWalk, root_fields
from backend.schema.nodes import lookup
from backend.schema.scopes import OPEN, ROOT_SCOPES, TYPE_SCOPES, domain_of
from backend.services.accounts.tokens import SCOPES
from tests import builders
from tests.conftest import Api
from tests.schema.application_helpers import login
from tests.schema.helpers import codes, global_id, token_client

GRAPH = schema._schema
QUERY = GRAPH.query_type
MUTATION = GRAPH.mutation_type
SUBSCRIPTION = GRAPH.subscription_type
assert QUERY is not None and MUTATION is not None and SUBSCRIPTION is not None
ROOTS = (QUERY, MUTATION, SUBSCRIPTION)
PEOPLE = frozenset({"accounts", "teams"})


def _reachable(start: GraphQLNamedType) -> set[str]:
    """Every object or interface type reachable from `start` by fields and implementations."""
    found: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current.name in found or current.name.startswith("__"):
            continue
        if isinstance(current, GraphQLInterfaceType):
            found.add(current.name)
            todo.extend(GRAPH.get_possible_types(current))
            todo.extend(get_named_type(f.type) for f in current.fields.values())
        elif isinstance(current, GraphQLObjectType):
            found.add(current.name)
            todo.extend(get_named_type(f.type) for f in current.fields.values())
    return found


def _root_results() -> Iterator[tuple[str, GraphQLNamedType]]:
    for root in ROOTS:
        for name, field in root.fields.items():
            yield name, get_named_type(field.type)


def test_every_object_type_reachable_from_a_root_field_declares_its_scope() -> None:
    for name, result in _root_results():
        reachable = {
            t for t in _reachable(result) if isinstance(GRAPH.get_type(t), GraphQLObjectType)
        }
        undeclared = sorted(reachable - set(TYPE_SCOPES))
        assert undeclared == [], f"{name} reaches types with no scope in TYPE_SCOPES: {undeclared}"


def test_declarations_name_real_types_and_real_read_scopes() -> None:
    objects = {n for n, t in GRAPH.type_map.items() if isinstance(t, GraphQLObjectType)}
    assert sorted(set(TYPE_SCOPES) - objects) == []
    for type_name, scope in TYPE_SCOPES.items():
        assert scope is None or (scope in SCOPES and scope.endswith(":read")), type_name


def test_types_that_declare_no_scope_are_answers_of_root_fields_only() -> None:
    """A type with no scope of its own must never hang below an object: there it would
    carry data no scope guards."""
    # A page's info and its count say nothing beyond the connection they hang from.
    carriers = {n for n, scope in TYPE_SCOPES.items() if scope is None} - {
        "PageInfo",
        "BoundedCount",
    }
    for type_name, type_ in GRAPH.type_map.items():
        if type_ in ROOTS or not isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            continue
        for field_name, field in type_.fields.items():
            target = get_named_type(field.type).name
            if target in carriers:
                # Payloads may hold their own error lists.
                assert type_name in carriers and target.endswith("Error"), (
                    f"{type_name}.{field_name} returns {target}, which declares no scope"
                )
    pages = {
        n for n, t in GRAPH.type_map.items()
        if isinstance(t, GraphQLObjectType) and "pageInfo" in t.fields
    }  # fmt: skip
    assert all(TYPE_SCOPES[n] is not None for n in pages)


def test_node_types_need_the_same_scope_by_node_as_below_a_root_field() -> None:
    node = GRAPH.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    for type_ in GRAPH.get_possible_types(node):
        entry = lookup(type_.name)
        if entry is not None:
            assert entry[1] == TYPE_SCOPES[type_.name], type_.name


# Every path from a root query field into another domain's types, for the walk itself.


def _literal(field: GraphQLField) -> str | None:
    """Arguments for the required arguments of `field`, or None when one cannot be made up."""
    parts = []
    for name, argument in field.args.items():
        if not isinstance(argument.type, GraphQLNonNull) or argument.default_value is not Undefined:
            continue
        named = get_named_type(argument.type)
        if isinstance(named, GraphQLEnumType):
            parts.append(f"{name}: {next(iter(named.values))}")
        elif isinstance(named, GraphQLScalarType) and named.name in ("ID", "String"):
            parts.append(f'{name}: "x"' if str(argument.type) != "[ID!]!" else f'{name}: ["x"]')
        elif isinstance(named, GraphQLScalarType) and named.name == "Int":
            parts.append(f"{name}: 1")
        elif isinstance(named, GraphQLScalarType) and named.name == "Boolean":
            parts.append(f"{name}: false")
        else:
            return None
    return f"({', '.join(parts)})" if parts else ""


def _paths(
    parent: GraphQLNamedType, domain: str, visited: frozenset[str]
) -> Iterator[tuple[list[str], str]]:
    """(field path with arguments, reached type) for each shortest way out of `domain`."""
    if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        return
    for name, field in parent.fields.items():
        target = get_named_type(field.type)
        if not isinstance(target, GraphQLObjectType) or target.name in visited:
            continue
        arguments = _literal(field)
        if arguments is None:
            continue
        step = f"{name}{arguments}"
        scope = TYPE_SCOPES.get(target.name)
        if scope is not None and domain_of(scope) != domain:
            yield [step], target.name
            continue
        for rest, reached in _paths(target, domain, visited | {target.name}):
            yield [step, *rest], reached


def _query(path: list[str]) -> str:
    text = "__typename"
    for step in reversed(path):
        text = f"{step} {{ {text} }}"
    return "{ " + text + " }"


def _escapes(only: str | None = None) -> Iterator[tuple[str, str, str]]:
    """(root scope, query, reached type) for every way out of a root query field's domain."""
    for name, field in QUERY.fields.items():
        scope = ROOT_SCOPES.get(name)
        arguments = _literal(field)
        if scope is None or arguments is None or (only and scope != only):
            continue
        result = get_named_type(field.type)
        for path, reached in _paths(result, domain_of(scope), frozenset({result.name})):
            yield scope, _query([f"{name}{arguments}", *path]), reached


def _lacking(query: str, scopes: frozenset[str]) -> dict[str, Any]:
    document = parse(query)
    operation = document.definitions[0]
    walk = ScopeWalk(GRAPH, {}, scopes)
    for field in root_fields(operation.selection_set, {}):  # type: ignore[attr-defined]
        walk.root(field, QUERY)
    return walk.lacking


def test_every_way_out_of_a_root_fields_domain_needs_the_other_domains_scope() -> None:
    escapes = list(_escapes())
    assert len(escapes) > 40  # the walk below is not vacuous
    for scope, query, reached in escapes:
        needed = TYPE_SCOPES[reached]
        assert needed is not None
        assert list(_lacking(query, frozenset({scope}))) == [needed], query
        assert _lacking(query, frozenset({scope, needed})) in ({}, _lacking(query, frozenset()))


def test_open_root_fields_are_walked_too() -> None:
    assert {"me", "node", "nodes"} <= OPEN
    assert _lacking("{ me { id name email } }", frozenset()) == {}
    lacking = _lacking(
        '{ node(id: "x") { ... on Team { name members { user { email } } } } }',
        frozenset({"teams:read"}),
    )
    assert list(lacking) == ["accounts:read"]


# Through the real app: a token reading the catalog reaches no staff data.

CATALOG_PATHS = list(_escapes("catalog:read"))


def test_the_catalog_has_paths_into_staff_data() -> None:
    into_people = {
        reached
        for _, _, reached in CATALOG_PATHS
        if domain_of(TYPE_SCOPES[reached] or "") in PEOPLE
    }
    assert into_people >= {"Team", "User"}


@pytest.mark.postgres
async def test_a_catalog_token_is_refused_every_path_into_teams_and_accounts(new_api: Any) -> None:
    admin = await login(new_api, await builders.user(Role.ADMIN))
    reader = await token_client(new_api, admin, ["catalog:read"])
    checked = 0
    for _, query, reached in CATALOG_PATHS:
        needed = TYPE_SCOPES[reached]
        assert needed is not None
        if domain_of(needed) not in PEOPLE:
            continue
        response = await reader.post(query)
        body = response.json()
        assert codes(body) == ["FORBIDDEN_SCOPE"], (query, body)
        assert body["errors"][0]["extensions"]["scope"] == needed
        assert body.get("data") is None
        checked += 1
    assert checked >= 4


STAFF_EMAILS = """query($id: ID!) { serviceItem(id: $id) { name
    handlingTeam { name members { user { name email } } }
    versions { number createdBy { name email } } } }"""


async def _catalog_with_team(admin_user: Any) -> str:
    team, _ = await builders.team_with_handlers(1, "企业服务组")
    item, version = await builders.published_item(team)
    version.created_by = admin_user
    await version.save()
    return global_id("ServiceItem", item.id)


@pytest.mark.postgres
async def test_staff_emails_need_the_teams_and_accounts_scopes(new_api: Any) -> None:
    admin_user = await builders.user(Role.ADMIN, "管理员")
    admin = await login(new_api, admin_user)
    item = await _catalog_with_team(admin_user)
    catalog_only = await token_client(new_api, admin, ["catalog:read"])
    body = (await catalog_only.post(STAFF_EMAILS, {"id": item})).json()
    assert body.get("data") is None
    assert {e["extensions"]["scope"]: e["extensions"]["field"] for e in body["errors"]} == {
        "teams:read": "serviceItem.handlingTeam",
        "accounts:read": "serviceItem.handlingTeam.members.user",
    }
    assert [e["locations"] for e in body["errors"]] == [
        [{"line": 2, "column": 5}],
        [{"line": 2, "column": 35}],
    ]
    with_teams = await token_client(new_api, admin, ["catalog:read", "teams:read"])
    body = (await with_teams.post(STAFF_EMAILS, {"id": item})).json()
    assert [e["extensions"]["field"] for e in body["errors"]] == [
        "serviceItem.handlingTeam.members.user"
    ]
    team_only = "query($id: ID!) { serviceItem(id: $id) { handlingTeam { name } } }"
    named = await with_teams.gql(team_only, {"id": item})
    assert named["serviceItem"]["handlingTeam"]["name"].startswith("企业服务组")
    everything = await token_client(new_api, admin, ["catalog:read", "teams:read", "accounts:read"])
    seen = (await everything.gql(STAFF_EMAILS, {"id": item}))["serviceItem"]
    assert seen["versions"][0]["createdBy"] == {"name": "管理员", "email": admin_user.email}
    assert seen["handlingTeam"]["members"][0]["user"]["name"] == "办理员 0"


@pytest.mark.postgres
async def test_fragments_and_node_do_not_get_around_the_scopes(new_api: Any) -> None:
    admin_user = await builders.user(Role.ADMIN, "管理员")
    admin = await login(new_api, admin_user)
    item = await _catalog_with_team(admin_user)
    reader = await token_client(new_api, admin, ["catalog:read", "teams:read"])
    for query in [
        "query($id: ID!) { serviceItem(id: $id) { ...V } } "
        "fragment V on ServiceItem { versions { createdBy { email } } }",
        "query($id: ID!) { serviceItem(id: $id) { ... on ServiceItem { versions { ...U } } } } "
        "fragment U on ServiceItemVersionInfo { createdBy { email } }",
        "query($id: ID!) { node(id: $id) { ... on ServiceItem { "
        "versions { createdBy { email } } } } }",
        "query($id: ID!) { nodes(ids: [$id]) { ...N } } "
        "fragment N on Node { ... on ServiceItem { handlingTeam { members { user { email } } } } }",
        "query($id: ID!) { serviceItem(id: $id) { id } ...Q } "
        "fragment Q on Query { serviceItem(id: $id) { versions { createdBy { email } } } }",
    ]:
        body = (await reader.post(query, {"id": item})).json()
        assert codes(body) == ["FORBIDDEN_SCOPE"], (query, body)
        assert body["errors"][0]["extensions"]["scope"] == "accounts:read"
        assert body.get("data") is None


@pytest.mark.postgres
async def test_a_mutation_answers_its_own_domain_but_not_another_without_its_scope(
    new_api: Any,
) -> None:
    admin = await login(new_api, await builders.user(Role.ADMIN))
    writer = await token_client(new_api, admin, ["teams:write"])
    create = """mutation($input: CreateTeamInput!) { createTeam(input: $input) {
        team { name %s } userErrors { code } } }"""
    made = await writer.gql(create % "", {"input": {"name": "外联组", "description": ""}})
    assert made["createTeam"]["team"]["name"] == "外联组"
    body = (
        await writer.post(
            create % "members { user { email } }", {"input": {"name": "内勤组", "description": ""}}
        )
    ).json()
    assert codes(body) == ["FORBIDDEN_SCOPE"]
    assert body["errors"][0]["extensions"]["field"] == "createTeam.team.members.user"


async def test_introspection_stays_open_to_tokens(new_api: Any) -> None:
    admin = await login(new_api, await builders.user(Role.ADMIN))
    reader: Api = await token_client(new_api, admin, ["catalog:read"])
    data = await reader.gql('{ __schema { queryType { name } } __type(name: "User") { name } }')
    assert data == {"__schema": {"queryType": {"name": "Query"}}, "__type": {"name": "User"}}
