"""Linking an existing account to a provider (`linkUserToProvider`): admins only; a person
without the service provider's role, an unknown provider, a stale version are userErrors; once
linked (or moved) the account sees its new provider's orders and no longer the old one's."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Role, User
from tests import builders
from tests.schema.catalog_helpers import admin_client
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login
from tests.schema.provider_helpers import provider_order, provider_park, provider_token, seen

LINK = """mutation($input: LinkUserToProviderInput!) { linkUserToProvider(input: $input) {
    user { id version provider { id name } } userErrors { field code message } } }"""
USERS = """{ users(role: PROVIDER, first: 20) { edges { node { name provider { name } } } } }"""


def _input(user: User, provider_id: str, version: int | None = None) -> dict[str, Any]:
    return {"input": {"userId": global_id("User", user.id), "providerId": provider_id,
                      "expectedVersion": user.version if version is None else version}}  # fmt: skip


def _codes(data: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in data["linkUserToProvider"]["userErrors"]]


@pytest.mark.postgres
async def test_an_admin_links_an_existing_account_to_a_provider(new_api: Any) -> None:
    world = await provider_park()
    order = await provider_order(world)
    mine = await provider_order(world, chosen=world.second)
    admin = await admin_client(new_api)
    # A provider's account made without a provider (roles given afterwards, say).
    person = await builders.user(Role.PROVIDER, "新来的 小赵")
    assert person.provider_id is None
    token = await provider_token(new_api, person)
    assert await seen(token, order) is None

    linked = await admin.gql(LINK, _input(person, global_id("Provider", world.first.id)))
    payload = linked["linkUserToProvider"]
    assert payload["userErrors"] == []
    assert payload["user"]["provider"] == {
        "id": global_id("Provider", world.first.id), "name": world.first.name,
    }  # fmt: skip
    assert (await User.get(id=person.id)).provider_id == world.first.id
    # The token it already had now reaches that provider's orders, and only those.
    assert await seen(token, order) is not None
    assert await seen(token, mine) is None
    listed = await admin.gql(USERS)
    names = {e["node"]["name"]: e["node"]["provider"] for e in listed["users"]["edges"]}
    assert names[person.name] == {"name": world.first.name}

    # Moved to the other provider: the first one's order leaves its view.
    person = await User.get(id=person.id)
    moved = await admin.gql(LINK, _input(person, global_id("Provider", world.second.id)))
    assert _codes(moved) == []
    assert await seen(token, order) is None
    assert await seen(token, mine) is not None


@pytest.mark.postgres
async def test_linking_names_every_problem(new_api: Any) -> None:
    world = await provider_park()
    admin = await admin_client(new_api)
    handler = world.park.handlers[0]
    first = global_id("Provider", world.first.id)

    wrong_role = await admin.gql(LINK, _input(handler, first))
    assert _codes(wrong_role) == [(["userId"], "NOT_A_PROVIDER_ACCOUNT")]
    unknown = await admin.gql(LINK, _input(world.staff, global_id("Provider", 999999)))
    assert _codes(unknown) == [(["providerId"], "NOT_FOUND")]
    both = await admin.gql(LINK, _input(handler, global_id("Provider", 999999)))
    assert sorted(_codes(both)) == [
        (["providerId"], "NOT_FOUND"), (["userId"], "NOT_A_PROVIDER_ACCOUNT"),
    ]  # fmt: skip
    another_type = await admin.gql(LINK, _input(world.staff, global_id("User", handler.id)))
    assert _codes(another_type) == [(["providerId"], "NOT_FOUND")]
    unlinked = await admin.gql(LINK, {"input": {**_input(world.staff, first)["input"],
                                                "providerId": None}})  # fmt: skip
    assert _codes(unlinked) == [(["providerId"], "PROVIDER_ACCOUNT_UNLINKED")]
    nobody_input = {"userId": global_id("User", 999999), "providerId": first, "expectedVersion": 1}
    nobody = await admin.gql(LINK, {"input": nobody_input})
    assert _codes(nobody) == [(["userId"], "NOT_FOUND")]
    stale = await admin.gql(LINK, _input(world.staff, first, version=world.staff.version + 5))
    assert [c for _f, c in _codes(stale)] == ["STALE"]
    assert all(e["message"] for e in wrong_role["linkUserToProvider"]["userErrors"])
    assert (await User.get(id=handler.id)).provider_id is None
    assert (await User.get(id=world.staff.id)).provider_id == world.first.id

    # Only admins: a supervisor, and the provider's account itself, are refused.
    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR, "周主管"))
    refused = await supervisor.gql(LINK, _input(world.other_staff, first))
    assert [c for _f, c in _codes(refused)] == ["FORBIDDEN"]
    itself = await provider_token(new_api, world.other_staff, ["accounts:write"])
    await itself.post(LINK, _input(world.other_staff, first))
    assert (await User.get(id=world.other_staff.id)).provider_id == world.second.id
