"""A draft is its enterprise's own until it is submitted: no staff role reaches it or its files
by any way an application or a file can be reached. The desk's own drafts, filed for a
walk-in, are the desk's."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Role
from tests import builders
from tests.conftest import Api
from tests.schema.application_helpers import (
    CHECK,
    SAVE,
    SUBMIT,
    decide,
    login,
    materials,
    stored,
    submission,
    submitted,
    world,
)

STAFF = [Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN, Role.HANDLER]

LIST = "{ applications(first: 50) { totalCount edges { node { id } } } }"
BY_ID = "query($id: ID!) { application(id: $id) { id } }"
BY_NUMBER = "query($number: String!) { applicationByNumber(number: $number) { id } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
FILE = "query($id: ID!) { node(id: $id) { ... on File { id downloadUrl } } }"
WITH_FILES = """query($id: ID!) { application(id: $id) { id
    attachments { file { id downloadUrl } } } }"""


async def _draft(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    payload = (await api.gql(SAVE, {"input": input}))["saveApplicationDraft"]
    assert payload["userErrors"] == [], payload
    application: dict[str, Any] = payload["application"]
    return application


async def _reach(api: Api, app: dict[str, Any]) -> dict[str, Any]:
    """What `api` gets of the application and its files by each way there is to them."""
    file_id = app["attachments"][0]["file"]["id"]
    listed = await api.gql(LIST)
    return {
        "list": app["id"] in [e["node"]["id"] for e in listed["applications"]["edges"]],
        "count": listed["applications"]["totalCount"],
        "application": (await api.gql(WITH_FILES, {"id": app["id"]}))["application"],
        "by number": (await api.gql(BY_NUMBER, {"number": app["number"]}))["applicationByNumber"],
        "node": (await api.gql(NODE, {"id": app["id"]}))["node"],
        "nodes": (await api.gql(NODES, {"ids": [app["id"]]}))["nodes"],
        "file": (await api.gql(FILE, {"id": file_id}))["node"],
    }


async def _staff(new_api: Any, role: Role, w: Any) -> Api:
    return w.auditor if role is Role.AUDITOR else await login(new_api, await builders.user(role))


def _one_material(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return files[:1]


@pytest.mark.postgres
@pytest.mark.parametrize("role", STAFF, ids=lambda r: r.value)
async def test_no_staff_role_reaches_a_draft_never_submitted(new_api: Any, role: Role) -> None:
    w = await world(new_api)
    draft = await _draft(
        w.applicant, submission(w, attachments=_one_material(await materials(w.owner)))
    )
    own = await _reach(w.applicant, draft)
    assert own["list"] and own["node"] == {"id": draft["id"]}
    assert own["file"]["downloadUrl"] is not None  # the enterprise's own member may
    staff = await _staff(new_api, role, w)
    assert await _reach(staff, draft) == {
        "list": False,
        "count": 0,
        "application": None,
        "by number": None,
        "node": None,
        "nodes": [None],
        "file": None,
    }
    if role is Role.AUDITOR:
        page = await staff.client.get(f"/desk/applications/{draft['number']}")
        assert page.status_code == 404


@pytest.mark.postgres
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN], ids=lambda r: r.value)
async def test_once_submitted_the_application_and_its_files_reach_the_park(
    new_api: Any, role: Role
) -> None:
    w = await world(new_api)
    files = await materials(w.owner)
    draft = await _draft(w.applicant, submission(w, attachments=files))
    await submitted(
        w.applicant,
        submission(
            w, applicationId=draft["id"], expectedVersion=draft["version"], attachments=files
        ),
    )
    seen = await _reach(await _staff(new_api, role, w), draft)
    assert seen["list"] and seen["count"] == 1
    assert seen["by number"] == seen["node"] == {"id": draft["id"]}
    assert seen["nodes"] == [{"id": draft["id"]}]
    assert seen["file"]["downloadUrl"] is not None
    [first, second] = seen["application"]["attachments"]
    assert first["file"]["downloadUrl"] is not None and second["file"]["downloadUrl"] is not None


@pytest.mark.postgres
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN], ids=lambda r: r.value)
async def test_the_desks_own_draft_for_a_walk_in_is_the_desks(new_api: Any, role: Role) -> None:
    w = await world(new_api)
    attachment = [{"kind": "licence", "fileId": await stored(w.auditor_user)}]
    draft = await _draft(w.auditor, submission(w, attachments=attachment))
    assert draft["filedBy"] == {"id": draft["filedBy"]["id"], "name": "审核员"}
    colleague = (
        await login(new_api, await builders.user(Role.AUDITOR))
        if role is Role.AUDITOR
        else await _staff(new_api, role, w)
    )
    seen = await _reach(colleague, draft)
    assert seen["list"] and seen["node"] == {"id": draft["id"]}
    assert seen["by number"] == {"id": draft["id"]}
    assert seen["application"]["attachments"][0]["file"]["downloadUrl"] is not None
    assert seen["file"]["downloadUrl"] is not None
    # The enterprise it was filed for sees it too: it is about them.
    assert (await _reach(w.applicant, draft))["node"] == {"id": draft["id"]}


async def test_the_desks_own_draft_cannot_be_decided(new_api: Any) -> None:
    w = await world(new_api)
    draft = await _draft(w.auditor, submission(w))
    decided = await decide(w.auditor, draft, "APPROVE")
    assert [e["code"] for e in decided["userErrors"]] == ["FORBIDDEN_TRANSITION"]


async def test_the_desk_cannot_save_submit_or_check_over_an_enterprises_draft(
    new_api: Any,
) -> None:
    w = await world(new_api)
    draft = await _draft(w.applicant, submission(w))
    over = submission(
        w, applicationId=draft["id"], expectedVersion=draft["version"], formData={"purpose": "改"}
    )
    saved = (await w.auditor.gql(SAVE, {"input": over}))["saveApplicationDraft"]
    sent = (await w.auditor.gql(SUBMIT, {"input": over}))["submitApplication"]
    checked = (await w.auditor.gql(CHECK, {"input": over}))["checkApplication"]
    for payload in (saved, sent, checked):
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["applicationId"], "NOT_FOUND")
        ]
    mine = (await w.applicant.gql(BY_ID, {"id": draft["id"]}))["application"]
    assert mine == {"id": draft["id"]}
    again = await _draft(w.applicant, {**over, "formData": draft["formData"]})
    assert again["version"] == draft["version"] + 1  # the auditor changed nothing in between
