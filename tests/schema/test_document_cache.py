"""A document seen before is neither parsed nor validated again, and the caches stay bounded."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql.language.parser import Parser

from backend.schema import extensions
from tests.conftest import Api

_unique = itertools.count()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often graphql-core parses a document and validates one, from now on."""
    counted = {"parse": 0, "validate": 0}
    parse, validate = Parser.parse_document, strawberry_schema.validate

    def parse_document(self: Parser) -> Any:
        counted["parse"] += 1
        return parse(self)

    def validating(*args: Any, **kwargs: Any) -> Any:
        counted["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(Parser, "parse_document", parse_document)
    monkeypatch.setattr(strawberry_schema, "validate", validating)
    return counted


def _document() -> str:
    # A text no other test sent, so the process-wide caches cannot have it yet.
    return f"query Cached{next(_unique)} {{ __typename categories(first: 2) {{ totalCount }} }}"


async def test_a_document_is_parsed_and_validated_once(api: Api, calls: dict[str, int]) -> None:
    await api.prime()
    document = _document()
    calls.update(parse=0, validate=0)
    first = (await api.post(document)).json()
    second = (await api.post(document)).json()
    assert "errors" not in first, first
    assert first["data"] == second["data"]
    assert calls == {"parse": 1, "validate": 1}


async def test_an_invalid_document_is_refused_the_second_time_too(
    api: Api, calls: dict[str, int]
) -> None:
    await api.prime()
    document = f"query Wrong{next(_unique)} {{ noSuchField }}"
    answers = [(await api.post(document)).json() for _ in range(2)]
    assert answers[0]["errors"][0]["message"] == answers[1]["errors"][0]["message"]
    assert "noSuchField" in answers[1]["errors"][0]["message"]
    assert calls["validate"] == 1


async def test_the_same_text_under_other_limits_is_validated_against_them(
    app: Any, api: Api, calls: dict[str, int]
) -> None:
    """The limits are part of the key: a document cached under one depth limit is not
    passed under a stricter one."""
    await api.prime()
    document = (
        f"query Deep{next(_unique)} {{ categories(first: 2) {{ edges {{ node {{ id }} }} }} }}"
    )
    assert "errors" not in (await api.post(document)).json()
    app.state.settings = type(app.state.settings)(
        **{**app.state.settings.__dict__, "max_query_depth": 1}
    )
    refused = (await api.post(document)).json()
    assert "exceeds maximum operation depth" in refused["errors"][0]["message"], refused
    assert calls["validate"] == 2


async def test_the_validation_cache_keeps_at_most_its_size(
    api: Api, calls: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.prime()
    monkeypatch.setattr(extensions, "DOCUMENT_CACHE_SIZE", 2)
    documents = [_document() for _ in range(3)]
    for document in documents:
        await api.post(document)
    assert len(extensions._validated) <= 2
    calls["validate"] = 0
    await api.post(documents[0])  # the oldest was let go: validated again
    await api.post(documents[2])  # the newest is kept
    assert calls["validate"] == 1
