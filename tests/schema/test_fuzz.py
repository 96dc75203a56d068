"""Generated operations over `schema.graphql`: whatever a client sends, no bug shows.

`hypothesis-graphql` builds valid queries and mutations from the published schema, with
arbitrary arguments (ids that name nothing, texts of any length and alphabet, enums, nested
inputs). Each runs as an anonymous visitor, an applicant and an admin against one database
that fills up as the examples run. An answer may be data, a `userError` or a GraphQL error
with a code; it may never be a 500 or an `INTERNAL_ERROR` (a masked bug).

CI runs `FUZZ_EXAMPLES` (default 300) examples per role and face, derandomized so a run cannot
flake; set `SERVICEHALL_FUZZ_EXAMPLES` for more, and `SERVICEHALL_FUZZ_RANDOM=1` to explore.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from backend.settings import ROOT
from tests.conftest import IN_CI, Api
from tests.schema.fuzz_world import ROLES, FuzzWorld, running_world

FUZZ_EXAMPLES = int(os.environ.get("SERVICEHALL_FUZZ_EXAMPLES", "300"))
DERANDOMIZE = IN_CI or os.environ.get("SERVICEHALL_FUZZ_RANDOM", "") != "1"
SCHEMA = graphql.build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))

# Mutations that would end the caller's own session, so later examples would test nothing
# but the anonymous face.
OWN_SESSION_ENDERS = {"logout"}
MUTATIONS = sorted(set(SCHEMA.mutation_type.fields) - OWN_SESSION_ENDERS)  # type: ignore[union-attr]
QUERIES = sorted(SCHEMA.query_type.fields)  # type: ignore[union-attr]


def _json_value(depth: int = 0) -> st.SearchStrategy[graphql.ValueNode]:
    leaves: st.SearchStrategy[graphql.ValueNode] = st.one_of(
        st.text(max_size=40).map(nodes.String),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
        st.just(graphql.NullValueNode()),
    )
    if depth >= 2:
        return leaves
    inner = st.deferred(lambda: _json_value(depth + 1))
    return st.one_of(
        leaves,
        st.lists(inner, max_size=4).map(nodes.List),
        st.dictionaries(
            st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True), inner, max_size=5
        ).map(
            lambda d: nodes.Object(
                [
                    graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
                    for k, v in d.items()
                ]
            )
        ),
    )


# Date, DateTime and Decimal get well-formed and malformed texts alike; an upload cannot be
# sent inline in a JSON body, so its arguments get strings the server must refuse cleanly.
CUSTOM_SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "JSON": _json_value(),
    "Date": st.one_of(st.dates().map(str), st.text(max_size=12)).map(nodes.String),
    "DateTime": st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=30)).map(
        nodes.String
    ),
    "Decimal": st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str), st.text(max_size=12)
    ).map(nodes.String),
    "Upload": st.text(max_size=20).map(nodes.String),
}


def _settings(fields: int) -> settings:
    """`FUZZ_EXAMPLES` per role and face, spread over the root fields (each at least 5)."""
    return settings(
        max_examples=max(5, -(-FUZZ_EXAMPLES // fields)),
        derandomize=DERANDOMIZE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


async def _check(client: Api, document: str) -> None:
    response = await client.post(document)
    assert response.status_code != 500, (document, response.text[:500])
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_ERROR" not in codes, (document, body)


@pytest.fixture(scope="module")
def fuzz_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    """One database for the module: later examples meet what earlier ones stored."""
    with running_world(sqlite_template, tmp_path_factory.mktemp("fuzz")) as world:
        yield world


# One run per root field: drawn from the whole schema at once, almost every document would
# start at the first field (`node`), and the rest would go unexercised.
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", QUERIES)
def test_generated_queries_never_reveal_a_bug(fuzz_world: FuzzWorld, role: str, field: str) -> None:
    client = fuzz_world.clients[role]

    @_settings(len(QUERIES))
    @given(document=queries(SCHEMA, fields=[field], custom_scalars=CUSTOM_SCALARS))
    def run(document: str) -> None:
        fuzz_world.run(_check(client, document))

    run()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", MUTATIONS)
def test_generated_mutations_never_reveal_a_bug(
    fuzz_world: FuzzWorld, role: str, field: str
) -> None:
    client = fuzz_world.clients[role]

    @_settings(len(MUTATIONS))
    @given(document=mutations(SCHEMA, fields=[field], custom_scalars=CUSTOM_SCALARS))
    def run(document: str) -> None:
        fuzz_world.run(_check(client, document))

    run()
