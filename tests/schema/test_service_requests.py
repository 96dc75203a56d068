"""Requests for new services through the API: who may ask, bad input, the admins' grouping
and actions, and the notices when an item made from a request is published."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Notification
from backend.models.catalog import Category, ServiceItem
from backend.models.enterprises import EnterpriseStatus, Membership, MembershipRole
from backend.models.service_requests import ServiceRequest
from backend.services.accounts.accounts import create_user_directly
from tests import builders
from tests.conftest import PASSWORD, Api
from tests.schema.helpers import global_id, signed_in, token_client

pytestmark = pytest.mark.postgres

FIELDS = """id title description reason urgency status answer declineReason enterpriseName
    categoryName serviceItemId serviceItemName serviceItemPublished version
    mergedInto { title status answer serviceItemId }
    viewerCan { answer decline merge draftItem }"""
ASK = (
    "mutation($input: RequestNewServiceInput!) { requestNewService(input: $input) {"
    f" serviceRequest {{ {FIELDS} }} userErrors {{ field code message }} }} }}"
)
LIST = f"{{ serviceRequests(first: 50) {{ totalCount edges {{ node {{ {FIELDS} }} }} }} }}"
GROUPS = """query($by: ServiceRequestGrouping!) { serviceRequestGroups(by: $by) {
    leftOut threshold groups { categoryName similarity requests { id title } } } }"""


def _action(name: str, input_type: str) -> str:
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{"
        f" serviceRequest {{ {FIELDS} }} userErrors {{ field code message }} }} }}"
    )


ANSWER = _action("answerServiceRequest", "AnswerServiceRequestInput")
DECLINE = _action("declineServiceRequest", "DeclineServiceRequestInput")
MERGE = _action("mergeServiceRequest", "MergeServiceRequestInput")
DRAFT = _action("draftServiceItemFromRequest", "DraftServiceItemFromRequestInput")
PUBLISH = """mutation($input: ServiceItemChangeInput!) { publishServiceItem(input: $input) {
    serviceItem { id status } userErrors { field code } } }"""
INBOX = "{ notifications(first: 20) { edges { node { kind message link } } } }"

_people = iter(range(1, 1000))


async def member(new_api: Any, enterprise_id: int, name: str = "企业经办人") -> Api:
    """A signed-in applicant who belongs to the enterprise."""
    n = next(_people)
    user = await create_user_directly(name, f"m{n}@member.cn", PASSWORD, [])
    await Membership.create(user=user, enterprise_id=enterprise_id, role=MembershipRole.OWNER)
    client: Api = new_api()
    assert (await client.login(f"m{n}@member.cn"))["userErrors"] == []
    return client


def ask_input(enterprise_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "input": {
            "enterpriseId": global_id("Enterprise", enterprise_id),
            "title": "代办食品经营许可证",
            "description": "园区内餐饮企业较多，希望服务大厅能代办食品经营许可证。",
            "reason": "每次去区市场监管局往返半天。",
            "urgency": "HIGH",
            **changes,
        }
    }


async def asked(client: Api, enterprise_id: int, **changes: Any) -> dict[str, Any]:
    payload = (await client.gql(ASK, ask_input(enterprise_id, **changes)))["requestNewService"]
    assert payload["userErrors"] == [], payload
    return payload["serviceRequest"]


async def act(client: Api, query: str, **input: Any) -> dict[str, Any]:
    return next(iter((await client.gql(query, {"input": input})).values()))


# -- asking -----------------------------------------------------------------------------------


async def test_a_member_of_a_verified_enterprise_asks_and_sees_its_own(new_api: Any) -> None:
    ours = await builders.verified_enterprise("甲公司")
    theirs = await builders.verified_enterprise("乙公司")
    category = await Category.create(name_zh="市场监管", position=1)
    alice = await member(new_api, ours.id)
    bob = await member(new_api, theirs.id)
    request = await asked(alice, ours.id, categoryId=global_id("Category", category.id))
    assert request["status"] == "OPEN"
    assert request["urgency"] == "HIGH"
    assert request["categoryName"] == "市场监管"
    assert request["enterpriseName"] == ours.name
    # The enterprise's member may not settle it.
    assert request["viewerCan"] == {
        "answer": False, "decline": False, "merge": False, "draftItem": False
    }  # fmt: skip
    await asked(bob, theirs.id, title="人才公寓申请")
    mine = (await alice.gql(LIST))["serviceRequests"]
    assert [e["node"]["title"] for e in mine["edges"]] == ["代办食品经营许可证"]
    assert mine["totalCount"] == 1
    # Another enterprise's request is not there for them, by id either.
    node = await bob.gql("query($id: ID!) { node(id: $id) { id } }", {"id": request["id"]})
    assert node["node"] is None


async def test_the_same_idempotency_key_makes_one_request(new_api: Any) -> None:
    ours = await builders.verified_enterprise()
    alice = await member(new_api, ours.id)
    first = await asked(alice, ours.id, idempotencyKey="k-1")
    again = await asked(alice, ours.id, idempotencyKey="k-1")
    assert again["id"] == first["id"]
    assert await ServiceRequest.all().count() == 1


async def test_those_who_may_not_ask_are_refused(new_api: Any) -> None:
    ours = await builders.verified_enterprise()
    pending = await builders.verified_enterprise("待审公司")
    pending.status = EnterpriseStatus.PENDING
    await pending.save()
    outsider = await member(new_api, (await builders.verified_enterprise("别家")).id)
    in_pending = await member(new_api, pending.id)
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER"])

    async def refused(client: Api, enterprise_id: int) -> list[tuple[list[str], str]]:
        payload = (await client.gql(ASK, ask_input(enterprise_id)))["requestNewService"]
        assert payload["serviceRequest"] is None
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    assert await refused(outsider, ours.id) == [(["enterpriseId"], "FORBIDDEN")]
    assert await refused(handler, ours.id) == [(["enterpriseId"], "FORBIDDEN")]
    assert await refused(in_pending, pending.id) == [(["enterpriseId"], "REQUESTER_NOT_VERIFIED")]
    assert await refused(outsider, 99999) == [(["enterpriseId"], "NOT_FOUND")]
    anonymous = new_api()
    assert await refused(anonymous, ours.id) == [(None, "NOT_AUTHENTICATED")]
    assert await ServiceRequest.all().count() == 0


async def test_bad_input_is_named_by_field(new_api: Any) -> None:
    ours = await builders.verified_enterprise()
    alice = await member(new_api, ours.id)
    payload = (
        await alice.gql(ASK, ask_input(ours.id, description="   ", title="x" * 101,
                                       categoryId=global_id("Category", 4242)))
    )["requestNewService"]  # fmt: skip
    errors = {tuple(e["field"]): (e["code"], e["message"]) for e in payload["userErrors"]}
    assert errors[("description",)] == ("REQUIRED", "此项为必填项。")
    assert errors[("title",)][0] == "TOO_LONG"
    assert "100" in errors[("title",)][1]
    assert errors[("categoryId",)][0] == "NOT_FOUND"
    payload = (await alice.gql(ASK, ask_input(ours.id, description="长" * 2001)))[
        "requestNewService"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["description"], "TOO_LONG")
    ]


async def test_token_scopes_decide_what_a_token_may_do(new_api: Any) -> None:
    ours = await builders.verified_enterprise()
    alice = await member(new_api, ours.id)
    reader = await token_client(new_api, alice, ["requests:read"])
    writer = await token_client(new_api, alice, ["requests:read", "requests:write"])
    catalog_only = await token_client(new_api, alice, ["catalog:read"])
    refused = (await reader.post(ASK, ask_input(ours.id))).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"
    assert await ServiceRequest.all().count() == 0
    await asked(writer, ours.id)
    assert (await reader.gql(LIST))["serviceRequests"]["totalCount"] == 1
    body = (await catalog_only.post(LIST)).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"


# -- the admins -------------------------------------------------------------------------------


async def test_admins_see_requests_grouped_by_category_and_by_wording(new_api: Any) -> None:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    food = await Category.create(name_zh="市场监管", position=1)
    housing = await Category.create(name_zh="人才服务", position=2)
    people = []
    for i in range(4):
        e = await builders.verified_enterprise(f"企业{i}")
        people.append((e.id, await member(new_api, e.id)))
    texts = [
        ("代办食品经营许可证", food.id),
        ("食品经营许可证代办服务", None),
        ("人才公寓申请", housing.id),
        ("申请人才公寓入住", housing.id),
    ]
    for (eid, client), (title, category) in zip(people, texts, strict=True):
        extra = {"categoryId": global_id("Category", category)} if category else {}
        await asked(client, eid, title=title, description=title, **extra)
    wording = (await admin.gql(GROUPS, {"by": "WORDING"}))["serviceRequestGroups"]
    assert wording["leftOut"] == 0
    assert wording["threshold"] == pytest.approx(0.3)
    grouped = sorted(sorted(r["title"] for r in g["requests"]) for g in wording["groups"])
    assert grouped == [
        ["人才公寓申请", "申请人才公寓入住"],
        ["代办食品经营许可证", "食品经营许可证代办服务"],
    ]
    assert all(g["similarity"] >= 0.3 for g in wording["groups"])
    by_category = (await admin.gql(GROUPS, {"by": "CATEGORY"}))["serviceRequestGroups"]
    shape = [(g["categoryName"], len(g["requests"])) for g in by_category["groups"]]
    assert shape == [("人才服务", 2), ("市场监管", 1), (None, 1)]
    # Nobody else sees the groups.
    applicant = people[0][1]
    assert (await applicant.gql(GROUPS, {"by": "WORDING"}))["serviceRequestGroups"]["groups"] == []


async def test_grouping_is_bounded_to_the_newest_unsettled(new_api: Any, settings: Any) -> None:
    # The app reads the settings object the fixture made; set on it as the environment would.
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    e = await builders.verified_enterprise()
    for i in range(5):
        await ServiceRequest.create(enterprise=e, title=f"需求{i}", description="同样的描述文字")
    await ServiceRequest.create(
        enterprise=e, title="已拒绝", description="同样的描述文字", status="DECLINED"
    )
    object.__setattr__(settings, "request_group_limit", 3)
    found = (await admin.gql(GROUPS, {"by": "WORDING"}))["serviceRequestGroups"]
    assert found["leftOut"] == 2
    [group] = found["groups"]
    assert sorted(r["title"] for r in group["requests"]) == ["需求2", "需求3", "需求4"]


async def _world(new_api: Any) -> tuple[Api, Api, int, dict[str, Any]]:
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    e = await builders.verified_enterprise()
    alice = await member(new_api, e.id)
    category = await Category.create(name_zh="市场监管", position=1)
    request = await asked(alice, e.id, categoryId=global_id("Category", category.id))
    return admin, alice, e.id, request


async def test_answer_then_decline_and_refusals_from_wrong_states(new_api: Any) -> None:
    admin, alice, _, request = await _world(new_api)
    assert request["viewerCan"]["answer"] is False
    # Members may not answer their own request.
    own = await act(alice, ANSWER, serviceRequestId=request["id"], expectedVersion=1, answer="好")
    assert [e["code"] for e in own["userErrors"]] == ["FORBIDDEN"]
    empty = await act(admin, ANSWER, serviceRequestId=request["id"], expectedVersion=1, answer=" ")
    assert [(e["field"], e["code"]) for e in empty["userErrors"]] == [(["answer"], "REQUIRED")]
    answered = await act(
        admin, ANSWER, serviceRequestId=request["id"], expectedVersion=1,
        answer="已与区市场监管局对接，下月起可代办。",
    )  # fmt: skip
    assert answered["serviceRequest"]["status"] == "ANSWERED"
    stale = await act(admin, DECLINE, serviceRequestId=request["id"], expectedVersion=1, reason="x")
    assert [e["code"] for e in stale["userErrors"]] == ["STALE"]
    no_reason = await act(
        admin, DECLINE, serviceRequestId=request["id"], expectedVersion=2, reason=""
    )
    assert [(e["field"], e["code"]) for e in no_reason["userErrors"]] == [(["reason"], "REQUIRED")]
    declined = await act(
        admin, DECLINE, serviceRequestId=request["id"], expectedVersion=2, reason="不在园区职能内"
    )
    assert declined["serviceRequest"]["status"] == "DECLINED"
    assert declined["serviceRequest"]["declineReason"] == "不在园区职能内"
    for query, extra in ((ANSWER, {"answer": "再答"}), (DECLINE, {"reason": "再拒"})):
        again = await act(admin, query, serviceRequestId=request["id"], expectedVersion=3, **extra)
        assert [e["code"] for e in again["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    draft = await act(admin, DRAFT, serviceRequestId=request["id"], expectedVersion=3)
    assert [e["code"] for e in draft["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    assert await ServiceItem.all().count() == 0
    # The enterprise sees the answer and the reason, and was told of each.
    [mine] = (await alice.gql(LIST))["serviceRequests"]["edges"]
    assert mine["node"]["answer"] == "已与区市场监管局对接，下月起可代办。"
    kinds = [e["node"]["kind"] for e in (await alice.gql(INBOX))["notifications"]["edges"]]
    assert "SERVICE_REQUEST_ANSWERED" in kinds and "SERVICE_REQUEST_DECLINED" in kinds


async def test_merge_moves_followers_and_refuses_bad_targets(new_api: Any) -> None:
    admin, alice, _, target = await _world(new_api)
    other = await builders.verified_enterprise("乙公司")
    bob = await member(new_api, other.id)
    dup = await asked(bob, other.id, title="食品经营许可证代办")
    itself = await act(admin, MERGE, serviceRequestId=dup["id"], expectedVersion=1,
                       targetId=dup["id"])  # fmt: skip
    assert [(e["field"], e["code"]) for e in itself["userErrors"]] == [
        (["targetId"], "MERGE_INTO_ITSELF")
    ]
    by_member = await act(bob, MERGE, serviceRequestId=dup["id"], expectedVersion=1,
                          targetId=target["id"])  # fmt: skip
    assert [e["code"] for e in by_member["userErrors"]] == ["FORBIDDEN"]
    merged = await act(admin, MERGE, serviceRequestId=dup["id"], expectedVersion=1,
                       targetId=target["id"])  # fmt: skip
    assert merged["serviceRequest"]["status"] == "MERGED"
    # A merged request is settled: it takes no merge, and nothing merges into it.
    third = await asked(alice, (await Membership.get(user_id=await _uid(alice))).enterprise_id,
                        title="第三个")  # fmt: skip
    into_merged = await act(admin, MERGE, serviceRequestId=third["id"], expectedVersion=1,
                            targetId=dup["id"])  # fmt: skip
    assert [(e["field"], e["code"]) for e in into_merged["userErrors"]] == [
        (["targetId"], "MERGE_TARGET_SETTLED")
    ]
    again = await act(admin, MERGE, serviceRequestId=dup["id"], expectedVersion=2,
                      targetId=third["id"])  # fmt: skip
    assert [e["code"] for e in again["userErrors"]] == ["FORBIDDEN_TRANSITION"]
    # Merging the target on: whoever followed it follows the new target.
    # (The target took a version when the duplicate was merged into it.)
    moved = await act(admin, MERGE, serviceRequestId=target["id"], expectedVersion=2,
                      targetId=third["id"])  # fmt: skip
    assert moved["userErrors"] == []
    rows = {r.title: r for r in await ServiceRequest.all()}
    assert rows["食品经营许可证代办"].merged_into_id == rows["第三个"].id
    # Bob sees what the request his follows came to.
    answered = await act(admin, ANSWER, serviceRequestId=third["id"], expectedVersion=2,
                         answer="会考虑")  # fmt: skip
    assert answered["userErrors"] == []
    [mine] = (await bob.gql(LIST))["serviceRequests"]["edges"]
    assert mine["node"]["mergedInto"]["status"] == "ANSWERED"
    assert mine["node"]["mergedInto"]["answer"] == "会考虑"
    bob_told = [e["node"]["kind"] for e in (await bob.gql(INBOX))["notifications"]["edges"]]
    assert "SERVICE_REQUEST_MERGED" in bob_told and "SERVICE_REQUEST_ANSWERED" in bob_told


async def _uid(client: Api) -> int:
    me = await client.gql("{ me { id } }")
    from backend.schema.relay import decode_global_id

    return decode_global_id(me["me"]["id"])[1]


async def test_a_drafted_item_published_tells_every_enterprise_that_asked(new_api: Any) -> None:
    admin, alice, _, request = await _world(new_api)
    other = await builders.verified_enterprise("乙公司")
    bob = await member(new_api, other.id)
    dup = await asked(bob, other.id, title="食品证代办")
    await act(admin, MERGE, serviceRequestId=dup["id"], expectedVersion=1,
              targetId=request["id"])  # fmt: skip
    bystander = await member(new_api, (await builders.verified_enterprise("丙公司")).id)
    drafted = await act(admin, DRAFT, serviceRequestId=request["id"], expectedVersion=2)
    assert drafted["userErrors"] == [], drafted
    node = drafted["serviceRequest"]
    assert node["status"] == "ITEM_DRAFTED"
    assert node["serviceItemName"] == "代办食品经营许可证"
    assert node["serviceItemPublished"] is False
    [item] = await ServiceItem.all()
    version = await item.versions.all().first()  # type: ignore[attr-defined]
    assert version.description_zh.startswith("园区内餐饮企业较多")
    assert item.status == "DRAFT"
    # Nothing told before publishing.
    assert await Notification.filter(kind="REQUESTED_SERVICE_PUBLISHED").count() == 0
    published = await act(admin, PUBLISH, serviceItemId=node["serviceItemId"],
                          expectedVersion=item.version)  # fmt: skip
    assert published["userErrors"] == []
    fulfilled = await ServiceRequest.get(title="代办食品经营许可证")
    assert fulfilled.status == "FULFILLED"
    link = f"/catalog/items/{node['serviceItemId']}"
    for client in (alice, bob):
        inbox = (await client.gql(INBOX))["notifications"]["edges"]
        told = [e["node"] for e in inbox if e["node"]["kind"] == "REQUESTED_SERVICE_PUBLISHED"]
        assert [n["link"] for n in told] == [link]
        assert "代办食品经营许可证" in told[0]["message"]
    assert (await bystander.gql(INBOX))["notifications"]["edges"] == []
    # Publishing again after an edit tells nobody twice.
    await ServiceItem.filter(id=item.id).update(status="RETIRED")
    again = await act(admin, PUBLISH, serviceItemId=node["serviceItemId"],
                      expectedVersion=item.version + 1)  # fmt: skip
    assert again["userErrors"] == []
    assert await Notification.filter(kind="REQUESTED_SERVICE_PUBLISHED").count() == 2


async def test_drafting_runs_the_catalogs_rules(new_api: Any) -> None:
    admin, alice, eid, _ = await _world(new_api)
    plain = await asked(alice, eid, title="无类别需求")
    no_category = await act(admin, DRAFT, serviceRequestId=plain["id"], expectedVersion=1)
    assert [(e["field"], e["code"]) for e in no_category["userErrors"]] == [
        (["categoryId"], "REQUIRED")
    ]
    category = await Category.get(name_zh="市场监管")
    await ServiceItem.create(category=category, name_zh="无类别需求")
    taken = await act(admin, DRAFT, serviceRequestId=plain["id"], expectedVersion=1,
                      categoryId=global_id("Category", category.id))  # fmt: skip
    assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [(["nameZh"], "NAME_TAKEN")]
    # Nothing half done: the request is still open.
    assert (await ServiceRequest.get(title="无类别需求")).status == "OPEN"
    named = await act(
        admin, DRAFT, serviceRequestId=plain["id"], expectedVersion=1,
        categoryId=global_id("Category", category.id), nameZh="食品许可代办",
    )  # fmt: skip
    assert named["serviceRequest"]["serviceItemName"] == "食品许可代办"
    by_member = await act(alice, DRAFT, serviceRequestId=plain["id"], expectedVersion=2)
    assert [e["code"] for e in by_member["userErrors"]] == ["FORBIDDEN"]


async def test_the_list_costs_the_same_for_2_and_20(new_api: Any, sql_counter: Any) -> None:
    admin, alice, eid, first = await _world(new_api)
    for i in range(21):
        row = await asked(alice, eid, title=f"需求{i}")
        if i % 2 == 0:  # both pages hold merged ones (their targets are one more statement)
            await act(admin, MERGE, serviceRequestId=row["id"], expectedVersion=1,
                      targetId=first["id"])  # fmt: skip
    query = f"query($n: Int) {{ serviceRequests(first: $n) {{ edges {{ node {{ {FIELDS} }} }} }} }}"

    async def statements(n: int) -> int:
        await admin.prime()
        sql_counter.reset()
        edges = (await admin.gql(query, {"n": n}))["serviceRequests"]["edges"]
        assert len(edges) == n
        return sql_counter.count

    small, large = await statements(2), await statements(20)
    assert small == large, sql_counter.statements
    assert large <= 6


async def test_merging_two_requests_into_each_other_at_once_leaves_no_cycle(
    new_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A into B and B into A at once. The versions alone keep a cycle from forming (each merge
    bumps its target, so the later versioned UPDATE of its own source finds it moved); what the
    row locks add is the order: without them each merge writes its target first and then its
    source, the two write the same two rows in opposite orders, and PostgreSQL kills one as a
    deadlock, an internal error instead of a clear refusal. The window is held open here: each
    merge, once it has bumped its target, waits (up to two seconds) for the other to get that
    far, so without the locks both always do and deadlock; with them the second is still
    waiting for its lock and reads what the first left."""
    import asyncio
    import contextlib

    from backend.services.service_requests import requests

    admin, alice, eid, a = await _world(new_api)
    b = await asked(alice, eid, title="食品证代办")
    other_admin = await signed_in(new_api, "admin2@example.com", ["ADMIN"])
    bumped = 0
    both = asyncio.Event()
    bump_version = requests.bump_version

    async def bump_then_wait(*args: Any, **kwargs: Any) -> int:
        nonlocal bumped
        version = await bump_version(*args, **kwargs)
        bumped += 1
        if bumped == 2:
            both.set()
        # Timing out: the other merge is waiting for a lock this one holds.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 2)
        return version

    monkeypatch.setattr(requests, "bump_version", bump_then_wait)
    results = await asyncio.gather(
        _merge(admin, a["id"], b["id"]), _merge(other_admin, b["id"], a["id"])
    )
    merged = [r for r in results if r["userErrors"] == []]
    refused = [r for r in results if r["userErrors"]]
    assert len(merged) == 1 and len(refused) == 1, results
    assert refused[0]["userErrors"][0]["code"] in {"STALE", "MERGE_TARGET_SETTLED"}
    # The second one reached its target's bump only after the first had committed.
    assert not both.is_set()
    rows = await ServiceRequest.all()
    assert sorted(r.status for r in rows) == ["MERGED", "OPEN"]
    [source] = [r for r in rows if r.status == "MERGED"]
    [target] = [r for r in rows if r.status == "OPEN"]
    assert source.merged_into_id == target.id and target.merged_into_id is None


async def _merge(client: Api, source: str, target: str) -> dict[str, Any]:
    """A merge whose GraphQL errors (a deadlock is one) come back in the answer."""
    response = await client.post(
        MERGE, {"input": {"serviceRequestId": source, "expectedVersion": 1, "targetId": target}}
    )
    body = response.json()
    if "errors" in body:
        return {"userErrors": [{"code": e["message"]} for e in body["errors"]]}
    return body["data"]["mergeServiceRequest"]
