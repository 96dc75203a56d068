"""Invitations, joining and removing members; and the enterprise list's fixed SQL cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend.models.accounts import User
from backend.models.enterprises import Enterprise, Invitation, Membership, MembershipRole
from backend.models.files import StoredFile
from tests.conftest import Api
from tests.schema.enterprise_helpers import (
    PDF,
    admin_client,
    applicant,
    credit_code,
    registered,
    storage_app,
    verified,
)
from tests.schema.helpers import global_id, signed_in

INVITE = """mutation($id: ID!) { inviteMember(input: {enterpriseId: $id}) {
    invitation { code expiresAt } userErrors { field code message } } }"""
JOIN = """mutation($c: String!) { joinEnterprise(input: {code: $c}) {
    membership { role enterprise { id name viewerRole } } userErrors { field code message } } }"""
REMOVE = """mutation($e: ID!, $u: ID!) { removeMember(input: {enterpriseId: $e, userId: $u}) {
    enterprise { members { role user { name } } } userErrors { field code message } } }"""
INBOX = "{ notifications { edges { node { kind message } } } }"


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def _invite(owner: Api, enterprise: dict[str, Any]) -> str:
    payload = (await owner.gql(INVITE, {"id": enterprise["id"]}))["inviteMember"]
    assert payload["userErrors"] == [], payload
    return str(payload["invitation"]["code"])


@pytest.mark.postgres
async def test_a_colleague_joins_with_an_invitation_once(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await verified(api, admin, credit_code(1))
    code = await _invite(api, enterprise)
    assert len(code) == 12
    invitation = await Invitation.get(code=code)
    assert invitation.expires_at - datetime.now(UTC) > timedelta(days=6, hours=23)
    colleague = await applicant(new_api, "13700137000", "孙八")
    payload = (await colleague.gql(JOIN, {"c": f" {code[:6].lower()}-{code[6:]} "}))[
        "joinEnterprise"
    ]
    assert payload["userErrors"] == []
    assert payload["membership"]["role"] == "MEMBER"
    assert payload["membership"]["enterprise"]["viewerRole"] == "MEMBER"
    inbox = (await api.gql(INBOX))["notifications"]["edges"]
    assert inbox[0]["node"]["kind"] == "MEMBER_JOINED"
    assert "孙八" in inbox[0]["node"]["message"]
    again = (await colleague.gql(JOIN, {"c": code}))["joinEnterprise"]
    assert _codes(again) == ["INVITATION_USED"]
    third = await applicant(new_api, "13600136000", "李四")
    assert _codes((await third.gql(JOIN, {"c": code}))["joinEnterprise"]) == ["INVITATION_USED"]
    assert await Membership.filter(enterprise_id=int(invitation.enterprise_id)).count() == 2  # type: ignore[attr-defined]


@pytest.mark.postgres
async def test_wrong_expired_and_redundant_codes_are_refused(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await verified(api, admin, credit_code(2))
    colleague = await applicant(new_api, "13700137000", "孙八")
    for wrong in ("NOSUCHCODE42", ""):
        payload = (await colleague.gql(JOIN, {"c": wrong}))["joinEnterprise"]
        assert payload["userErrors"][0]["field"] == ["code"]
        assert _codes(payload) == ["INVITATION_INVALID"]
    expired = await _invite(api, enterprise)
    await Invitation.filter(code=expired).update(expires_at=datetime.now(UTC) - timedelta(1))
    assert _codes((await colleague.gql(JOIN, {"c": expired}))["joinEnterprise"]) == [
        "INVITATION_EXPIRED"
    ]
    own = await _invite(api, enterprise)
    assert _codes((await api.gql(JOIN, {"c": own}))["joinEnterprise"]) == ["ALREADY_IN_ENTERPRISE"]
    assert (await Invitation.get(code=own)).used_at is None
    anonymous: Api = new_api()
    assert _codes((await anonymous.gql(JOIN, {"c": own}))["joinEnterprise"]) == [
        "NOT_AUTHENTICATED"
    ]


@pytest.mark.postgres
async def test_only_owners_of_verified_enterprises_invite(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    pending = await registered(api, credit_code(3))
    payload = (await api.gql(INVITE, {"id": pending["id"]}))["inviteMember"]
    assert _codes(payload) == ["NOT_VERIFIED"]
    enterprise = await verified(api, admin, credit_code(4), name="绍兴纺织科技有限公司")
    colleague = await applicant(new_api, "13700137000", "孙八")
    await colleague.gql(JOIN, {"c": await _invite(api, enterprise)})
    stranger = await applicant(new_api, "13600136000", "李四")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    expected = [(colleague, "FORBIDDEN"), (admin, "FORBIDDEN"), (stranger, "NOT_FOUND")]
    expected.append((auditor, "NOT_FOUND"))
    for viewer, code in expected:
        assert _codes((await viewer.gql(INVITE, {"id": enterprise["id"]}))["inviteMember"]) == [
            code
        ]
    anonymous: Api = new_api()
    result = (await anonymous.gql(INVITE, {"id": enterprise["id"]}))["inviteMember"]
    assert _codes(result) == ["NOT_AUTHENTICATED"]
    assert await Invitation.all().count() == 1


@pytest.mark.postgres
async def test_owners_remove_members_but_never_the_last_owner(api: Api, new_api, app: Any) -> None:
    owner = await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await verified(api, admin, credit_code(5))
    colleague = await applicant(new_api, "13700137000", "孙八")
    joined = (await colleague.gql(JOIN, {"c": await _invite(api, enterprise)}))["joinEnterprise"]
    assert joined["userErrors"] == []
    colleague_id = (await colleague.gql("{ me { id } }"))["me"]["id"]
    variables = {"e": enterprise["id"], "u": owner["user"]["id"]}
    refused = (await colleague.gql(REMOVE, variables))["removeMember"]
    assert _codes(refused) == ["FORBIDDEN"]
    last = (await api.gql(REMOVE, variables))["removeMember"]
    assert _codes(last) == ["LAST_OWNER"]
    assert last["userErrors"][0]["field"] == ["userId"]
    unknown = await api.gql(REMOVE, {"e": enterprise["id"], "u": global_id("User", 999)})
    assert _codes(unknown["removeMember"]) == ["NOT_FOUND"]
    removed = (await api.gql(REMOVE, {"e": enterprise["id"], "u": colleague_id}))["removeMember"]
    assert removed["userErrors"] == []
    assert removed["enterprise"]["members"] == [{"role": "OWNER", "user": {"name": "赵磊"}}]
    inbox = (await colleague.gql(INBOX))["notifications"]["edges"]
    assert inbox[0]["node"]["kind"] == "MEMBER_REMOVED"
    assert (await colleague.gql("{ myEnterprises { role } }"))["myEnterprises"] == []
    anonymous: Api = new_api()
    assert _codes((await anonymous.gql(REMOVE, variables))["removeMember"]) == ["NOT_AUTHENTICATED"]


LIST = """query($n: Int) { enterprises(first: $n) { totalCount edges { cursor node {
    id name creditCode status version viewerRole licence { id name mimeType downloadUrl }
    members { role joinedAt user { id name roles email } }
    premises { id unitLabel floorLabel buildingName enterpriseName }
    premisesHistory { id startsOn endsOn } } } } }"""


async def _enterprises(count: int, owner_id: int) -> None:
    licence = await StoredFile.create(
        sha256="0" * 64, size=len(PDF), mime_type="application/pdf", original_name="a.pdf"
    )
    for i in range(count):
        enterprise = await Enterprise.create(
            name=f"企业{i:02d}",
            credit_code=credit_code(100 + i),
            live_credit_code=credit_code(100 + i),
            status="VERIFIED",
            licence=licence,
        )
        await Membership.create(user_id=owner_id, enterprise=enterprise, role=MembershipRole.OWNER)


@pytest.mark.postgres
async def test_the_enterprise_list_costs_the_same_for_2_and_20(
    api: Api, new_api, sql_counter: Any, app: Any
) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    await _enterprises(22, (await User.get(phone="13800138000")).id)
    counts = []
    for viewer in (admin, api):
        for size in (2, 20):
            await viewer.prime()
            sql_counter.reset()
            body = (await viewer.post(LIST, {"n": size})).json()
            assert "errors" not in body, body
            assert len(body["data"]["enterprises"]["edges"]) == size
            counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements
    assert counts[2] == counts[3], sql_counter.statements
    assert max(counts) <= 9
