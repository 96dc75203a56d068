"""What a list of requests loads: plain rows of the columns its selection asks for, one statement
for the page (two with `mergedInto`), whatever its size; each field alone answers as beside the
others."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.catalog import Category
from backend.schema import schema
from backend.schema.service_requests.types import REQUEST_NEEDS
from tests import builders
from tests.schema.helpers import global_id, signed_in
from tests.schema.test_service_requests import FIELDS, MERGE, act, asked, member

pytestmark = pytest.mark.postgres

ALL = FIELDS + " enterpriseId categoryId mergedIntoId createdAt decidedAt"


def test_every_field_of_a_request_says_what_it_loads() -> None:
    """A new field without an entry would be served from columns nobody loaded."""
    fields = set(schema._schema.type_map["ServiceRequest"].fields)  # type: ignore[union-attr]
    assert fields == set(REQUEST_NEEDS.fields)
    # The test below asks every one of them.
    assert fields == {f for f in ALL.replace("{", " ").replace("}", " ").split()} & fields


async def _requests(new_api: Any, count: int) -> Any:
    """`count` requests of one enterprise, every other one merged into the first."""
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    e = await builders.verified_enterprise()
    alice = await member(new_api, e.id)
    category = await Category.create(name_zh="市场监管", position=1)
    first = await asked(alice, e.id, categoryId=global_id("Category", category.id))
    for i in range(count - 1):
        row = await asked(alice, e.id, title=f"需求{i}")
        if i % 2 == 0:
            await act(admin, MERGE, serviceRequestId=row["id"], expectedVersion=1,
                      targetId=first["id"])  # fmt: skip
    return admin


async def test_a_page_costs_one_statement_and_one_more_for_merged_targets(
    new_api: Any, sql_counter: Any
) -> None:
    admin = await _requests(new_api, 21)

    async def statements(selection: str, n: int) -> list[str]:
        query = (
            "query($n: Int) { serviceRequests(first: $n) { edges { node { "
            f"{selection} }} }} }} }}"
        )
        await admin.prime()
        sql_counter.reset()
        edges = (await admin.gql(query, {"n": n}))["serviceRequests"]["edges"]
        assert len(edges) == n
        return [s for s in sql_counter.statements if "service_requests" in s]

    plain = await statements("title status", 20)
    assert len(plain) == 1
    # Only what was asked: no joins, no text the page does not show.
    assert "JOIN" not in plain[0].upper() and "description" not in plain[0]
    named = await statements("title enterpriseName categoryName serviceItemName", 20)
    assert len(named) == 1 and "enterprises" in named[0] and "categories" in named[0]
    for n in (2, 20):
        assert len(await statements("title mergedInto { title status }", n)) == 2
    full_small, full_large = await statements(ALL, 2), await statements(ALL, 20)
    assert len(full_small) == len(full_large) == 2
    # Everything, with the count: the session and its roles, the page, the targets, the count
    # and the viewer's reach (for viewerCan, once for the whole page).
    sql_counter.reset()
    query = f"{{ serviceRequests(first: 20) {{ totalCount edges {{ node {{ {ALL} }} }} }} }}"
    await admin.gql(query)
    assert sql_counter.count == 6, [s[:80] for s in sql_counter.statements]


async def test_each_field_asked_alone_answers_as_beside_the_others(new_api: Any) -> None:
    admin = await _requests(new_api, 4)
    names = [f for f in REQUEST_NEEDS.fields if f not in {"mergedInto", "viewerCan"}]
    names += ["mergedInto { title status answer serviceItemId }",
              "viewerCan { answer decline merge draftItem }"]  # fmt: skip

    async def nodes(selection: str) -> list[dict[str, Any]]:
        query = f"{{ serviceRequests(first: 10) {{ edges {{ node {{ {selection} }} }} }} }}"
        return [e["node"] for e in (await admin.gql(query))["serviceRequests"]["edges"]]

    together = await nodes(" ".join(names))
    assert any(n["mergedInto"] for n in together) and any(n["categoryName"] for n in together)
    for name in names:
        key = name.split()[0]
        alone = await nodes(name)
        assert [n[key] for n in alone] == [n[key] for n in together], name
    # The same through node(id), and through the groups.
    one = together[-1]
    found = await admin.gql(
        "query($id: ID!) { node(id: $id) { ... on ServiceRequest { title enterpriseName "
        "mergedInto { title } } } }",
        {"id": one["id"]},
    )
    assert found["node"] == {k: one[k] for k in ("title", "enterpriseName", "mergedInto")}
