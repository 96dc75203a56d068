"""CSRF: cookie-authenticated writes carry a token bound to the session (or, signed out, to the
visitor's pre-session id)."""

from __future__ import annotations

import httpx2

from backend.security import csrf_token_for
from tests.conftest import Api
from tests.schema.helpers import issue_token

ME = "{ me { id name } }"


async def _signed_up(api: Api) -> None:
    result = await api.sign_up("赵磊", "13800138000")
    assert result["userErrors"] == []


async def test_a_cookie_authenticated_post_without_a_token_is_403_csrf_failed(api: Api) -> None:
    await _signed_up(api)
    response = await api.client.post("/graphql", json={"query": ME})
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CSRF_FAILED"
    assert error["message"]
    assert "data" not in response.json()


async def test_a_wrong_csrf_token_is_403(api: Api) -> None:
    await _signed_up(api)
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


async def test_the_refusal_is_in_the_visitors_language(api: Api) -> None:
    await _signed_up(api)
    chinese = await api.client.post("/graphql", json={"query": ME})
    api.client.cookies.set("sh_lang", "en")
    english = await api.client.post("/graphql", json={"query": ME})
    assert english.status_code == chinese.status_code == 403
    assert "Reload the page" in english.json()["errors"][0]["message"]
    assert chinese.json()["errors"][0]["message"] != english.json()["errors"][0]["message"]


async def test_a_non_ascii_csrf_token_is_refused_not_a_500(api: Api) -> None:
    await _signed_up(api)
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"X-CSRF-Token": "é".encode("latin-1")}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


async def test_the_right_token_lets_the_write_through(api: Api) -> None:
    await _signed_up(api)
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"X-CSRF-Token": api.csrf()}
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["name"] == "赵磊"


async def test_a_multipart_post_without_a_token_is_403_even_without_a_session(
    client: httpx2.AsyncClient,
) -> None:
    assert not client.cookies.get("sh_session")
    response = await client.post(
        "/graphql",
        data={"operations": '{"query": "{ __typename }"}', "map": "{}"},
        files={"0": ("a.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


async def test_a_multipart_post_cannot_pass_for_json_by_its_boundary(
    client: httpx2.AsyncClient,
) -> None:
    body = (
        b"--application/json\r\n"
        b'Content-Disposition: form-data; name="operations"\r\n\r\n'
        b'{"query": "{ __typename }"}\r\n'
        b"--application/json\r\n"
        b'Content-Disposition: form-data; name="map"\r\n\r\n'
        b"{}\r\n"
        b"--application/json--\r\n"
    )
    response = await client.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=application/json"},
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


async def test_a_multipart_post_with_the_token_in_the_query_string_is_served(api: Api) -> None:
    await api.prime()
    response = await api.client.post(
        "/graphql",
        params={"csrf_token": api.csrf()},
        data={"operations": '{"query": "{ __typename }"}', "map": "{}"},
        files={"0": ("a.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_bearer_token_request_needs_no_csrf_token(api: Api, new_api) -> None:
    await _signed_up(api)
    token = (await issue_token(api, ["notifications:read"]))["secret"]
    # Even with the browser's cookies along, a bearer request is judged by its token.
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["name"] == "赵磊"


async def test_a_json_post_without_a_session_cookie_is_exempt(client: httpx2.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 200
    assert response.json()["data"] == {"me": None}


async def test_logging_in_without_a_session_needs_no_csrf_token_but_sets_a_new_one(
    client: httpx2.AsyncClient, api: Api
) -> None:
    await _signed_up(api)
    await api.gql("mutation { logout { ok } }")
    before = api.client.cookies.get("sh_csrf")
    fresh = Api(client, api.secret)
    client.cookies.clear()
    response = await client.post(
        "/graphql",
        json={
            "query": "mutation($i: LoginInput!) { login(input: $i) { user { name } } }",
            "variables": {"i": {"identifier": "13800138000", "password": "correct horse battery"}},
        },
    )
    assert response.status_code == 200
    assert response.json()["data"]["login"]["user"]["name"] == "赵磊"
    assert client.cookies.get("sh_session")
    assert fresh.csrf() != ""
    assert client.cookies.get("sh_csrf") != before


async def test_a_form_post_elsewhere_needs_the_token_too(api: Api) -> None:
    await _signed_up(api)
    response = await api.client.post("/graphql", data={"query": "{ __typename }"})
    assert response.status_code == 403


def _replace_cookie(api: Api, name: str, value: str) -> None:
    api.client.cookies.delete(name)
    api.client.cookies.set(name, value)


async def test_a_planted_visitor_cookie_and_its_token_do_not_pass_for_a_session(
    api: Api,
) -> None:
    """A sibling host can set the victim's CSRF cookie to a value whose token it knows; once the
    victim is signed in, that token is worth nothing."""
    await _signed_up(api)
    planted = "planted-by-a-sibling-host"
    _replace_cookie(api, "sh_csrf", planted)
    known = csrf_token_for(api.secret, session_cookie=None, visitor_id=planted)
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"X-CSRF-Token": known}
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    # The session's own token still works with the planted cookie in place.
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"X-CSRF-Token": api.csrf()}
    )
    assert response.json()["data"]["me"]["name"] == "赵磊"


async def test_one_sessions_token_does_not_work_for_another(api: Api, new_api) -> None:
    await _signed_up(api)
    other = new_api()
    assert (await other.login("13800138000"))["userErrors"] == []
    _replace_cookie(other, "sh_csrf", api.client.cookies.get("sh_csrf") or "")
    response = await other.client.post(
        "/graphql", json={"query": ME}, headers={"X-CSRF-Token": api.csrf()}
    )
    assert response.status_code == 403
