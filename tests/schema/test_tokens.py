"""API tokens: shown once, bearer auth, scopes, expiry, revocation, last use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.models.accounts import ApiToken, Team
from backend.models.events import Event
from backend.services.accounts import tokens
from backend.services.core.actors import Actor
from backend.services.core.errors import PermissionDenied
from tests.conftest import Api
from tests.schema.helpers import CREATE_TOKEN, codes, issue_token, signed_in

TOKENS = "{ apiTokens { edges { node { id name prefix scopes lastUsedAt revokedAt } } } }"


async def _applicant(api: Api) -> None:
    assert (await api.sign_up("赵磊", "13800138000"))["userErrors"] == []


def _bearer(new_api, secret: str) -> Api:
    client: Api = new_api()
    client.token = secret
    return client


@pytest.mark.postgres
async def test_the_secret_is_returned_once_and_never_listed(api: Api) -> None:
    await _applicant(api)
    payload = await issue_token(api, ["notifications:read"], name="ERP")
    secret = payload["secret"]
    assert secret.startswith(payload["apiToken"]["prefix"] + "_")
    assert payload["apiToken"]["scopes"] == ["notifications:read"]
    listed = await api.post(TOKENS)
    assert secret not in listed.text
    # The random part may itself hold "_" (URL-safe base64): cut at the prefix, not at a "_".
    secret_part = secret.removeprefix(payload["apiToken"]["prefix"] + "_")
    assert len(secret_part) >= 32
    assert secret_part not in listed.text
    nodes = [e["node"] for e in listed.json()["data"]["apiTokens"]["edges"]]
    assert [n["name"] for n in nodes] == ["ERP"]
    stored = await ApiToken.get(name="ERP")
    assert secret_part not in stored.secret_hash


@pytest.mark.postgres
async def test_bearer_auth_works_and_records_the_last_use(api: Api, new_api) -> None:
    await _applicant(api)
    payload = await issue_token(api, ["notifications:read"])
    assert payload["apiToken"]["lastUsedAt"] is None
    integrator = _bearer(new_api, payload["secret"])
    me = await integrator.gql("{ me { name } notifications { totalCount } }")
    assert me["me"]["name"] == "赵磊"
    assert me["notifications"]["totalCount"] == 1
    listed = await api.gql(TOKENS)
    assert listed["apiTokens"]["edges"][0]["node"]["lastUsedAt"] is not None


@pytest.mark.postgres
async def test_scopes_limit_what_a_token_may_run(api: Api, new_api) -> None:
    await _applicant(api)
    integrator = _bearer(new_api, (await issue_token(api, ["notifications:read"]))["secret"])
    for query in [
        "{ users { totalCount } }",
        "{ teams { totalCount } }",
        "{ me { id } users { totalCount } }",
        "{ ... on Query { users { totalCount } } }",
        "query { ...Sneaky } fragment Sneaky on Query { teams { totalCount } }",
    ]:
        response = await integrator.post(query)
        body = response.json()
        assert codes(body) == ["FORBIDDEN_SCOPE"], (query, body)
        assert "data" not in body or body["data"] is None
    marked = await integrator.post("mutation { markNotificationsRead(input: {}) { marked } }")
    assert codes(marked.json()) == ["FORBIDDEN_SCOPE"]
    assert "notifications:write" in marked.json()["errors"][0]["message"]


@pytest.mark.postgres
async def test_a_refused_operation_does_nothing(api: Api, new_api) -> None:
    await signed_in(new_api, "admin@example.com", ["ADMIN"])
    admin = await signed_in(new_api, "admin2@example.com", ["ADMIN"])
    integrator = _bearer(new_api, (await issue_token(admin, ["teams:read"]))["secret"])
    response = await integrator.post(
        'mutation { createTeam(input: {name: "Sneaky"}) { team { id } } }'
    )
    assert codes(response.json()) == ["FORBIDDEN_SCOPE"]
    assert not await Team.filter(name="Sneaky").exists()


async def test_an_expired_token_is_401_invalid_token(api: Api, new_api) -> None:
    await _applicant(api)
    payload = await issue_token(api, ["notifications:read"])
    await ApiToken.filter(prefix=payload["apiToken"]["prefix"][3:]).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    response = await _bearer(new_api, payload["secret"]).post("{ me { id } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
    assert "expired" in response.json()["errors"][0]["message"]
    assert "invalid_token" in response.headers["www-authenticate"]


@pytest.mark.postgres
async def test_a_revoked_token_is_401(api: Api, new_api) -> None:
    await _applicant(api)
    payload = await issue_token(api, ["notifications:read"])
    integrator = _bearer(new_api, payload["secret"])
    assert (await integrator.post("{ me { id } }")).status_code == 200
    revoked = await api.gql(
        """mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) {
             apiToken { revokedAt } userErrors { code } } }""",
        {"id": payload["apiToken"]["id"]},
    )
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    response = await integrator.post("{ me { id } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
    assert "revoked" in response.json()["errors"][0]["message"]
    kinds = (
        await Event.filter(aggregate_type="api_token")
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == ["TOKEN_CREATED", "TOKEN_REVOKED"]


@pytest.mark.parametrize("bearer", ["nonsense", "sh_abc_def", "sh__", "", "sh_" + "x" * 200])
async def test_an_unknown_or_malformed_token_is_401(client, bearer: str) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {bearer}"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_another_users_token_cannot_be_revoked(api: Api, new_api) -> None:
    await _applicant(api)
    payload = await issue_token(api, ["notifications:read"])
    other = new_api()
    await other.sign_up("钱七", "13900139000")
    result = await other.gql(
        """mutation($id: ID!) { revokeApiToken(input: {apiTokenId: $id}) {
             apiToken { id } userErrors { code } } }""",
        {"id": payload["apiToken"]["id"]},
    )
    assert [e["code"] for e in result["revokeApiToken"]["userErrors"]] == ["NOT_FOUND"]
    assert (await _bearer(new_api, payload["secret"]).post("{ me { id } }")).status_code == 200


@pytest.mark.postgres
async def test_a_token_cannot_create_tokens(api: Api, new_api) -> None:
    await _applicant(api)
    integrator = _bearer(new_api, (await issue_token(api, ["accounts:write"]))["secret"])
    response = await integrator.post(
        CREATE_TOKEN, {"input": {"name": "child", "scopes": ["accounts:read"]}}
    )
    assert codes(response.json()) == ["TOKEN_NOT_ALLOWED"]
    assert await ApiToken.filter().count() == 1
    # The rule is the service's too, for any other caller.
    holder = Actor(user_id=1, token_id=1, scopes=frozenset({"accounts:write"}))
    with pytest.raises(PermissionDenied) as refused:
        await tokens.create(holder, "child", ["accounts:read"], None)
    assert refused.value.problems[0].code == "TOKEN_NOT_ALLOWED"


async def test_token_input_is_checked(api: Api) -> None:
    await _applicant(api)
    result = (
        await api.gql(
            CREATE_TOKEN,
            {
                "input": {
                    "name": " ",
                    "scopes": ["notifications:read", "root"],
                    "expiresAt": "2001-01-01T00:00:00Z",
                }
            },
        )
    )["createApiToken"]
    assert {(tuple(e["field"]), e["code"]) for e in result["userErrors"]} == {
        (("name",), "REQUIRED"),
        (("scopes", "1"), "UNKNOWN_SCOPE"),
        (("expiresAt",), "IN_THE_PAST"),
    }
    assert result["secret"] is None


async def test_an_expiry_without_an_offset_is_read_as_utc_not_a_500(api: Api) -> None:
    await _applicant(api)
    past = await api.gql(
        CREATE_TOKEN,
        {"input": {"name": "a", "scopes": ["teams:read"], "expiresAt": "2001-01-01T00:00:00"}},
    )
    assert [e["code"] for e in past["createApiToken"]["userErrors"]] == ["IN_THE_PAST"]
    future = await issue_token(api, ["teams:read"], expires_at="2999-01-01T00:00:00")
    assert future["apiToken"]["expiresAt"].startswith("2999-01-01T00:00:00")


async def test_a_signed_out_visitor_cannot_create_tokens(api: Api) -> None:
    result = await api.gql(CREATE_TOKEN, {"input": {"name": "x", "scopes": ["teams:read"]}})
    assert [e["code"] for e in result["createApiToken"]["userErrors"]] == ["NOT_AUTHENTICATED"]
