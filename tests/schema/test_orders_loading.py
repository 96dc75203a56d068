"""What an order list loads: the columns and events its selection asks for, in a fixed number of
statements whatever the page size (the page, its count, the events of the whole page)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from backend.models.accounts import Role
from backend.models.applications import OwedMaterial, OwedStatus
from backend.models.files import StoredFile
from backend.models.orders import Order, OrderUpdateKind
from backend.schema import schema
from backend.schema.loading import Selection
from backend.schema.nodes import global_id
from backend.schema.orders.loading import ORDER_NEEDS, Load
from backend.schema.orders.timelines import EVENT_NEEDS, load_timelines
from backend.schema.relay import encode_cursor
from backend.services.core import events
from backend.services.core.actors import Actor
from backend.services.core.transactions import in_transaction
from backend.services.orders import conversation, steps, updates
from tests import builders
from tests.conftest import BACKEND
from tests.schema.order_helpers import TZ, Park, login, open_order, park

FULL_PAGE = """query($n: Int!) { orders(first: $n) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id number status createdAt dueAt isOverdue
      serviceItem { name categoryName } enterprise { name } applicant { name }
      assignee { name } team { name }
      timeline(first: 3) { totalCount pageInfo { hasNextPage }
        edges { node { kind at actor { name } } } } } } } }"""


def _fields_of(type_name: str) -> set[str]:
    return set(schema._schema.type_map[type_name].fields)  # type: ignore[union-attr]


def test_every_field_of_an_order_says_what_it_loads() -> None:
    """A new field without an entry would be served from columns nobody loaded."""
    assert _fields_of("Order") == set(ORDER_NEEDS.fields)
    assert _fields_of("OrderEvent") == set(EVENT_NEEDS.fields)
    service_item = ORDER_NEEDS.fields["serviceItem"]
    assert service_item.below is not None
    # `id` and `name` come with the field itself; the category is joined only when asked.
    assert _fields_of("OrderServiceItem") == {"id", "name", *service_item.below.fields}


async def _orders_with_events(count: int, events_each: int) -> Park:
    """`count` orders, each with `events_each` events (opened, assigned, then notes)."""
    p = await park(handlers=2)
    for i in range(count):
        await open_order(p, other=i % 2 == 1)
    async with in_transaction() as conn:
        for order in p.orders:
            for n in range(events_each - 2):
                await events.record(
                    conn,
                    Actor(user_id=p.handlers[0].id),
                    "order",
                    order.id,
                    "ORDER_NOTE",
                    {"note": f"第 {n} 条"},
                )
    return p


async def _warm(client: Any, document: str) -> None:
    """Asks once, uncounted: the pool's connections are new when counting starts, and asyncpg
    asks the server about an array type (the timelines' ids) the first time a connection sends
    one. Once per connection, not per page."""
    await client.gql(document, {"n": 1})


async def _supervisor(new_api: Any) -> Any:
    return await login(new_api, await builders.user(Role.SUPERVISOR, "钱主管"))


@pytest.mark.postgres
async def test_the_full_page_costs_five_statements_for_5_orders_as_for_50(
    new_api: Any, sql_counter: Any
) -> None:
    await _orders_with_events(50, events_each=5)
    supervisor = await _supervisor(new_api)
    await _warm(supervisor, FULL_PAGE)
    counts = []
    for size in (5, 50):
        sql_counter.reset()
        data = (await supervisor.gql(FULL_PAGE, {"n": size}))["orders"]
        counts.append(sql_counter.count)
        assert data["totalCount"] == 50
        assert len(data["edges"]) == size
        for edge in data["edges"]:
            timeline = edge["node"]["timeline"]
            assert [e["node"]["kind"] for e in timeline["edges"]] == [
                "ORDER_OPENED",
                "ORDER_ASSIGNED",
                "ORDER_NOTE",
            ]
            assert timeline["pageInfo"]["hasNextPage"] is True
            assert timeline["totalCount"] == 5
            assert timeline["edges"][2]["node"]["actor"]["name"].startswith("办理员")
    # The session and its roles, the page, its count, the events of the whole page.
    assert counts[0] == counts[1] <= 5, sql_counter.statements
    # The page size in the text, not a parameter: PostgreSQL can keep one plan for the page.
    page, _ = _page_and_events(sql_counter.statements)
    assert re.search(r"LIMIT 51\b", page), page


SEARCHED_PAGE = """query($n: Int!) {
    orders(first: $n, filter: {search: "科技 sh-", unassigned: false}) { COUNT
      pageInfo { hasNextPage } edges { node { number enterprise { name } serviceItem { name }
        timeline(first: 3) { edges { node { kind } } } } } } }"""
COUNTS = {"bounded": "boundedCount(limit: 30) { value isExact }", "exact": "totalCount", "none": ""}


@pytest.mark.postgres
async def test_a_searched_page_costs_five_statements_and_one_more_on_postgres_for_the_words(
    new_api: Any, sql_counter: Any
) -> None:
    """Search and filters narrow the same page of plain rows (one statement, the size written
    in); PostgreSQL first finds every word's enterprises and items (one statement for all the
    words). Each count is read only when asked: the bounded one up to its limit."""
    p = await park(handlers=2)
    for i in range(51):
        await open_order(p, other=i == 50)  # 50 of 星河科技, one of Acme
    star = {o.number for o in p.orders if o.enterprise_id == p.enterprise.id}
    supervisor = await _supervisor(new_api)
    words = 1 if BACKEND == "postgres" else 0
    await supervisor.gql(SEARCHED_PAGE.replace("COUNT", ""), {"n": 1})  # as `_warm`
    counts: dict[str, list[int]] = {name: [] for name in COUNTS}
    for size in (5, 50):
        for name, field in COUNTS.items():
            sql_counter.reset()
            data = await supervisor.gql(SEARCHED_PAGE.replace("COUNT", field), {"n": size})
            orders = data["orders"]
            counts[name].append(sql_counter.count)
            assert len(orders["edges"]) == size
            assert {e["node"]["number"] for e in orders["edges"]} <= star
            assert orders["pageInfo"]["hasNextPage"] is (size < 50)
            for edge in orders["edges"]:
                assert edge["node"]["enterprise"]["name"] == p.enterprise.name
                kinds = [e["node"]["kind"] for e in edge["node"]["timeline"]["edges"]]
                assert kinds == ["ORDER_OPENED", "ORDER_ASSIGNED"]
            counted = [s for s in sql_counter.statements if "COUNT(" in s.upper()]
            if name == "bounded":
                assert orders["boundedCount"] == {"value": 30, "isExact": False}
                assert len(counted) == 1 and "LIMIT 31" in counted[0], counted
            elif name == "exact":
                assert orders["totalCount"] == 50
                assert len(counted) == 1 and "LIMIT" not in counted[0], counted
            else:
                assert counted == []
            if words:
                found = [s for s in sql_counter.statements if "FROM enterprises" in s]
                assert len(found) == 1 and "search_grams" in found[0], found
            page, _ = _page_and_events(sql_counter.statements)
            assert re.search(rf"LIMIT {size + 1}\b", page), page
            # The word's one enterprise written into the page (PostgreSQL), or its subquery.
            written = f'"enterprise_id"={p.enterprise.id} ' if words else "IN (SELECT"
            assert written in page, page
    # The session and its roles, the words (PostgreSQL), the page, the count, the events.
    assert counts["bounded"][0] == counts["bounded"][1] <= 5 + words, counts
    assert counts["exact"] == counts["bounded"], counts
    assert counts["none"][0] == counts["none"][1] == counts["bounded"][0] - 1, counts


PROCESSING = """updates(first: 3) { totalCount edges { node { body author { name }
      attachments { name } } } }
    messages(first: 3) { totalCount edges { node { body readByOtherSide attachments { name } } } }
    messageReadMarks { side lastReadSequence readBy { name } }
    owedMaterials { label status dueAt suppliedFile { name } suppliedBy { name } }
    remainingWorkingDays pauses { startedAt endedAt workingDays }
    informationRequests { question answer answeredBy { name } files { name } }
    result { text documents { name } }
    viewerCan { reassign postUpdate sendMessage supplyOwedMaterial reviewOwedMaterial
      accept decline requestInformation answerInformation complete cancel }"""
VIEWER_CAN = """query($n: Int!) { orders(first: $n) { edges { node { number
    viewerCan { postUpdate supplyOwedMaterial reviewOwedMaterial } } } } }"""


@pytest.mark.postgres
async def test_processing_costs_a_fixed_number_of_statements_for_5_orders_as_for_50(
    new_api: Any, sql_counter: Any
) -> None:
    """Each part for the whole page at once: updates, messages, read marks, the files of both,
    owed materials and their labels, pauses and the calendar, questions, the files of answers
    and results; the viewer's reach once. Every fifth order completed, every fifth waiting on
    a second question (so every page of 5 has each part)."""
    p = await _orders_with_events(50, events_each=3)
    for i, order in enumerate(p.orders):
        if i % 5 == 4:
            await _steps(p, order, complete=True)
            continue
        await _processing(p, order)
        if i % 5 == 1:
            await _steps(p, order, complete=False)
    completed = {o.number for i, o in enumerate(p.orders) if i % 5 == 4}
    supervisor = await _supervisor(new_api)
    auditor = await login(new_api, p.auditor)
    await _warm(supervisor, FULL_PAGE)
    with_processing = FULL_PAGE.replace("team { name }", f"team {{ name }} {PROCESSING}")
    await _warm(supervisor, with_processing)
    await _warm(auditor, VIEWER_CAN)
    counts: dict[str, list[int]] = {"without": [], "with": [], "viewerCan": []}
    for size in (5, 50):
        for name, client, query in (
            ("without", supervisor, FULL_PAGE),
            ("with", supervisor, with_processing),
            ("viewerCan", auditor, VIEWER_CAN),
        ):
            sql_counter.reset()
            edges = (await client.gql(query, {"n": size}))["orders"]["edges"]
            counts[name].append(sql_counter.count)
            assert len(edges) == size
            if name == "with":
                statuses = [e["node"]["status"] for e in edges]
                assert statuses.count("COMPLETED") == statuses.count("WAITING_ON_APPLICANT")
                for edge in edges:
                    _assert_worked_on(edge["node"])
            if name == "viewerCan":
                # The desk reviews what was handed in (not on a closed order); only the
                # enterprise supplies.
                open_ones = [e for e in edges if e["node"]["number"] not in completed]
                assert all(e["node"]["viewerCan"]["reviewOwedMaterial"] for e in open_ones)
                assert not any(e["node"]["viewerCan"]["supplyOwedMaterial"] for e in edges)
    assert counts["without"][0] == counts["without"][1] <= 5, counts
    # The reach, updates, messages, read marks, their files, owed materials, their labels,
    # pauses, the calendar, questions, the files of answers and results.
    assert counts["with"][0] == counts["with"][1] <= counts["without"][0] + 11, counts
    # The session, the page, the reach, the owed materials' statuses.
    assert counts["viewerCan"][0] == counts["viewerCan"][1] <= 5, counts


def _assert_worked_on(node: dict[str, Any]) -> None:
    """An order of the page as `_processing` and `_steps` left it, with every processing part."""
    if node["status"] == "COMPLETED":
        assert node["result"] == {"text": "已办结", "documents": [{"name": "a.pdf"}]}
        assert node["remainingWorkingDays"] is None
        assert node["viewerCan"]["cancel"] is False
        return
    assert node["result"] is None
    assert node["updates"]["edges"][0]["node"]["attachments"] == [{"name": "a.pdf"}]
    assert node["messages"]["edges"][0]["node"]["readByOtherSide"] is True
    assert node["owedMaterials"][0]["status"] == "SUPPLIED"
    assert node["viewerCan"]["sendMessage"] is False  # supervisors only read
    assert node["viewerCan"]["cancel"] is True
    assert isinstance(node["remainingWorkingDays"], int)
    if node["status"] == "WAITING_ON_APPLICANT":
        first, second = node["informationRequests"]
        assert first["answer"] == "已补充" and first["answeredBy"]["name"].endswith("申请")
        assert first["files"] == [{"name": "a.pdf"}]
        assert second["answer"] == ""
        assert [p["endedAt"] is None for p in node["pauses"]] == [False, True]
    else:
        assert node["informationRequests"] == node["pauses"] == []


def _page_and_events(statements: list[str]) -> tuple[str, str]:
    """The statement of the page, and of its timelines."""
    page = next(s for s in statements if 'FROM "orders"' in s and "ORDER BY" in s)
    return page, next(s for s in statements if "FROM events" in s)


@pytest.mark.postgres
async def test_json_columns_are_read_only_when_a_field_shows_them(
    new_api: Any, sql_counter: Any
) -> None:
    await _orders_with_events(2, events_each=3)
    supervisor = await _supervisor(new_api)
    sql_counter.reset()
    await supervisor.gql(FULL_PAGE, {"n": 5})
    page, timeline = _page_and_events(sql_counter.statements)
    assert "assignment_reason" not in page
    # No item version (its form, rules, steps and reminders), no application form data.
    assert "service_item_versions" not in page and "applications" not in page
    assert "data" not in timeline

    sql_counter.reset()
    data = await supervisor.gql(
        """{ orders(first: 5) { edges { node { timeLimitDays assignmentReason { rule }
             timeline(first: 1) { edges { node { toStatus } } } } } } }"""
    )
    page, timeline = _page_and_events(sql_counter.statements)
    assert "assignment_reason" in page and "service_item_versions" in page
    assert '"form"' not in page and '"audit_rules"' not in page
    assert "e.data" in timeline and "users" not in timeline
    node = data["orders"]["edges"][0]["node"]
    assert node["timeLimitDays"] == 5
    assert node["assignmentReason"]["rule"] == "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT"
    assert node["timeline"]["edges"][0]["node"]["toStatus"] == "PENDING_ASSIGNMENT"


def _selection(document: str, variables: dict[str, Any] | None = None) -> Selection:
    definitions = parse(document).definitions
    operation = next(d for d in definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    info: Any = type(
        "Info",
        (),
        {
            "field_nodes": [operation.selection_set.selections[0]],
            "fragments": fragments,
            "variable_values": variables or {},
        },
    )
    return Selection.of(info).nodes()


@pytest.mark.postgres
async def test_only_the_events_asked_for_are_read_one_more_for_the_next_page(new_api: Any) -> None:
    p = await _orders_with_events(3, events_each=6)
    ids = [o.id for o in p.orders]
    selection = _selection(
        "query($n: Int) { orders { nodes { timeline(first: $n) { edges { node { kind } } } } } }",
        {"n": 2},
    )
    assert ORDER_NEEDS.wanted(selection).follow_ups == frozenset({Load.TIMELINE})
    park_staff = Actor(user_id=p.handlers[0].id, roles=frozenset({Role.HANDLER}))
    timelines = await load_timelines(park_staff, ids, selection)
    assert [[e.sequence for e in timelines[i].events] for i in ids] == [[1, 2, 3]] * 3
    assert all(timelines[i].count is None for i in ids)

    after = encode_cursor([4])
    selection = _selection(
        "query($a: String) { orders { nodes { timeline(first: 1, after: $a) { totalCount } } } }",
        {"a": after},
    )
    timelines = await load_timelines(park_staff, ids, selection)
    # The first event stays to carry the count; then the one asked for and one more.
    assert [[e.sequence for e in timelines[i].events] for i in ids] == [[1, 5, 6]] * 3
    assert all(timelines[i].count == 6 for i in ids)


PAGE = """timeline(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence kind note } } }"""
START = "start: timeline(first: 1) { edges { node { sequence } } }"
LISTED = """query($after: String) { orders(first: 10, orderBy: CREATED_AT_ASC) {
    edges { node { number %s } } } }"""
ONE = """query($id: ID!, $after: String) { order(id: $id) { %s } }"""


@pytest.mark.postgres
@pytest.mark.parametrize("fields", [PAGE, f"{PAGE} {START}"], ids=["alone", "with-an-alias"])
async def test_a_timeline_pages_in_a_list_as_on_its_order(new_api: Any, fields: str) -> None:
    """From a cursor, past the last event, and beside an alias asking from the start."""
    p = await _orders_with_events(2, events_each=5)
    supervisor = await _supervisor(new_api)
    for sequence, expected, more in ((2, [3, 4], True), (4, [5], False), (5, [], False)):
        after = encode_cursor([sequence])
        listed = (await supervisor.gql(LISTED % fields, {"after": after}))["orders"]["edges"]
        assert [e["node"]["number"] for e in listed] == [o.number for o in p.orders]
        for order, edge in zip(p.orders, listed, strict=True):
            variables = {"id": global_id("Order", order.id), "after": after}
            one = (await supervisor.gql(ONE % fields, variables))["order"]
            node = edge["node"]
            assert node["timeline"] == one["timeline"]
            timeline = node["timeline"]
            assert [e["node"]["sequence"] for e in timeline["edges"]] == expected
            assert timeline["pageInfo"]["hasNextPage"] is more
            assert timeline["totalCount"] == 5
            if START in fields:
                assert node["start"] == one["start"] == {"edges": [{"node": {"sequence": 1}}]}
        notes = [e["node"]["note"] for e in listed[0]["node"]["timeline"]["edges"]]
        assert notes == [f"第 {s - 3} 条" for s in expected]


# Every field of Order, and the fields below it, as a list may ask for them: a field asked alone
# (each of its subfields alone) must answer as it does beside all the others.
ALONE: dict[str, str | list[str] | None] = {
    "id": None,
    "number": None,
    "status": None,
    "version": None,
    "createdAt": None,
    "assignedAt": None,
    "completedAt": None,
    "processingDays": None,
    "dueAt": None,
    "isOverdue": None,
    "isDueSoon": None,
    "viewerSide": None,
    "timeLimitDays": None,
    "serviceItem": ["id", "name", "categoryId", "categoryName"],
    "application": ["id", "number"],
    "enterprise": ["id", "name"],
    "applicant": ["id", "name"],
    "assignee": ["id", "name"],
    "team": ["id", "name"],
    "auditor": ["id", "name"],
    "approvedInstantly": None,
    "provider": ["id", "name"],
    "providerStaff": None,
    "assignmentReason": "{ rule note chosen { id name } eligible { user { name } load } }",
    "viewerCan": [
        "reassign",
        "assignAutomatically",
        "accept",
        "decline",
        "requestInformation",
        "answerInformation",
        "complete",
        "cancel",
        "postUpdate",
        "sendMessage",
        "supplyOwedMaterial",
        "reviewOwedMaterial",
    ],
    "timeline": [
        "totalCount",
        "pageInfo { hasNextPage }",
        *(
            f"edges {{ node {{ {f} }} }}"
            for f in (
                "id",
                "sequence",
                "kind",
                "fromStatus",
                "toStatus",
                "actor { name }",
                "note",
                "at",
            )
        ),
    ],
    "updates": [
        "totalCount",
        *(
            f"edges {{ node {{ {f} }} }}"
            for f in ("id", "kind", "body", "author { name }", "attachments { name }", "postedAt")
        ),
    ],
    "messages": [
        "totalCount",
        *(
            f"edges {{ node {{ {f} }} }}"
            for f in (
                "id",
                "sequence",
                "side",
                "author { name }",
                "body",
                "attachments { name }",
                "sentAt",
                "readByOtherSide",
            )
        ),
    ],
    "messageReadMarks": ["side", "lastReadSequence", "readBy { name }", "readAt"],
    "owedMaterials": [
        "id",
        "kind",
        "label",
        "dueOn",
        "dueAt",
        "status",
        "suppliedFile { name }",
        "suppliedAt",
        "suppliedBy { name }",
        "returnReason",
        "reviewedBy { name }",
        "reviewedAt",
    ],
    "remainingWorkingDays": None,
    "appointment": [
        "id",
        "queueNumber",
        "status",
        "day",
        "start",
        "location",
        "viewerCan { cancel }",
    ],
    "pauses": ["startedAt", "endedAt", "workingDays"],
    "informationRequests": [
        "question",
        "fileTypes",
        "askedAt",
        "askedBy { name }",
        "answer",
        "answeredAt",
        "answeredBy { name }",
        "files { name }",
    ],
    "result": ["text", "documents { name }"],
    "evaluation": ["level", "rater { name } rectification { status isOverdue }"],
    "viewerCanEvaluate": None,
}


async def _processing(p: Park, order: Order | None = None) -> None:
    """An order (the first) worked on: a note and a message with files, a read mark, a
    material owed (and handed in)."""
    order = order or p.orders[0]
    assert order.assignee_id is not None
    assignee = Actor(user_id=order.assignee_id, roles=frozenset({Role.HANDLER}))
    person = p.applicant if order.enterprise_id == p.enterprise.id else p.other_applicant
    applicant = Actor(user_id=person.id, roles=frozenset({Role.APPLICANT}))

    note = updates.UpdateInput(
        order.id, OrderUpdateKind.PROGRESS, "材料已审", file_ids=[await _upload(order.assignee_id)]
    )
    await updates.post_update(assignee, note)
    said = conversation.MessageInput(order.id, "你好", file_ids=[await _upload(person.id)])
    await conversation.send_message(applicant, said)
    await conversation.mark_read(assignee, order.id, None)
    await OwedMaterial.create(
        application_id=order.application_id, kind="report", due_on=date(2026, 12, 31),
        status=OwedStatus.SUPPLIED, supplied_file_id=await _upload(person.id),
        supplied_by_id=person.id, supplied_at=datetime.now(UTC),
    )  # fmt: skip


async def _upload(user_id: int) -> int:
    stored = await StoredFile.create(
        sha256="0" * 64, size=10, mime_type="application/pdf", original_name="a.pdf",
        uploaded_by_id=user_id,
    )  # fmt: skip
    return stored.id


async def _steps(p: Park, order: Order, *, complete: bool) -> None:
    """The assignee accepts the order and asks for a PDF; the applicant answers with one; then
    the assignee completes the order with a document (`complete`), or asks again (the order
    waits, a pause under way)."""
    assert order.assignee_id is not None
    assignee = Actor(user_id=order.assignee_id, roles=frozenset({Role.HANDLER}))
    person = p.applicant if order.enterprise_id == p.enterprise.id else p.other_applicant
    applicant = Actor(user_id=person.id, roles=frozenset({Role.APPLICANT}))

    async def version() -> int:
        return (await Order.get(id=order.id)).version

    await steps.accept(assignee, order.id, await version())
    pdf = ["application/pdf"]
    await steps.request_information(assignee, order.id, "请补充报表", pdf, await version())
    await steps.answer_information(
        applicant, order.id, "已补充", [await _upload(person.id)], await version(), timezone=TZ
    )
    if complete:
        await steps.complete(
            assignee,
            order.id,
            "已办结",
            [await _upload(order.assignee_id)],
            await version(),
            timezone=TZ,
        )
    else:
        await steps.request_information(assignee, order.id, "还缺一份", pdf, await version())


def _asks(field: str, below: str | list[str] | None) -> list[str]:
    if below is None:
        return [field]
    name = f"{field}(first: 2)" if field in ("timeline", "updates", "messages") else field
    if isinstance(below, str):
        return [f"{name} {below}"]
    return [f"{name} {{ {sub} }}" for sub in below]


@pytest.mark.postgres
async def test_each_field_asked_alone_answers_as_beside_the_others(new_api: Any) -> None:
    assert set(ALONE) == _fields_of("Order")
    p = await _orders_with_events(3, events_each=3)
    await _processing(p)
    await _steps(p, p.orders[1], complete=False)
    await _steps(p, p.orders[2], complete=True)
    supervisor = await _supervisor(new_api)
    everything = " ".join(a for field, below in ALONE.items() for a in _asks(field, below))
    list_of = "{ orders(first: 5) { edges { node { %s } } } }"
    full = [e["node"] for e in (await supervisor.gql(list_of % everything))["orders"]["edges"]]
    assert len(full) == 3
    worked = next(o for o in full if o["updates"]["totalCount"])
    assert worked["messages"]["edges"][0]["node"]["attachments"] == [{"name": "a.pdf"}]
    assert worked["messages"]["edges"][0]["node"]["readByOtherSide"] is True
    assert worked["owedMaterials"][0]["suppliedBy"] == {"name": "王申请"}
    waiting = next(o for o in full if o["status"] == "WAITING_ON_APPLICANT")
    assert waiting["isOverdue"] is False and waiting["remainingWorkingDays"] >= 0
    assert [r["files"] for r in waiting["informationRequests"]] == [[{"name": "a.pdf"}], []]
    assert [p["endedAt"] is None for p in waiting["pauses"]] == [False, True]
    done = next(o for o in full if o["status"] == "COMPLETED")
    assert done["result"] == {"text": "已办结", "documents": [{"name": "a.pdf"}]}
    assert done["viewerCan"]["cancel"] is False
    for field, below in ALONE.items():
        for ask in _asks(field, below):
            alone = (await supervisor.gql(list_of % ask))["orders"]["edges"]
            for whole, edge in zip(full, alone, strict=True):
                answer = edge["node"][field]
                if isinstance(answer, dict | list) and not isinstance(below, str):
                    assert _within(answer, whole[field]), (ask, answer, whole[field])
                else:
                    assert answer == whole[field], (ask, answer, whole[field])


def _within(part: Any, whole: Any) -> bool:
    """`part` is `whole` with fewer keys (at every depth)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(_within(v, whole[k]) for k, v in part.items())
    if isinstance(part, list):
        return (
            isinstance(whole, list)
            and len(part) == len(whole)
            and all(_within(p, w) for p, w in zip(part, whole, strict=True))
        )
    return bool(part == whole)


