"""The JSON a request brings is bounded in depth (backend/graphql_http.py): 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from backend.graphql_http import MAX_JSON_DEPTH
from tests.conftest import Api
from tests.schema.helpers import codes

QUERY = "query($v: JSON) { __typename }"


def nested(depth: int) -> str:
    """A JSON value of arrays `depth` deep, as text (the parser must not even recurse on it)."""
    return "[" * depth + "]" * depth


async def post(api: Api, body: str, accept: str = "application/json") -> httpx2.Response:
    return await api.client.post(
        "/graphql",
        content=body.encode(),
        headers={"content-type": "application/json", "accept": accept},
    )


def too_deep(response: httpx2.Response) -> None:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert codes(body) == ["JSON_TOO_DEEP"]
    assert str(MAX_JSON_DEPTH) in body["errors"][0]["message"]


async def test_a_body_nested_a_thousand_deep_is_400_before_any_sign_in(api: Api) -> None:
    too_deep(await post(api, nested(1000)))
    too_deep(await post(api, nested(100_000), accept="application/graphql-response+json"))


async def test_variables_nested_past_the_bound_are_400(api: Api) -> None:
    body = f'{{"query": "{QUERY}", "variables": {{"v": {nested(MAX_JSON_DEPTH)}}}}}'
    too_deep(await post(api, body))


async def test_variables_within_the_bound_run(api: Api) -> None:
    # The body object and the variables object are two levels of the bound.
    query = "query($v: JSON!) { checkApplication(input: {formData: $v}) { passed } }"
    body = f'{{"query": "{query}", "variables": {{"v": {nested(MAX_JSON_DEPTH - 2)}}}}}'
    response = await post(api, body)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text


async def test_variables_sent_as_text_in_a_get_are_bounded_too(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": QUERY, "variables": json.dumps({"v": json.loads(nested(40))})}
    )
    too_deep(response)


async def test_deep_multipart_operations_are_400(api: Api) -> None:
    await api.prime()
    response = await api.client.post(
        "/graphql",
        params={"csrf_token": api.csrf()},
        data={"operations": nested(1000), "map": "{}"},
        files={"0": ("a.pdf", b"%PDF-1.4", "application/pdf")},
    )
    too_deep(response)
    response = await api.client.post(
        "/graphql",
        params={"csrf_token": api.csrf()},
        data={"operations": json.dumps({"query": QUERY}), "map": nested(1000)},
        files={"0": ("a.pdf", b"%PDF-1.4", "application/pdf")},
    )
    too_deep(response)
