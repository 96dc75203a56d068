"""Shared steps for the API tests: people in each role, tokens, global ids."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import PASSWORD, Api, make_user

CREATE_TOKEN = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
    apiToken { id name prefix scopes expiresAt revokedAt lastUsedAt }
    secret userErrors { field code message } } }"""


async def signed_in(new_api: Any, login: str, roles: list[str], name: str = "测试用户") -> Api:
    """A fresh client signed in as a new user with `roles` (created as the CLI does)."""
    await make_user(login, roles, name)
    client: Api = new_api()
    result = await client.login(login, PASSWORD)
    assert result["userErrors"] == [], result
    return client


async def issue_token(
    api: Api, scopes: list[str], name: str = "integration", expires_at: str | None = None
) -> dict[str, Any]:
    data = await api.gql(
        CREATE_TOKEN, {"input": {"name": name, "scopes": scopes, "expiresAt": expires_at}}
    )
    payload = data["createApiToken"]
    assert payload["userErrors"] == [], payload
    return payload


async def token_client(new_api: Any, api: Api, scopes: list[str]) -> Api:
    """A client that authenticates only with a bearer token of `api`'s user."""
    payload = await issue_token(api, scopes)
    client: Api = new_api()
    client.token = payload["secret"]
    return client


def global_id(type_name: str, pk: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