VISIBLE = """query($after: String) { orders(first: 5) { edges { node {
    timeline(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { sequence kind actor { name } } } } } } } }"""
NOTE_ALONE = """query($after: String) { orders(first: 5) { edges { node {
    timeline(first: 1, after: $after) { edges { node { note } } } } } } }"""


@pytest.mark.postgres
async def test_the_window_numbers_and_counts_only_what_the_viewer_may_see(new_api: Any) -> None:
    """Events 1 opened, 2 assigned (the system's), 3 an internal note, 4 a progress note, 5 and
    6 the conversation's (nobody's in the timeline): the applicant's pages skip 3, a park
    member's do not; a note asked alone is read by its kind."""
    p = await park(handlers=2)
    order = await open_order(p)
    assert order.assignee_id is not None
    internal = updates.UpdateInput(order.id, OrderUpdateKind.INTERNAL, "企业曾有处罚记录")
    await updates.post_update(
        Actor(user_id=order.assignee_id, roles=frozenset({Role.HANDLER})), internal
    )
    await _processing(p)
    for viewer, pages in (
        (p.applicant, [[1, 2], [4]]),
        (await builders.user(Role.SUPERVISOR, "钱主管"), [[1, 2], [3, 4]]),
    ):
        client = await login(new_api, viewer)
        after = None
        for expected in pages:
            (edge,) = (await client.gql(VISIBLE, {"after": after}))["orders"]["edges"]
            timeline = edge["node"]["timeline"]
            assert [e["node"]["sequence"] for e in timeline["edges"]] == expected
            assert timeline["totalCount"] == (3 if viewer is p.applicant else 4)
            assert timeline["pageInfo"]["hasNextPage"] is (expected != pages[-1])
            actors = [e["node"]["actor"] for e in timeline["edges"]]
            if expected == [1, 2]:
                assert actors == [None, None]  # the system's steps
            first_note = {3: "企业曾有处罚记录", 4: "材料已审"}.get(expected[0])
            if first_note is not None:
                (alone,) = (await client.gql(NOTE_ALONE, {"after": after}))["orders"]["edges"]
                assert alone["node"]["timeline"]["edges"] == [{"node": {"note": first_note}}]
            after = timeline["pageInfo"]["endCursor"]
        assert after is not None


