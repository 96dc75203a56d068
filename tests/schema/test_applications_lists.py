"""Who sees which applications and their materials; lists cost a fixed number of statements;
materials are uploaded against their kind's types and size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.models.accounts import Role
from backend.models.catalog import ReviewMode
from backend.models.enterprises import Membership, MembershipRole
from backend.models.files import StoredFile
from backend.models.orders import Order
from backend.settings import Settings
from tests import builders
from tests.conftest import Api
from tests.schema.application_helpers import (
    APP_FIELDS,
    MB,
    decide,
    login,
    materials,
    stored,
    submission,
    submitted,
    world,
)
from tests.schema.enterprise_helpers import PDF, PNG, storage_app
from tests.schema.helpers import global_id

LIST = f"""query($n: Int, $f: ApplicationFilter) {{ applications(first: $n, filter: $f) {{
    totalCount edges {{ node {{ {APP_FIELDS} }} }} }} }}"""
FILE = """query($id: ID!) { node(id: $id) { ... on File { id downloadUrl } } }"""


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def _numbers(api: Api, filter: dict[str, Any] | None = None) -> list[str]:
    data = await api.gql(LIST, {"n": 50, "f": filter})
    return sorted(e["node"]["number"] for e in data["applications"]["edges"])


@pytest.mark.postgres
async def test_each_role_sees_its_applications_and_their_materials(new_api: Any) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    mine = await submitted(w.applicant, submission(w, attachments=await materials(w.owner)))
    number = mine["application"]["number"]
    assignee_id = (await Order.get(number=mine["order"]["number"])).assignee_id  # type: ignore[attr-defined]
    assigned = await login(new_api, next(h for h in w.handlers if h.id == assignee_id))
    other_handler = await login(new_api, next(h for h in w.handlers if h.id != assignee_id))
    stranger_user = await builders.user(Role.APPLICANT, "别家")
    other = await builders.verified_enterprise("别家公司")
    await Membership.create(user=stranger_user, enterprise=other, role=MembershipRole.OWNER)
    stranger = await login(new_api, stranger_user)
    theirs = await submitted(
        stranger,
        {**submission(w, attachments=await materials(stranger_user)),
         "enterpriseId": global_id("Enterprise", other.id)},
    )  # fmt: skip
    both = sorted([number, theirs["application"]["number"]])
    assert await _numbers(w.applicant) == [number]
    assert await _numbers(stranger) == [theirs["application"]["number"]]
    assert await _numbers(w.auditor) == both
    assert await _numbers(assigned) == [number]
    # The other handler got the other enterprise's order (the least loaded).
    assert await _numbers(other_handler) == [theirs["application"]["number"]]
    file_id = mine["application"]["attachments"][0]["file"]["id"]
    for viewer, downloadable in (
        (w.applicant, True), (w.auditor, True), (assigned, True),
        (other_handler, False), (stranger, False),
    ):  # fmt: skip
        node = (await viewer.gql(FILE, {"id": file_id}))["node"]
        assert bool(node and node["downloadUrl"]) is downloadable
    by_number = """query($n: String!) { applicationByNumber(number: $n) { number } }"""
    assert (await stranger.gql(by_number, {"n": number}))["applicationByNumber"] is None
    node = (await w.auditor.gql(by_number, {"n": number}))["applicationByNumber"]
    assert node == {"number": number}
    # Filters, inside the query.
    assert await _numbers(w.auditor, {"status": "APPROVED"}) == both
    assert await _numbers(w.auditor, {"enterpriseId": global_id("Enterprise", other.id)}) == [
        theirs["application"]["number"]
    ]
    assert await _numbers(w.auditor, {"search": "别家"}) == [theirs["application"]["number"]]
    assert await _numbers(w.auditor, {"status": "DRAFT"}) == []


@pytest.mark.postgres
async def test_the_list_costs_the_same_for_2_and_20(new_api: Any, sql_counter: Any) -> None:
    w = await world(new_api, ReviewMode.AUTO)
    for i in range(21):
        files = await materials(w.owner)
        await submitted(
            w.applicant, submission(w, attachments=files, formData={"amount": f"{20000 + i}"})
        )
    manual = await world(new_api)
    files = await materials(manual.owner)
    app = (await submitted(manual.applicant, submission(manual, attachments=files)))["application"]
    returned = await decide(manual.auditor, app, "RETURN", comment="请补充")
    assert returned["userErrors"] == []
    auditor = w.auditor
    await auditor.prime()
    statements = []
    for size in (2, 20):
        sql_counter.reset()
        body = (await auditor.post(LIST, {"n": size})).json()
        assert "errors" not in body, body
        assert len(body["data"]["applications"]["edges"]) == size
        statements.append(sql_counter.count)
    assert statements[0] == statements[1], sql_counter.statements
    assert statements[1] <= 20


UPLOAD = """mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    file { id mimeType } userErrors { field code message } } }"""


async def _upload(api: Api, data: bytes, name: str, item_id: str, kind: str) -> Any:
    await api.prime()
    input = {
        "file": None,
        "purpose": "ATTACHMENT",
        "serviceItemId": item_id,
        "attachmentKind": kind,
    }
    operations = json.dumps({"query": UPLOAD, "variables": {"input": input}})
    response = await api.client.post(
        "/graphql",
        params={"csrf_token": api.csrf()},
        data={"operations": operations, "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, data, "application/pdf")},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["uploadFile"]


async def test_materials_are_judged_by_their_kind_from_the_bytes(new_api: Any) -> None:
    w = await world(new_api)
    item_id = global_id("ServiceItem", w.item.id)
    before = await StoredFile.all().count()
    cases = [
        (PNG, "licence", "FILE_TYPE_NOT_ALLOWED"),  # a PNG named .pdf, for a PDF-only kind
        (b"", "licence", "EMPTY_FILE"),
        (PDF + b"0" * MB, "licence", "FILE_TOO_LARGE"),
        (PDF, "nonsense", "UNKNOWN_ATTACHMENT_KIND"),
    ]
    for data, kind, code in cases:
        payload = await _upload(w.applicant, data, "scan.pdf", item_id, kind)
        assert [e["code"] for e in payload["userErrors"]] == [code], payload
    assert await StoredFile.all().count() == before
    accepted = await _upload(w.applicant, PNG, "report.png", item_id, "report")
    assert accepted["file"]["mimeType"] == "image/png"
    licence = await _upload(w.applicant, PDF, "licence.pdf", item_id, "licence")
    payload = await submitted(
        w.applicant,
        submission(w, attachments=[
            {"kind": "licence", "fileId": licence["file"]["id"]},
            {"kind": "report", "fileId": accepted["file"]["id"]},
        ]),
    )  # fmt: skip
    assert payload["application"]["status"] == "UNDER_REVIEW"


async def test_a_stored_file_of_the_wrong_type_fails_the_audit(new_api: Any) -> None:
    w = await world(new_api)
    files = [
        {"kind": "licence", "fileId": await stored(w.owner, "image/png")},
        {"kind": "report", "fileId": await stored(w.owner, "image/png", size=2 * MB)},
        {"kind": "photo", "fileId": await stored(w.owner)},
    ]
    payload = await submitted(w.applicant, submission(w, attachments=files))
    problems = payload["application"]["auditResult"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [
        (["attachments", "0", "fileId"], "ATTACHMENT_TYPE_NOT_ALLOWED"),
        (["attachments", "1", "fileId"], "ATTACHMENT_TOO_LARGE"),
        (["attachments", "2", "kind"], "UNKNOWN_ATTACHMENT_KIND"),
    ]
    assert payload["application"]["status"] == "RETURNED"
