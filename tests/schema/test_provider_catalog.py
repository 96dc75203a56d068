"""Providers in the catalog: an item version served by several (the primary first), edited by
admins; the enterprise's choice on submit; the directory enterprises read (in fixed SQL)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.catalog import ItemVersionProvider
from backend.models.enterprises import Provider
from tests.schema.catalog_helpers import (
    CREATE_ITEM,
    UPDATE_ITEM,
    admin_client,
    create_category,
    item_input,
    publish,
)
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login
from tests.schema.provider_helpers import provider_park

PROVIDERS = "id providerId providers { id name primary } version"
CREATE = CREATE_ITEM.replace("serviceItem {", f"serviceItem {{ {PROVIDERS} ", 1)
UPDATE = UPDATE_ITEM.replace("serviceItem {", f"serviceItem {{ {PROVIDERS} ", 1)
DIRECTORY = """query($first: Int) { providerDirectory(first: $first) { edges { node {
    name description serves { id name } } } } }"""


def _pid(p: Provider) -> str:
    return global_id("Provider", p.id)


@pytest.mark.postgres
async def test_admins_list_an_items_providers_the_primary_first(new_api: Any) -> None:
    admin = await admin_client(new_api)
    category = await create_category(admin, "物业服务")
    a, b, c = [await Provider.create(name=n) for n in ("甲服务商", "乙服务商", "丙服务商")]
    fields = item_input("空调维修", fulfilment="PROVIDER", providerId=_pid(a),
                        providerIds=[_pid(c), _pid(a), _pid(b)])  # fmt: skip
    made = await admin.gql(CREATE, {"input": {"categoryId": category["id"], **fields}})
    payload = made["createServiceItem"]
    assert payload["userErrors"] == []
    item = payload["serviceItem"]
    assert [(p["name"], p["primary"]) for p in item["providers"]] == [
        ("甲服务商", True), ("丙服务商", False), ("乙服务商", False),
    ]  # fmt: skip

    # A new version lists its own; the published one keeps what it had.
    published = await publish(admin, item)
    changed = item_input("空调维修", fulfilment="PROVIDER", providerId=_pid(b), providerIds=[])
    edit = {"serviceItemId": item["id"], "expectedVersion": published["version"], **changed}
    updated = await admin.gql(UPDATE, {"input": edit})
    assert updated["updateServiceItem"]["userErrors"] == []
    assert await ItemVersionProvider.all().count() == 4

    # Bad lists: an unknown provider, providers for an item the park handles itself.
    unknown = item_input("电梯维保", fulfilment="PROVIDER", providerId=_pid(a),
                         providerIds=[global_id("Provider", 999999)])  # fmt: skip
    refused = await admin.gql(CREATE, {"input": {"categoryId": category["id"], **unknown}})
    assert [(e["field"], e["code"]) for e in refused["createServiceItem"]["userErrors"]] == [
        (["providerIds", "0"], "NOT_FOUND")
    ]
    in_house = item_input("保洁", providerIds=[_pid(a)])
    refused = await admin.gql(CREATE, {"input": {"categoryId": category["id"], **in_house}})
    assert [(e["field"], e["code"]) for e in refused["createServiceItem"]["userErrors"]] == [
        (["providerIds"], "PROVIDER_REQUIRED")
    ]


@pytest.mark.postgres
async def test_the_directory_shows_what_each_provider_serves_in_fixed_sql(
    new_api: Any, sql_counter: Any
) -> None:
    world = await provider_park()
    applicant = await login(new_api, world.park.applicant)
    for n in range(3):
        await Provider.create(name=f"其他服务商{n}", description="暂无服务")
    await applicant.gql(DIRECTORY, {"first": 2})
    sql_counter.reset()
    small = await applicant.gql(DIRECTORY, {"first": 2})
    few = sql_counter.count
    sql_counter.reset()
    found = await applicant.gql(DIRECTORY, {"first": 20})
    assert sql_counter.count == few  # the page size does not change the statements
    assert len(small["providerDirectory"]["edges"]) == 2
    served = {e["node"]["name"]: [i["name"] for i in e["node"]["serves"]]
              for e in found["providerDirectory"]["edges"]}  # fmt: skip
    assert served[world.first.name] == [world.item.name_zh]
    assert served[world.second.name] == [world.item.name_zh]
    assert served["其他服务商0"] == []
    # A provider's own staff do not read the directory.
    staff = await login(new_api, world.staff)
    assert (await staff.gql(DIRECTORY, {"first": 20}))["providerDirectory"]["edges"] == []


SUBMIT = """mutation($input: ApplicationInput!) { submitApplication(input: $input) {
    application { id status } order { id } userErrors { field code message } } }"""


@pytest.mark.postgres
async def test_the_enterprise_chooses_its_provider_when_it_submits(new_api: Any) -> None:
    from backend.models.applications import Application
    from backend.models.catalog import ReviewMode
    from backend.models.orders import Order

    world = await provider_park()
    world.version.review_mode = ReviewMode.AUTO
    await world.version.save()
    applicant = await login(new_api, world.park.applicant)
    stranger = await Provider.create(name="不相干服务商")
    base = {
        "serviceItemId": global_id("ServiceItem", world.item.id),
        "enterpriseId": global_id("Enterprise", world.park.enterprise.id),
        "formData": {},
    }

    refused = await applicant.gql(SUBMIT, {"input": {**base, "providerId": _pid(stranger)}})
    errors = refused["submitApplication"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["providerId"], "NOT_ITS_PROVIDER")]
    assert errors[0]["message"]
    assert await Application.all().count() == 0

    chosen = await applicant.gql(SUBMIT, {"input": {**base, "providerId": _pid(world.second)}})
    payload = chosen["submitApplication"]
    assert payload["userErrors"] == [] and payload["order"] is not None
    order = await Order.get()
    assert (order.provider_id, order.team_id) == (world.second.id, world.park.team.id)


CREATE_STAFF = """mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) {
    user { id roles } userErrors { field code message } } }"""


@pytest.mark.postgres
async def test_admins_make_a_provider_account_for_one_provider(new_api: Any) -> None:
    from backend.models.accounts import User

    admin = await admin_client(new_api)
    provider = await Provider.create(name="甲服务商")

    def staff(login: str, roles: list[str], **more: Any) -> dict[str, Any]:
        return {"input": {"name": "甲服务商 小王", "email": login, "password": "S3rvice-hall-pw",
                          "roles": roles, **more}}  # fmt: skip

    def codes(data: dict[str, Any]) -> list[tuple[list[str], str]]:
        return [(e["field"], e["code"]) for e in data["createStaffUser"]["userErrors"]]

    unlinked = await admin.gql(CREATE_STAFF, staff("a@p.cn", ["PROVIDER"]))
    assert codes(unlinked) == [(["providerId"], "PROVIDER_ACCOUNT_UNLINKED")]
    handler = await admin.gql(CREATE_STAFF, staff("b@p.cn", ["HANDLER"], providerId=_pid(provider)))
    assert codes(handler) == [(["providerId"], "NOT_A_PROVIDER_ACCOUNT")]
    made = await admin.gql(CREATE_STAFF, staff("c@p.cn", ["PROVIDER"], providerId=_pid(provider)))
    assert codes(made) == []
    assert (await User.get(email="c@p.cn")).provider_id == provider.id
    assert not await User.filter(email__in=["a@p.cn", "b@p.cn"]).exists()