@pytest.mark.postgres
async def test_every_field_of_an_order_costs_the_same_for_5_orders_as_for_20(
    new_api: Any, sql_counter: Any
) -> None:
    """The list with every field of `ALONE` (processing, appointments, evaluations and their
    rectifications, providers, time limits, the viewer's side): a fixed number of statements
    whatever the page size, so no field loads per order (20: every field of 50 orders is over
    the cost limit). Every fifth order completed and rated
    (one in ten badly, opening a rectification), every fifth other one waiting on a question."""
    from backend.services.evaluations import evaluations

    p = await _orders_with_events(50, events_each=3)
    for i, order in enumerate(p.orders):
        if i % 5 == 4:
            await _steps(p, order, complete=True)
            person = p.applicant if order.enterprise_id == p.enterprise.id else p.other_applicant
            rater = Actor(user_id=person.id, roles=frozenset({Role.APPLICANT}))
            level, reasons = ("DISSATISFIED", ["SLOW"]) if i % 10 == 9 else ("SATISFIED", [])
            await evaluations.evaluate(rater, order.id, level, "", reasons)
            continue
        await _processing(p, order)
        if i % 5 == 1:
            await _steps(p, order, complete=False)
    supervisor = await _supervisor(new_api)
    everything = " ".join(a for field, below in ALONE.items() for a in _asks(field, below))
    query = "query($n: Int!) { orders(first: $n) { edges { node { FIELDS } } } }".replace(
        "FIELDS", everything
    )
    await _warm(supervisor, query)
    counts = []
    for size in (5, 20):
        sql_counter.reset()
        edges = (await supervisor.gql(query, {"n": size}))["orders"]["edges"]
        counts.append(sql_counter.count)
        assert len(edges) == size
        rated = [e["node"]["evaluation"] for e in edges if e["node"]["status"] == "COMPLETED"]
        assert rated and all(r is not None and r["rater"]["name"] for r in rated), rated
        bad = [r for r in rated if r["level"] == "DISSATISFIED"]
        assert all(r["rectification"] is not None for r in bad), bad
        assert len(bad) == (1 if size == 5 else 2)
    assert counts[0] == counts[1], (counts, sql_counter.statements)
