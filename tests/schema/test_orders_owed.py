"""Owed materials (容缺): the enterprise hands them in, the handler or the desk accepts or returns
them, and only accepted ones settle what the order's completion waits for."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.models.applications import ApplicationAttachment, OwedMaterial, OwedStatus
from backend.models.catalog import ReviewMode
from backend.models.events import Event
from backend.models.orders import Order
from backend.services.orders import owed
from tests.schema.application_helpers import stored as stored_material
from tests.schema.application_helpers import submission, submitted, world
from tests.schema.conversation_helpers import (
    REVIEW,
    ROLES,
    SUPPLY,
    Cast,
    cast,
    codes,
    stored,
    view,
    written,
)
from tests.schema.helpers import global_id
from tests.schema.order_helpers import open_order

MB = 1024 * 1024
FORM: dict[str, Any] = {
    "fields": [],
    "attachments": [
        {"kind": "report", "label": {"zh": "财务报表", "en": "financial report"},
         "mimeTypes": ["application/pdf", "image/*"], "maxBytes": MB, "required": True,
         "asksExpiry": False, "deferrable": True},
        {"kind": "audit", "label": {"zh": "审计报告", "en": "audit report"},
         "mimeTypes": ["application/pdf"], "maxBytes": MB, "required": True,
         "asksExpiry": True, "deferrable": True},
        {"kind": "permit", "label": {"zh": "许可证", "en": "permit"},
         "mimeTypes": ["application/pdf"], "maxBytes": MB, "required": True,
         "asksExpiry": False, "deferrable": True},
    ],
}  # fmt: skip


async def _owing(new_api: Any, *kinds: str) -> tuple[Cast, dict[str, str]]:
    c = await cast(new_api, form=FORM)
    due = datetime.now(UTC).date() + timedelta(days=7)
    ids = {}
    for kind in kinds:
        row = await OwedMaterial.create(
            application_id=c.order.application_id,
            kind=kind,
            due_on=due,  # type: ignore[attr-defined]
        )
        ids[kind] = global_id("OwedMaterial", row.id)
    return c, ids


async def _supply(c: Cast, role: str, owed_id: str, file_id: str, **extra: Any) -> dict[str, Any]:
    input = {"owedMaterialId": owed_id, "fileId": file_id, **extra}
    data = await c[role].gql(SUPPLY, {"input": input})
    return data["supplyOwedMaterial"]


async def _review(c: Cast, role: str, owed_id: str, decision: str, reason: str = "") -> Any:
    input = {"owedMaterialId": owed_id, "decision": decision, "reason": reason}
    return (await c[role].gql(REVIEW, {"input": input}))["reviewOwedMaterial"]


SUPPLY_EXPECTED = {
    "assignee": ["FORBIDDEN"],
    "other_handler": ["NOT_FOUND"],
    "applicant": [],
    "other_applicant": ["NOT_FOUND"],
    "auditor": ["FORBIDDEN"],
    "supervisor": ["FORBIDDEN"],
    "admin": ["FORBIDDEN"],
    "provider": ["NOT_FOUND"],
    "anonymous": ["NOT_AUTHENTICATED"],
}
REVIEW_EXPECTED = {
    "assignee": [],
    "other_handler": ["NOT_FOUND"],
    "applicant": ["FORBIDDEN"],
    "other_applicant": ["NOT_FOUND"],
    "auditor": [],
    "supervisor": ["FORBIDDEN"],
    "admin": ["FORBIDDEN"],
    "provider": ["NOT_FOUND"],
    "anonymous": ["NOT_AUTHENTICATED"],
}


@pytest.mark.postgres
async def test_who_may_supply_and_who_may_review(new_api: Any) -> None:
    c, ids = await _owing(new_api, "report", "permit")
    for role in ROLES:
        # Each tries with a PDF of their own (the anonymous caller has none: a stranger's).
        file_id = await stored(c.users.get(role))
        before = await written()
        payload = await _supply(c, role, ids["report"], file_id)
        assert codes(payload) == SUPPLY_EXPECTED[role], role
        if SUPPLY_EXPECTED[role]:
            assert payload["owedMaterial"] is None and await written() == before, role
    mine = await stored(c.users["applicant"])
    assert codes(await _supply(c, "applicant", ids["permit"], mine)) == []
    for role in ROLES:
        before = await written()
        # The assignee accepts the report, the desk the permit; everyone else is refused.
        target = ids["permit"] if role == "auditor" else ids["report"]
        payload = await _review(c, role, target, "ACCEPT")
        assert codes(payload) == REVIEW_EXPECTED[role], role
        if REVIEW_EXPECTED[role]:
            assert payload["owedMaterial"] is None and await written() == before, role
        else:
            assert payload["owedMaterial"]["status"] == "ACCEPTED"
            assert payload["owedMaterial"]["reviewedBy"] == {"name": c.users[role].name}
    assert await owed.outstanding(None, c.order.application_id) == []  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_returned_with_a_reason_supplied_again_then_accepted(new_api: Any) -> None:
    c, ids = await _owing(new_api, "report", "permit")
    application_id: int = c.order.application_id  # type: ignore[attr-defined]
    seen = await view(c["applicant"], c.order_id)
    assert seen is not None
    assert [(m["kind"], m["label"], m["status"]) for m in seen["owedMaterials"]] == [
        ("report", "财务报表", "OUTSTANDING"),
        ("permit", "许可证", "OUTSTANDING"),
    ]
    assert seen["viewerCan"]["supplyOwedMaterial"] is True
    assert seen["viewerCan"]["reviewOwedMaterial"] is False
    first = await stored(c.users["applicant"], "image/png")
    supplied = await _supply(c, "applicant", ids["report"], first)
    assert codes(supplied) == []
    assert supplied["owedMaterial"]["status"] == "SUPPLIED"
    assert supplied["owedMaterial"]["suppliedBy"] == {"name": c.users["applicant"].name}
    assert supplied["owedMaterial"]["suppliedFile"]["id"] == first
    # Handed in, it cannot be handed in again until it is reviewed.
    twice = await _supply(c, "applicant", ids["report"], await stored(c.users["applicant"]))
    assert codes(twice) == ["FORBIDDEN_TRANSITION"]
    handler = await view(c["assignee"], c.order_id)
    assert handler is not None and handler["viewerCan"]["reviewOwedMaterial"] is True
    no_reason = await _review(c, "assignee", ids["report"], "RETURN", "  ")
    assert [(e["field"], e["code"]) for e in no_reason["userErrors"]] == [
        (["reason"], "RETURN_REASON_REQUIRED")
    ]
    returned = await _review(c, "assignee", ids["report"], "RETURN", "报表缺少盖章页")
    assert codes(returned) == []
    assert returned["owedMaterial"]["returnReason"] == "报表缺少盖章页"
    # The applicant reads why (in the list and on the timeline) and hands it in again.
    seen = await view(c["applicant"], c.order_id)
    assert seen is not None
    report = seen["owedMaterials"][0]
    assert (report["status"], report["returnReason"]) == ("RETURNED", "报表缺少盖章页")
    notes = {e["node"]["kind"]: e["node"]["note"] for e in seen["timeline"]["edges"]}
    assert notes["ORDER_OWED_MATERIAL_RETURNED"] == "报表缺少盖章页"
    assert len(await owed.outstanding(None, application_id)) == 2
    second = await stored(c.users["applicant"])
    assert codes(await _supply(c, "applicant", ids["report"], second)) == []
    accepted = await _review(c, "auditor", ids["report"], "ACCEPT")
    assert codes(accepted) == [] and accepted["owedMaterial"]["returnReason"] == ""
    # Accepted, it is one of the application's materials; the permit is still outstanding.
    materials = await ApplicationAttachment.filter(application_id=application_id).values_list(
        "kind", "file_id"
    )
    assert materials == [("report", int(_pk(second)))]
    left = await owed.outstanding(None, application_id)
    assert [(o.kind, o.status) for o in left] == [("permit", OwedStatus.OUTSTANDING)]
    kinds = await Event.filter(aggregate_type="order", kind__startswith="ORDER_OWED").values_list(
        "kind", flat=True
    )
    assert kinds == [
        "ORDER_OWED_MATERIAL_SUPPLIED",
        "ORDER_OWED_MATERIAL_RETURNED",
        "ORDER_OWED_MATERIAL_SUPPLIED",
        "ORDER_OWED_MATERIAL_ACCEPTED",
    ]
    # None of it touched the order's version.
    assert (await Order.get(id=c.order.id)).version == c.order.version


def _pk(global_value: str) -> str:
    padded = global_value + "=" * (-len(global_value) % 4)
    return base64.urlsafe_b64decode(padded).decode().partition(":")[2]


async def test_a_supplied_material_is_checked_as_its_kind_and_nothing_half_written(
    new_api: Any,
) -> None:
    c, ids = await _owing(new_api, "report", "audit")
    me = c.users["applicant"]
    today = datetime.now(UTC).date()
    before = await written()
    owed_rows = await OwedMaterial.all().order_by("id").values("status", "supplied_file_id")
    cases: list[tuple[str, str, dict[str, Any], list[tuple[list[str], str]]]] = [
        ("report", await stored(me, "application/zip"), {},
         [(["fileId"], "ATTACHMENT_TYPE_NOT_ALLOWED")]),
        ("report", await stored(me, size=MB + 1), {}, [(["fileId"], "ATTACHMENT_TOO_LARGE")]),
        ("report", await stored(me, size=0), {}, [(["fileId"], "ATTACHMENT_EMPTY")]),
        ("report", await stored(c.users["assignee"]), {}, [(["fileId"], "ATTACHMENT_NOT_YOURS")]),
        ("report", c.order_id, {}, [(["fileId"], "ATTACHMENT_NOT_YOURS")]),
        ("audit", await stored(me, "image/png"), {},
         [(["fileId"], "ATTACHMENT_TYPE_NOT_ALLOWED"), (["expiresOn"], "EXPIRY_REQUIRED")]),
        ("audit", await stored(me), {"expiresOn": today.isoformat()},
         [(["expiresOn"], "ATTACHMENT_EXPIRED")]),
    ]  # fmt: skip
    for kind, file_id, extra, expected in cases:
        payload = await _supply(c, "applicant", ids[kind], file_id, **extra)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == expected, (kind, extra)
        assert all(e["message"] for e in payload["userErrors"])
    assert await written() == before
    assert await OwedMaterial.all().order_by("id").values("status", "supplied_file_id") == owed_rows
    # Someone else's owed material, or an id of another kind: not found.
    theirs = await open_order(c.park, other=True)
    other = await OwedMaterial.create(
        application_id=theirs.application_id,
        kind="permit",
        due_on=today,  # type: ignore[attr-defined]
    )
    stranger = await _supply(c, "applicant", global_id("OwedMaterial", other.id), await stored(me))
    assert codes(stranger) == ["NOT_FOUND"]
    wrong_type = await _supply(c, "applicant", c.order_id, await stored(me))
    assert [(e["field"], e["code"]) for e in wrong_type["userErrors"]] == [
        (["owedMaterialId"], "NOT_FOUND")
    ]
    # With a valid date, the kind that asks for one is handed in.
    later = (today + timedelta(days=365)).isoformat()
    good = await _supply(c, "applicant", ids["audit"], await stored(me), expiresOn=later)
    assert codes(good) == []
    row = await OwedMaterial.get(kind="audit")
    assert row.supplied_expires_on == date.fromisoformat(later)


async def test_a_cancelled_order_takes_no_owed_materials(new_api: Any) -> None:
    c, ids = await _owing(new_api, "report")
    await Order.filter(id=c.order.id).update(status="CANCELLED")
    payload = await _supply(c, "applicant", ids["report"], await stored(c.users["applicant"]))
    assert codes(payload) == ["FORBIDDEN_TRANSITION"]


async def test_from_a_promise_at_submit_to_an_accepted_material(new_api: Any) -> None:
    """The whole path through the API: submit promising the report, hand it in, accept it."""
    w = await world(new_api, ReviewMode.AUTO)
    licence = {"kind": "licence", "fileId": await stored_material(w.owner)}
    payload = await submitted(
        w.applicant, submission(w, attachments=[licence], promiseDeferred=True)
    )
    order_id = payload["order"]["id"]
    order = await Order.get(number=payload["order"]["number"])
    owed_rows = await owed.outstanding(None, order.application_id)
    assert [o.kind for o in owed_rows] == ["report"]
    seen = (
        await w.applicant.gql(
            "query($id: ID!) { order(id: $id) { owedMaterials { id kind label dueOn status } } }",
            {"id": order_id},
        )
    )["order"]["owedMaterials"]
    assert [(m["kind"], m["label"], m["status"]) for m in seen] == [
        ("report", "财务报表", "OUTSTANDING")
    ]
    assert seen[0]["dueOn"] == owed_rows[0].due_on.isoformat()
    report = await stored_material(w.owner, "image/png")
    supplied = (
        await w.applicant.gql(
            SUPPLY, {"input": {"owedMaterialId": seen[0]["id"], "fileId": report}}
        )
    )["supplyOwedMaterial"]
    assert codes(supplied) == []
    accepted = (
        await w.auditor.gql(
            REVIEW, {"input": {"owedMaterialId": seen[0]["id"], "decision": "ACCEPT"}}
        )
    )["reviewOwedMaterial"]
    assert codes(accepted) == []
    assert await owed.outstanding(None, order.application_id) == []
