"""`node(id)` and `nodes(ids)`: own objects found, foreign and unknown ones null, bad ids told."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from graphql import GraphQLInterfaceType

from backend.models.accounts import ApiToken, Notification, User
from backend.models.enterprises import (
    Building,
    Enterprise,
    Floor,
    Membership,
    PremisesBinding,
    Provider,
    Unit,
)
from backend.models.evaluations import Evaluation, Rectification
from backend.models.files import StoredFile
from backend.models.jobs import Job, JobStatus
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import orders
from tests import builders
from tests.conftest import Api
from tests.schema.helpers import codes, global_id, issue_token, signed_in

NODE = """query($id: ID!) { node(id: $id) { __typename id
    ... on Notification { kind } ... on ApiToken { name } ... on User { name } } }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def _two_people(api: Api, new_api) -> tuple[Api, dict, Api, dict]:
    me = (await api.sign_up("赵磊", "13800138000"))["user"]
    other = new_api()
    them = (await other.sign_up("钱七", "13900139000"))["user"]
    return api, me, other, them


@pytest.mark.postgres
async def test_own_objects_are_found_by_id(api: Api, new_api) -> None:
    _, me, _, _ = await _two_people(api, new_api)
    inbox = await api.gql("{ notifications { edges { node { id kind } } } }")
    notification = inbox["notifications"]["edges"][0]["node"]
    token = (await issue_token(api, ["teams:read"], name="ERP"))["apiToken"]
    for wanted, expected in [
        (notification["id"], {"__typename": "Notification", "kind": "WELCOME"}),
        (token["id"], {"__typename": "ApiToken", "name": "ERP"}),
        (me["id"], {"__typename": "User", "name": "赵磊"}),
    ]:
        found = (await api.gql(NODE, {"id": wanted}))["node"]
        assert found is not None
        assert found["id"] == wanted
        assert {k: found[k] for k in expected} == expected


@pytest.mark.postgres
async def test_foreign_objects_are_null(api: Api, new_api) -> None:
    _, _, other, them = await _two_people(api, new_api)
    their_token = (await issue_token(other, ["teams:read"]))["apiToken"]["id"]
    their_notification = (await other.gql("{ notifications { edges { node { id } } } }"))[
        "notifications"
    ]["edges"][0]["node"]["id"]
    for foreign in (their_token, their_notification, them["id"]):
        assert (await api.gql(NODE, {"id": foreign}))["node"] is None
    assert (await api.gql(NODES, {"ids": [their_token, their_notification]}))["nodes"] == [
        None,
        None,
    ]


