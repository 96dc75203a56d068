"""Cost, depth, alias and size limits: refused before anything runs, with a clear code."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from backend.app import create_app
from backend.models.accounts import Team
from backend.settings import Settings
from tests.conftest import PASSWORD, SECRET, Api, make_user
from tests.schema.helpers import codes, issue_token, signed_in

GRAPHQL_RESPONSE = "application/graphql-response+json"
USERS_PAGE = "users(first: 100) { edges { node { id } } }"  # 1 + 100 * (1 + 1) = 201


@pytest.fixture
async def custom_api(settings: Settings) -> AsyncIterator[Any]:
    """Makes a client on an app of its own, with some settings changed."""
    clients: list[httpx2.AsyncClient] = []

    def make(**changes: Any) -> Api:
        app = create_app(dataclasses.replace(settings, **changes), manage_database=False)
        transport = httpx2.ASGITransport(app=app, client=("203.0.113.50", 50000))
        client = httpx2.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        return Api(client, SECRET)

    yield make
    for client in clients:
        await client.aclose()


async def test_the_cost_is_reported(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    body = (
        await api.post("{ me { id } notifications(first: 5) { edges { node { id } } } }")
    ).json()
    assert body["extensions"]["cost"]["requested"] == 1 + 1 + 5 * 2
    default_page = (await api.post("{ notifications { edges { node { id } } } }")).json()
    assert default_page["extensions"]["cost"]["requested"] == 1 + 20 * 2


async def test_variables_and_their_defaults_count_in_the_cost(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    query = "query($n: Int = 100) { notifications(first: $n) { edges { node { id } } } }"
    by_default = (await api.post(query)).json()
    assert by_default["extensions"]["cost"]["requested"] == 201
    given = (await api.post(query, {"n": 3})).json()
    assert given["extensions"]["cost"]["requested"] == 7


async def test_a_query_over_the_cost_limit_is_refused_before_running(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    aliases = " ".join(f"u{i}: {USERS_PAGE}" for i in range(25))  # 25 * 201 = 5025 > 5000
    response = await api.client.post(
        "/graphql",
        json={"query": "{ " + aliases + " }"},
        headers={"X-CSRF-Token": api.csrf(), "Accept": GRAPHQL_RESPONSE},
    )
    body = response.json()
    assert codes(body) == ["COST_LIMIT"]
    assert body["errors"][0]["extensions"]["cost"] == 5025
    assert body["errors"][0]["extensions"]["limit"] == 5000
    assert "data" not in body
    assert response.status_code == 400
    assert body["extensions"]["cost"]["requested"] == 5025


async def test_a_mutation_over_the_cost_limit_changes_nothing(custom_api: Any) -> None:
    api = custom_api(max_query_cost=3)
    await make_user("admin@example.com", ["ADMIN"])
    assert (await api.login("admin@example.com", PASSWORD))["userErrors"] == []
    response = await api.post(
        'mutation { createTeam(input: {name: "一组"}) { team { members { user { id } } } } }'
    )
    assert codes(response.json()) == ["COST_LIMIT"]
    assert not await Team.filter(name="一组").exists()


async def test_a_token_is_rate_limited_on_cost_per_minute(custom_api: Any) -> None:
    api = custom_api(cost_per_minute=50)
    await api.sign_up("赵磊", "13800138000")
    bearer = Api(api.client, SECRET)  # the same app, authenticated by the token alone
    bearer.token = (await issue_token(api, ["notifications:read"]))["secret"]
    query = "{ notifications(first: 20) { edges { node { id } } } }"  # 41
    first = (await bearer.post(query)).json()
    assert "errors" not in first
    assert first["data"]["notifications"]["edges"]
    second = (await bearer.post(query)).json()
    assert codes(second) == ["RATE_LIMITED"]
    assert "50" in second["errors"][0]["message"]
    assert "data" not in second
    # Sessions are not metered this way; the page still works for the person.
    assert (await api.gql(query))["notifications"]["edges"]


async def test_an_over_deep_query_is_refused(api: Api) -> None:
    deep = "{ me " + "{ a " * 13 + "{ id }" + " }" * 13 + " }"
    response = await api.client.post(
        "/graphql", json={"query": deep}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert any("exceeds maximum operation depth of 12" in m for m in messages), messages


async def test_the_depth_limit_comes_from_the_settings(custom_api: Any) -> None:
    api = custom_api(max_query_depth=2)
    response = await api.client.post(
        "/graphql",
        json={"query": "{ notifications { edges { node { id } } } }"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert "maximum operation depth of 2" in response.json()["errors"][0]["message"]


async def test_too_many_aliases_are_refused(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    response = await api.client.post(
        "/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]
    fine = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert (await api.client.post("/graphql", json={"query": fine})).status_code == 200


async def test_a_huge_query_is_refused_by_its_token_count(api: Api) -> None:
    query = "{ " + "__typename " * 2100 + "}"
    response = await api.client.post(
        "/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert "token" in response.json()["errors"][0]["message"].lower()
    assert "data" not in response.json()


async def test_the_staff_cost_limit_allows_ordinary_pages(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    body = (
        await admin.post(
            "{ users(first: 100) { totalCount edges { node { id roles } } }"
            " teams(first: 100) { edges { node { members { user { name } } } } } }"
        )
    ).json()
    assert "errors" not in body
    assert body["data"]["users"]["totalCount"] == 1
