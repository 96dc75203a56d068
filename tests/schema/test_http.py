"""GraphQL over HTTP: media types, status codes, methods, and bad input never being a 500."""

from __future__ import annotations

import json
import re

import httpx2
import pytest

from tests.conftest import Api
from tests.schema.helpers import codes

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _post(client: httpx2.AsyncClient, body: object, accept: str | None = None):
    headers = {"Accept": accept} if accept else {}
    return await client.post("/graphql", json=body, headers=headers)


async def test_graphql_response_media_type_is_answered_when_asked_for(
    client: httpx2.AsyncClient,
) -> None:
    response = await _post(client, {"query": "{ __typename }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_validation_error_is_400_with_graphql_response_and_200_with_json(
    client: httpx2.AsyncClient,
) -> None:
    modern = await _post(client, {"query": "{ noSuchField }"}, GRAPHQL_RESPONSE)
    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in modern.json()
    assert "noSuchField" in modern.json()["errors"][0]["message"]
    legacy = await _post(client, {"query": "{ noSuchField }"}, "application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert "data" not in legacy.json()
    assert legacy.json()["errors"]


async def test_an_unknown_operation_name_is_a_clear_400(client: httpx2.AsyncClient) -> None:
    body = {"query": "query A { __typename } query B { __typename }", "operationName": "C"}
    modern = await _post(client, body, GRAPHQL_RESPONSE)
    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "'C'" in modern.json()["errors"][0]["message"]
    assert codes(modern.json()) == ["UNKNOWN_OPERATION"]
    legacy = await _post(client, body, "application/json")
    assert legacy.status_code == 200
    assert "'C'" in legacy.json()["errors"][0]["message"]


async def test_several_operations_without_a_name_are_a_clear_error(
    client: httpx2.AsyncClient,
) -> None:
    body = {"query": "query A { __typename } query B { __typename }"}
    response = await _post(client, body, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "operationName" in response.json()["errors"][0]["message"]
    assert codes(response.json()) == ["OPERATION_NAME_REQUIRED"]
    chosen = await _post(client, {**body, "operationName": "B"}, GRAPHQL_RESPONSE)
    assert chosen.status_code == 200
    assert chosen.json()["data"] == {"__typename": "Query"}


async def test_a_query_runs_over_get(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query Q($n: Int) { notifications(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"notifications": {"totalCount": 0}}


async def test_a_mutation_over_get_is_405(client: httpx2.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { logout { ok } }"})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert "POST" in response.json()["errors"][0]["message"]


async def test_a_subscription_over_http_is_refused_with_a_clear_message(
    client: httpx2.AsyncClient,
) -> None:
    response = await _post(client, {"query": "subscription { me { id } }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "WebSocket" in response.json()["errors"][0]["message"]


async def test_other_methods_are_405(client: httpx2.AsyncClient) -> None:
    response = await client.put("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405


async def test_a_wrong_content_type_is_415(client: httpx2.AsyncClient, api: Api) -> None:
    await api.prime()
    response = await client.post(
        "/graphql",
        content=b"{ __typename }",
        headers={"Content-Type": "application/graphql", "X-CSRF-Token": api.csrf()},
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_malformed_json_is_400(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b'{"query": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        [{"query": "{ __typename }"}],
        {"query": 5},
        {"query": ""},
        {},
        {"query": "{ __typename }", "variables": [1]},
        {"query": "{ __typename }", "variables": "{not json"},
        {"query": "{ __typename }", "operationName": 7},
        "just a string",
        None,
    ],
)
async def test_malformed_request_bodies_are_400_not_500(
    client: httpx2.AsyncClient, body: object
) -> None:
    response = await client.post(
        "/graphql", content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "query",
    [
        "{",
        "{ me { id } ",
        "query ($x: NoSuchType) { me { id } }",
        '{ users(first: "ten") { totalCount } }',
        "subscription { me { id } }",
        "{ me { id } } fragment F on User { ...F }",
        "\x00",
    ],
)
async def test_bad_documents_are_errors_never_500(client: httpx2.AsyncClient, query: str) -> None:
    response = await _post(client, {"query": query}, GRAPHQL_RESPONSE)
    assert response.status_code == 400, response.text
    assert response.json()["errors"]
    assert "INTERNAL_ERROR" not in codes(response.json())


async def test_a_variable_of_the_wrong_type_is_an_error_not_a_500(
    client: httpx2.AsyncClient,
) -> None:
    response = await _post(
        client,
        {"query": "query($n: Int) { users(first: $n) { totalCount } }", "variables": {"n": "x"}},
        GRAPHQL_RESPONSE,
    )
    assert response.status_code == 400
    assert "data" not in response.json()
    assert "$n" in response.json()["errors"][0]["message"]


async def test_a_bad_cursor_is_reported_as_bad_cursor(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    for cursor in ["not base64 !!", "W10", "WyJ4Il0", "WzFd" + "x" * 3, "e30"]:
        response = await api.post(
            "query($a: String) { notifications(after: $a) { totalCount } }", {"a": cursor}
        )
        body = response.json()
        assert response.status_code == 200
        assert codes(body) == ["BAD_CURSOR"], (cursor, body)


@pytest.mark.postgres
async def test_a_cursor_of_the_wrong_type_or_range_is_bad_cursor_on_every_database(
    api: Api,
) -> None:
    import base64

    await api.sign_up("赵磊", "13800138000")
    for values in (["x"], [2**70], [1.5], [True], [None]):
        cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        response = await api.post(
            "query($a: String) { notifications(after: $a) { totalCount } }", {"a": cursor}
        )
        assert codes(response.json()) == ["BAD_CURSOR"], (values, response.json())


async def test_a_page_over_100_is_bad_page_size(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    for first in (101, -1):
        response = await api.post(
            "query($n: Int) { notifications(first: $n) { totalCount } }", {"n": first}
        )
        assert codes(response.json()) == ["BAD_PAGE_SIZE"]
        assert "100" in response.json()["errors"][0]["message"]
    ok = await api.gql("{ notifications(first: 100) { totalCount } }")
    assert ok["notifications"]["totalCount"] == 1


async def test_graphiql_is_served_to_a_browser(client: httpx2.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "X-CSRF-Token" in response.text


async def test_graphiql_runs_only_its_own_inline_script_and_cannot_be_framed(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    inline = re.findall(r"<script(?: nonce=\"([^\"]*)\")?>", response.text)
    assert inline == [nonce.group(1)]
    again = await client.get("/graphql", headers={"Accept": "text/html"})
    assert again.headers["content-security-policy"] != policy, "a fresh nonce each time"


async def test_an_unacceptable_accept_header_is_406(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 406