async def test_unknown_ids_are_null(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    for unknown in (global_id("Notification", 999999), global_id("Spaceship", 1)):
        assert (await api.gql(NODE, {"id": unknown}))["node"] is None


async def test_nodes_answer_in_the_order_asked_with_nulls_in_place(api: Api) -> None:
    me = (await api.sign_up("赵磊", "13800138000"))["user"]
    notification = await Notification.get()
    ids = [global_id("Notification", 999999), me["id"], global_id("Notification", notification.id)]
    found = (await api.gql(NODES, {"ids": ids}))["nodes"]
    assert [n and n["__typename"] for n in found] == [None, "User", "Notification"]
    assert found[1]["id"] == me["id"]


@pytest.mark.parametrize(
    "bad",
    [
        "%%%",
        "bm90LWFuLWlk",  # "not-an-id"
        global_id("User", "abc"),
        global_id("User", -1),
        global_id("User", 2**70),
        global_id("", 1),
        "////",
    ],
)
async def test_a_malformed_id_is_bad_id_not_a_500(api: Api, bad: str) -> None:
    await api.sign_up("赵磊", "13800138000")
    response = await api.post(NODE, {"id": bad})
    body = response.json()
    assert response.status_code == 200
    assert codes(body) == ["BAD_ID"], body
    assert "Malformed id" in body["errors"][0]["message"]
    assert body["data"] == {"node": None}
    many = (await api.post(NODES, {"ids": [bad]})).json()
    assert codes(many) == ["BAD_ID"]


async def test_a_token_lacking_the_types_scope_gets_forbidden_scope(api: Api, new_api) -> None:
    await api.sign_up("赵磊", "13800138000")
    integrator = new_api()
    integrator.token = (await issue_token(api, ["teams:read"]))["secret"]
    notification = await Notification.get()
    token = await ApiToken.get()
    for wanted in (global_id("Notification", notification.id), global_id("ApiToken", token.id)):
        body = (await integrator.post(NODE, {"id": wanted})).json()
        assert codes(body) == ["FORBIDDEN_SCOPE"], body
        assert body["data"] == {"node": None}
    reader = new_api()
    reader.token = (await issue_token(api, ["notifications:read"]))["secret"]
    found = (await reader.gql(NODE, {"id": global_id("Notification", notification.id)}))["node"]
    assert found["kind"] == "WELCOME"


async def test_too_many_ids_are_refused(api: Api) -> None:
    await api.sign_up("赵磊", "13800138000")
    body = (await api.post(NODES, {"ids": [global_id("User", i) for i in range(1, 102)]})).json()
    assert codes(body) == ["TOO_MANY_IDS"]


async def _one_of_each(new_api: Any) -> tuple[Api, dict[str, str], Enterprise]:
    """An admin, and one row of every Node type the admin may see (their own where personal)."""
    admin = await signed_in(new_api, "admin@node.cn", ["ADMIN"], "管理员")
    me = await User.get(email="admin@node.cn")
    team, _ = await builders.team_with_handlers(1)
    item, version = await builders.published_item(team)
    enterprise = await builders.verified_enterprise()
    application = await builders.approved_application(item, version, enterprise, me)
    async with in_transaction() as conn:
        order = await orders.open_order(
            conn, Actor(), application, approved_by_id=None, timezone="Asia/Shanghai"
        )
    building = await Building.create(name="一号楼")
    floor = await Floor.create(building=building, label="1F")
    unit = await Unit.create(floor=floor, label="101")
    binding = await PremisesBinding.create(
        unit=unit, enterprise=enterprise, starts_on=date(2026, 1, 1), open_unit_id=unit.id
    )
    provider = await Provider.create(name="代理记账服务商")
    stored = await StoredFile.create(
        sha256="0" * 64, size=3, mime_type="application/pdf", original_name="a.pdf", uploaded_by=me
    )
    notification = await Notification.create(user=me, kind="WELCOME")
    now = datetime.now(UTC)
    evaluation = await Evaluation.create(
        order_id=order.id, level="DISSATISFIED", reasons=["SLOW"], rater_id=me.id,
        enterprise_id=enterprise.id, item_id=item.id, created_at=now,
    )  # fmt: skip
    rectification = await Rectification.create(
        evaluation_id=evaluation.id, order_id=order.id, call_back_due_at=now, fix_due_at=now,
        created_at=now,
    )  # fmt: skip
    job = await Job.create(
        kind="mail.notice", status=JobStatus.FAILED, run_at=now, created_at=now, attempts=1
    )
    token = (await issue_token(admin, ["teams:read"]))["apiToken"]["id"]
    ids = {
        "User": global_id("User", me.id),
        "ApiToken": token,
        "Notification": global_id("Notification", notification.id),
        "Team": global_id("Team", team.id),
        "Category": global_id("Category", item.category_id),
        "ServiceItem": global_id("ServiceItem", item.id),
        "Enterprise": global_id("Enterprise", enterprise.id),
        "Application": global_id("Application", application.id),
        "Order": global_id("Order", order.id),
        "Building": global_id("Building", building.id),
        "PremisesBinding": global_id("PremisesBinding", binding.id),
        "Provider": global_id("Provider", provider.id),
        "File": global_id("File", stored.id),
        "Job": global_id("Job", job.id),
        "Evaluation": global_id("Evaluation", evaluation.id),
        "Rectification": global_id("Rectification", rectification.id),
    }
    return admin, ids, enterprise


@pytest.mark.postgres
async def test_every_node_type_is_found_by_node_id(db: str, new_api: Any) -> None:
    from backend.schema import schema

    node_interface = schema._schema.type_map["Node"]
    assert isinstance(node_interface, GraphQLInterfaceType)
    node_types = {t.name for t in schema._schema.get_possible_types(node_interface)}
    admin, ids, _ = await _one_of_each(new_api)
    # A new Node type needs a row here, and a loader registered for `node` to find it.
    assert set(ids) == node_types
    for type_name, wanted in ids.items():
        found = (await admin.gql(NODE, {"id": wanted}))["node"]
        assert found is not None, f"node(id) does not find a {type_name}"
        assert (found["__typename"], found["id"]) == (type_name, wanted)
    found = (await admin.gql(NODES, {"ids": list(ids.values())}))["nodes"]
    assert [n and n["__typename"] for n in found] == list(ids)


async def test_a_premises_binding_is_seen_by_staff_and_its_enterprise_only(
    db: str, new_api: Any
) -> None:
    _, ids, enterprise = await _one_of_each(new_api)
    binding = ids["PremisesBinding"]
    outsider = await signed_in(new_api, "13700137000", ["APPLICANT"], "外人")
    assert (await outsider.gql(NODE, {"id": binding}))["node"] is None
    handler = await signed_in(new_api, "13500135000", ["HANDLER"], "办理员")
    assert (await handler.gql(NODE, {"id": binding}))["node"] is not None
    member = await signed_in(new_api, "13600136000", ["APPLICANT"], "员工")
    await Membership.create(enterprise=enterprise, user=await User.get(phone="13600136000"))
    assert (await member.gql(NODE, {"id": binding}))["node"] == {
        "__typename": "PremisesBinding",
        "id": binding,
    }
