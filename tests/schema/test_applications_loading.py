"""What an application list loads: the columns and parts its selection asks for, in a fixed
number of statements whatever the page size."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.models.applications import ApplicationRevision, Decision, Review
from backend.schema import schema
from backend.schema.applications.loading import APPLICATION_NEEDS, ENTERPRISE_NEEDS
from backend.schema.applications.parts import REVIEW_NEEDS, REVISION_NEEDS
from backend.schema.relay import decode_global_id
from tests.conftest import BACKEND
from tests.schema.application_helpers import decide, materials, stored, submission, submitted
from tests.schema.application_helpers import world as application_world
from tests.schema.order_helpers import Park, login, open_order, park

FULL_PAGE = """query($n: Int!) { applications(first: $n) { totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id number status serviceItemName createdAt submittedAt
      enterprise { name creditCode } applicant { name } filedBy { name }
      order { number status } reviews { decision comment } } } } }"""


def _pk(global_id: str) -> int:
    return decode_global_id(global_id)[1]


def _fields_of(type_name: str) -> set[str]:
    return set(schema._schema.type_map[type_name].fields)  # type: ignore[union-attr]


def test_every_field_of_an_application_says_what_it_loads() -> None:
    """A new field without an entry would be served from columns nobody loaded."""
    assert _fields_of("Application") == set(APPLICATION_NEEDS.fields)
    assert _fields_of("ApplicationEnterprise") == set(ENTERPRISE_NEEDS.fields)
    assert _fields_of("Review") == set(REVIEW_NEEDS.fields)
    assert _fields_of("ApplicationRevision") == set(REVISION_NEEDS.fields)
    for relation in ("applicant", "filedBy"):
        below = APPLICATION_NEEDS.fields[relation].below
        assert below is not None and _fields_of("User") == set(below.fields)
    attachments = REVISION_NEEDS.fields["attachments"].below
    assert attachments is not None
    assert _fields_of("ApplicationAttachment") == set(attachments.fields)


async def _reviewed_applications(count: int) -> Park:
    """`count` approved applications (with their orders), each with a revision and a review."""
    p = await park(handlers=2)
    for i in range(count):
        order = await open_order(p, other=i % 2 == 1)
        revision = await ApplicationRevision.create(
            application_id=order.application_id,
            number=1,
            item_version_id=order.item_version_id,
            form_data={"amount": "20000"},
        )
        await Review.create(
            application_id=order.application_id,
            revision=revision,
            reviewer=p.auditor,
            decision=Decision.APPROVE,
            comment=f"第 {i} 份",
        )
    return p


@pytest.mark.postgres
async def test_the_full_page_costs_five_statements_for_5_applications_as_for_50(
    new_api: Any, sql_counter: Any
) -> None:
    p = await _reviewed_applications(50)
    auditor = await login(new_api, p.auditor)
    orders = {o.application_id: o.number for o in p.orders}
    names = {p.enterprise.name, p.other_enterprise.name}
    counts = []
    for size in (5, 50):
        sql_counter.reset()
        data = (await auditor.gql(FULL_PAGE, {"n": size}))["applications"]
        counts.append(sql_counter.count)
        assert data["totalCount"] == 50
        assert len(data["edges"]) == size
        for edge in data["edges"]:
            node = edge["node"]
            assert node["order"] == {"number": orders[_pk(node["id"])], "status": "ASSIGNED"}
            assert node["enterprise"]["name"] in names
            assert node["applicant"]["name"] in ("王申请", "李申请")
            assert node["filedBy"] is None
            assert node["reviews"] == [
                {"decision": "APPROVE", "comment": node["reviews"][0]["comment"]}
            ]
    # The session and its roles, the page, its count, the reviews of the whole page.
    assert counts[0] == counts[1] <= 5, sql_counter.statements
    page = next(s for s in sql_counter.statements if 'FROM "applications"' in s and "LIMIT" in s)
    assert "form_data" not in page
    assert re.search(r"LIMIT 51\b", page), page


SEARCHED_PAGE = """query($n: Int!) {
    applications(first: $n, filter: {search: "科技 sq-", status: APPROVED}) { COUNT
      pageInfo { hasNextPage } edges { node { number enterprise { name } serviceItemName
        order { number } } } } }"""
COUNTS = {"bounded": "boundedCount(limit: 30) { value isExact }", "exact": "totalCount", "none": ""}


@pytest.mark.postgres
async def test_a_searched_page_costs_four_statements_and_one_more_on_postgres_for_the_words(
    new_api: Any, sql_counter: Any
) -> None:
    """Search and filters narrow the same page of plain rows (one statement, the size written
    in); PostgreSQL first finds every word's enterprises and items (one statement for all the
    words). Each count is read only when asked: the bounded one up to its limit."""
    p = await park(handlers=2)
    for i in range(51):
        await open_order(p, other=i == 50)  # 50 of 星河科技, one of Acme
    orders = {o.application_id: o.number for o in p.orders if o.enterprise_id == p.enterprise.id}
    auditor = await login(new_api, p.auditor)
    words = 1 if BACKEND == "postgres" else 0
    # Once before counting: a pool connection learns an array type's codec the first time it
    # sends one (asyncpg: three statements, once per connection).
    await auditor.gql(SEARCHED_PAGE.replace("COUNT", ""), {"n": 1})
    counts: dict[str, list[int]] = {name: [] for name in COUNTS}
    for size in (5, 50):
        for name, field in COUNTS.items():
            sql_counter.reset()
            data = await auditor.gql(SEARCHED_PAGE.replace("COUNT", field), {"n": size})
            applications = data["applications"]
            counts[name].append(sql_counter.count)
            assert len(applications["edges"]) == size
            assert applications["pageInfo"]["hasNextPage"] is (size < 50)
            for edge in applications["edges"]:
                node = edge["node"]
                assert node["enterprise"]["name"] == p.enterprise.name
                assert node["order"]["number"] in orders.values()
            counted = [s for s in sql_counter.statements if "COUNT(" in s.upper()]
            if name == "bounded":
                assert applications["boundedCount"] == {"value": 30, "isExact": False}
                assert len(counted) == 1 and "LIMIT 31" in counted[0], counted
            elif name == "exact":
                assert applications["totalCount"] == 50
                assert len(counted) == 1 and "LIMIT" not in counted[0], counted
            else:
                assert counted == []
            if words:
                found = [s for s in sql_counter.statements if "FROM enterprises" in s]
                assert len(found) == 1 and "search_grams" in found[0], found
            page = next(
                s for s in sql_counter.statements if 'FROM "applications"' in s and "ORDER BY" in s
            )
            assert re.search(rf"LIMIT {size + 1}\b", page), page
            # The word's one enterprise written into the page (PostgreSQL), or its subquery.
            written = f'"enterprise_id"={p.enterprise.id} ' if words else "IN (SELECT"
            assert written in page, page
    # The session and its roles, the words (PostgreSQL), the page, the count.
    assert counts["bounded"][0] == counts["bounded"][1] <= 4 + words, counts
    assert counts["exact"] == counts["bounded"], counts
    assert counts["none"][0] == counts["none"][1] == counts["bounded"][0] - 1, counts


USER = ["id", "name", "roles", "language", "isActive", "createdAt", "version", "email", "phone"]
USER += ["calendarYearsMissing", "can { catalog }", "unreadNotificationCount", "provider { id }"]
# Every field of Application, and the fields below it: each asked alone must answer as it does
# beside all the others.
ALONE: dict[str, list[str] | None] = {
    **dict.fromkeys(
        (
            *("id", "number", "status", "version", "createdAt", "submittedAt", "decidedAt"),
            *("promisedDeferred", "formData", "serviceItemId", "serviceItemName"),
            "itemVersionNumber",
        )
    ),
    "provider": ["id", "name"],
    "serviceItem": ["id", "name"],
    "enterprise": ["id", "name", "creditCode", "record { part value }"],
    "applicant": USER,
    "filedBy": USER,
    "order": ["id", "number", "status", "dueAt"],
    "attachments": ["kind", "expiresOn", "file { id name }"],
    "auditResult": ["passed", "revisionNumber", "at", "problems { field code message }"],
    "reviews": [
        *("decision", "comment", "at", "revisionNumber", "problems { field message }"),
        *(f"reviewer {{ {f} }}" for f in USER),
    ],
    "revisions": [
        *("number", "submittedAt", "formData", "itemVersionNumber", "byStaffForEnterprise"),
        *("attachments { kind expiresOn }", "attachments { file { id } }"),
    ],
    "owedMaterials": ["kind", "dueOn", "suppliedAt"],
    "changesSinceReturn": ["field", "before", "after"],
    "appointment": ["id", "queueNumber", "status", "day", "start", "location"],
    "viewerCan": ["edit", "submit", "withdraw", "review", "supplement"],
}


def _asks(field: str, below: list[str] | None) -> list[str]:
    return [field] if below is None else [f"{field} {{ {sub} }}" for sub in below]


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


@pytest.mark.postgres
async def test_each_field_asked_alone_answers_as_beside_the_others(new_api: Any) -> None:
    """On three applications: approved with its order, approved owing a material, and returned
    then resubmitted (changes since the return)."""
    assert set(ALONE) == _fields_of("Application")
    w = await application_world(new_api)
    complete = submission(w, attachments=await materials(w.owner))
    approved = (await submitted(w.applicant, complete))["application"]
    assert (await decide(w.auditor, approved, "APPROVE"))["userErrors"] == []
    licence = {"kind": "licence", "fileId": await stored(w.owner)}
    owing = (
        await submitted(w.applicant, submission(w, attachments=[licence], promiseDeferred=True))
    )["application"]
    assert (await decide(w.auditor, owing, "APPROVE"))["userErrors"] == []
    files = await materials(w.owner)
    app = (await submitted(w.applicant, submission(w, attachments=files)))["application"]
    problems = [{"field": ["formData", "amount"], "message": "请核对金额"}]
    returned = await decide(w.auditor, app, "RETURN", comment="金额有误", problems=problems)
    resubmit = submission(
        w,
        applicationId=app["id"],
        expectedVersion=returned["application"]["version"],
        formData={"amount": "30000"},
        attachments=[files[0], {"kind": "report", "fileId": await stored(w.owner)}],
    )
    await submitted(w.applicant, resubmit)

    everything = " ".join(a for field, below in ALONE.items() for a in _asks(field, below))
    list_of = "{ applications(first: 5) { edges { node { %s } } } }"
    for viewer in (w.auditor, w.applicant):
        data = await viewer.gql(list_of % everything)
        full = [e["node"] for e in data["applications"]["edges"]]
        assert len(full) == 3
        assert any(n["changesSinceReturn"] for n in full) and any(n["order"] for n in full)
        assert any(n["owedMaterials"] for n in full)
        for field, below in ALONE.items():
            for ask in _asks(field, below):
                alone = (await viewer.gql(list_of % ask))["applications"]["edges"]
                for whole, edge in zip(full, alone, strict=True):
                    answer = edge["node"][field]
                    assert _within(answer, whole[field]), (ask, answer, whole[field])
