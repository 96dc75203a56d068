"""Idempotent submits and racing decisions: one result, clean userErrors for the losers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.applications import Application, IdempotencyKey, Review
from backend.models.orders import Order
from tests import builders
from tests.schema.application_helpers import (
    SAVE,
    SUBMIT,
    counts,
    decide,
    login,
    materials,
    submission,
    submitted,
    world,
)


async def test_a_repeated_key_returns_the_first_result_and_creates_nothing(new_api: Any) -> None:
    w = await world(new_api)
    input = submission(w, attachments=await materials(w.owner), idempotencyKey="k-1")
    first = await submitted(w.applicant, input)
    before = await counts()
    again = await submitted(w.applicant, input)
    assert again["application"]["id"] == first["application"]["id"]
    assert again["application"]["version"] == first["application"]["version"]
    assert await counts() == before
    # The same key for another action is refused.
    other = (await w.applicant.gql(SAVE, {"input": input}))["saveApplicationDraft"]
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    # Draft saves are idempotent too.
    draft = {**submission(w), "idempotencyKey": "d-1"}
    saved = (await w.applicant.gql(SAVE, {"input": draft}))["saveApplicationDraft"]
    resaved = (await w.applicant.gql(SAVE, {"input": draft}))["saveApplicationDraft"]
    assert saved["application"]["id"] == resaved["application"]["id"]


@pytest.mark.postgres
async def test_fifty_concurrent_submits_with_one_key_make_one_application(new_api: Any) -> None:
    w = await world(new_api, builders.ReviewMode.AUTO)
    input = submission(w, attachments=await materials(w.owner), idempotencyKey="same")
    await w.applicant.prime()
    responses = await asyncio.gather(
        *(w.applicant.post(SUBMIT, {"input": input}) for _ in range(50))
    )
    bodies = [r.json() for r in responses]
    assert all(
        r.status_code == 200 and "errors" not in b for r, b in zip(responses, bodies, strict=True)
    )
    payloads = [b["data"]["submitApplication"] for b in bodies]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    assert {p["application"]["id"] for p in payloads} == {payloads[0]["application"]["id"]}
    assert {p["order"]["number"] for p in payloads} == {payloads[0]["order"]["number"]}
    assert await Application.all().count() == 1
    assert await Order.all().count() == 1
    assert await IdempotencyKey.all().count() == 1


@pytest.mark.postgres
async def test_two_auditors_deciding_at_once_make_one_decision(new_api: Any) -> None:
    w = await world(new_api)
    second = await login(new_api, await builders.user(Role.AUDITOR, "审核员二"))
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    await second.prime()
    results = await asyncio.gather(
        decide(w.auditor, app, "APPROVE"), decide(second, app, "RETURN", comment="请补充")
    )
    winners = [r for r in results if r["userErrors"] == []]
    losers = [r for r in results if r["userErrors"]]
    assert len(winners) == 1 and len(losers) == 1
    assert [e["code"] for e in losers[0]["userErrors"]] in (["STALE"], ["FORBIDDEN_TRANSITION"])
    assert await Review.all().count() == 1
    expected_orders = 1 if winners[0]["application"]["status"] == "APPROVED" else 0
    assert await Order.all().count() == expected_orders


@pytest.mark.postgres
async def test_racing_submits_keep_one_open_application(new_api: Any) -> None:
    w = await world(new_api, rules=[{"type": "ONE_OPEN_PER_ENTERPRISE"}])
    inputs = [submission(w, attachments=await materials(w.owner)) for _ in range(5)]
    await w.applicant.prime()
    responses = await asyncio.gather(*(w.applicant.post(SUBMIT, {"input": i}) for i in inputs))
    payloads = [r.json()["data"]["submitApplication"] for r in responses]
    accepted = [p for p in payloads if not p["userErrors"]]
    assert len(accepted) == 1
    assert all(
        [e["code"] for e in p["userErrors"]] == ["ALREADY_OPEN"]
        for p in payloads
        if p["userErrors"]
    )
    assert await Application.all().count() == 1
