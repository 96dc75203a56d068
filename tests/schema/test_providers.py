"""Providers: staff read the list; admins create and update them, with versions."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.enterprises import Provider
from tests.conftest import Api
from tests.schema.helpers import signed_in

CREATE = """mutation($input: CreateProviderInput!) { createProvider(input: $input) {
    provider { id name contactPhone email active version } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
    provider { id name active version } userErrors { field code message } } }"""
PROVIDERS = """query($n: Int, $after: String) { providers(first: $n, after: $after) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { id name version } } } }"""


def _codes(payload: dict[str, Any]) -> dict[str, str]:
    return {".".join(e["field"] or []): e["code"] for e in payload["userErrors"]}


async def _create(admin: Api, **fields: Any) -> dict[str, Any]:
    data = await admin.gql(CREATE, {"input": {"name": "浙江知联法律服务平台", **fields}})
    return dict(data["createProvider"])


@pytest.mark.postgres
async def test_an_admin_creates_and_updates_a_provider(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    created = await _create(admin, contactPhone="0571 86001234", email="Service@ZhiLian.example.cn")
    assert created["userErrors"] == []
    provider = created["provider"]
    assert provider["contactPhone"] == "0571-86001234"
    assert provider["email"] == "service@zhilian.example.cn"
    assert provider["version"] == 1
    update = {"providerId": provider["id"], "name": "知联法律", "active": False}
    updated = await admin.gql(UPDATE, {"input": {**update, "expectedVersion": 1}})
    assert updated["updateProvider"]["provider"] == {
        "id": provider["id"],
        "name": "知联法律",
        "active": False,
        "version": 2,
    }
    stale = await admin.gql(UPDATE, {"input": {**update, "expectedVersion": 1}})
    assert _codes(stale["updateProvider"]) == {"": "STALE"}


@pytest.mark.postgres
async def test_every_problem_with_a_provider_is_named(new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    await _create(admin)
    payload = await _create(admin, contactPhone="12", email="not-an-address")
    assert _codes(payload) == {
        "name": "NAME_TAKEN",
        "contactPhone": "INVALID_CONTACT_PHONE",
        "email": "INVALID_EMAIL",
    }
    assert await Provider.all().count() == 1


@pytest.mark.postgres
async def test_only_admins_change_providers(api: Api, new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    provider = (await _create(admin))["provider"]
    await api.sign_up("赵磊", "13800138000")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER", "SUPERVISOR"])
    anonymous: Api = new_api()
    update = {"providerId": provider["id"], "name": "改名", "expectedVersion": 1}
    for viewer, code in (
        (api, "FORBIDDEN"),
        (auditor, "FORBIDDEN"),
        (handler, "FORBIDDEN"),
        (anonymous, "NOT_AUTHENTICATED"),
    ):
        assert _codes(await _create(viewer, name="另一家")) == {"": code}
        assert _codes((await viewer.gql(UPDATE, {"input": update}))["updateProvider"]) == {"": code}
    assert [p.name for p in await Provider.all()] == ["浙江知联法律服务平台"]


@pytest.mark.postgres
async def test_staff_read_providers_page_by_page(api: Api, new_api) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    for i in range(3):
        await _create(admin, name=f"服务商{i}")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])
    for viewer in (admin, auditor, handler):
        first = (await viewer.gql(PROVIDERS, {"n": 2}))["providers"]
        assert first["totalCount"] == 3
        assert [e["node"]["name"] for e in first["edges"]] == ["服务商0", "服务商1"]
        after = first["pageInfo"]["endCursor"]
        rest = (await viewer.gql(PROVIDERS, {"n": 2, "after": after}))["providers"]
        assert [e["node"]["name"] for e in rest["edges"]] == ["服务商2"]
    await api.sign_up("赵磊", "13800138000")
    anonymous: Api = new_api()
    for viewer in (api, anonymous):
        assert (await viewer.gql(PROVIDERS, {"n": 2}))["providers"]["totalCount"] == 0
