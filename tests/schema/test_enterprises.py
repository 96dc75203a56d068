"""Registering, reviewing and resubmitting enterprises, and who may see them and their licence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.models.enterprises import Enterprise, Membership
from backend.services.enterprises.credit_codes import check_character
from tests.conftest import Api
from tests.schema.enterprise_helpers import (
    ENTERPRISE_FIELDS,
    REGISTER,
    admin_client,
    applicant,
    credit_code,
    register,
    registered,
    registration,
    review,
    storage_app,
    uploaded,
    verified,
)
from tests.schema.helpers import signed_in, token_client

ENTERPRISES = (
    """query($status: EnterpriseStatus, $search: String, $n: Int) {
    enterprises(status: $status, search: $search, first: $n) { totalCount
    edges { node { """
    + ENTERPRISE_FIELDS
    + """ } } } }"""
)
ENTERPRISE = "query($id: ID!) { enterprise(id: $id) { id name status } }"
MY = "{ myEnterprises { role enterprise { id name status viewerRole } } }"
RESUBMIT = """mutation($input: ResubmitEnterpriseInput!) { resubmitEnterprise(input: $input) {
    enterprise { id status version creditCode name } userErrors { field code message } } }"""
INBOX = "{ notifications { edges { node { kind message } } } }"


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


def _codes(payload: dict[str, Any]) -> dict[str, str]:
    return {".".join(e["field"] or []): e["code"] for e in payload["userErrors"]}


@pytest.mark.postgres
async def test_a_registrant_becomes_the_owner_of_a_pending_enterprise(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    code = credit_code(1)
    typed = f" {code[:9].lower()} {code[9:].lower()} "
    enterprise = await registered(api, typed, contactPhone="010 12345678")
    assert enterprise["creditCode"] == code
    assert enterprise["status"] == "PENDING"
    assert enterprise["contactPhone"] == "010-12345678"
    assert enterprise["viewerRole"] == "OWNER"
    assert [m["role"] for m in enterprise["members"]] == ["OWNER"]
    assert enterprise["licence"]["downloadUrl"].startswith("/files/")
    mine = (await api.gql(MY))["myEnterprises"]
    assert mine == [
        {
            "role": "OWNER",
            "enterprise": {
                "id": enterprise["id"],
                "name": "杭州云栖智能科技有限公司",
                "status": "PENDING",
                "viewerRole": "OWNER",
            },
        }
    ]
    stored = await Enterprise.get(credit_code=code)
    assert stored.live_credit_code == code


@pytest.mark.postgres
async def test_every_problem_is_reported_at_once(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    other = await applicant(new_api, "13900139000", "钱七")
    foreign = await uploaded(other)
    code = credit_code(2)
    corrupted = code[:17] + ("0" if code[17] != "0" else "1")
    data = await api.gql(
        REGISTER,
        {
            "input": registration(
                corrupted,
                foreign["id"],
                name="  ",
                establishedOn="2999-01-01",
                contactPhone="12345",
                legalRepresentative="",
            )
        },
    )
    payload = data["registerEnterprise"]
    assert payload["enterprise"] is None
    assert _codes(payload) == {
        "name": "REQUIRED",
        "creditCode": "CREDIT_CODE_CHECK_DIGIT",
        "establishedOn": "IN_THE_FUTURE",
        "legalRepresentative": "REQUIRED",
        "contactPhone": "INVALID_CONTACT_PHONE",
        "licenceFileId": "LICENCE_NOT_YOURS",
    }
    assert await Enterprise.all().count() == 0


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("91330106MA2CFXY13", "CREDIT_CODE_LENGTH"),
        ("91330106MA2CFXYI3X", "CREDIT_CODE_CHARACTERS"),
        ("", "REQUIRED"),
    ],
)
async def test_malformed_credit_codes_are_named(api: Api, app: Any, typed: str, code: str) -> None:
    await api.sign_up("赵磊", "13800138000")
    payload = await register(api, typed)
    assert _codes(payload) == {"creditCode": code}


@pytest.mark.postgres
async def test_the_check_digit_is_verified_and_the_right_one_named(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    valid = credit_code(3)
    for position in (17, 10):  # the check character itself, or a typo in the body
        chars = list(valid)
        chars[position] = "5" if chars[position] != "5" else "6"
        corrupted = "".join(chars)
        payload = await register(api, corrupted)
        [error] = payload["userErrors"]
        assert error["code"] == "CREDIT_CODE_CHECK_DIGIT"
        assert f"应为 {check_character(corrupted[:17])}" in error["message"]
    # The known-good code of a real licence layout passes.
    assert (await registered(api, valid))["status"] == "PENDING"


async def test_the_check_digit_message_is_in_the_viewers_language(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    valid = credit_code(4)
    wrong = valid[:17] + ("A" if valid[17] != "A" else "B")
    api.client.cookies.set("sh_lang", "en")
    payload = await register(api, wrong)
    assert f"it should be {valid[17]}." in payload["userErrors"][0]["message"]


@pytest.mark.postgres
async def test_a_live_credit_code_is_unique_but_a_rejected_one_is_free(
    api: Api, new_api, app: Any
) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    other = await applicant(new_api, "13900139000", "钱七")
    code = credit_code(5)
    first = await registered(api, code)
    payload = await register(other, code.lower())
    assert _codes(payload) == {"creditCode": "DUPLICATE_CREDIT_CODE"}
    rejected = await review(admin, first, "REJECT", "执照扫描件模糊。")
    assert rejected["enterprise"]["status"] == "REJECTED"
    assert (await Enterprise.get(credit_code=code)).live_credit_code is None
    second = await registered(other, code)
    assert second["status"] == "PENDING"
    # The rejected registration cannot come back while the code is live again.
    resubmitted = await api.gql(
        RESUBMIT,
        {
            "input": {
                **registration(code, first["licence"]["id"]),
                "enterpriseId": first["id"],
                "expectedVersion": rejected["enterprise"]["version"],
            }
        },
    )
    assert _codes(resubmitted["resubmitEnterprise"]) == {"creditCode": "DUPLICATE_CREDIT_CODE"}


@pytest.mark.postgres
async def test_the_database_decides_a_credit_code_race(api: Api, app: Any, monkeypatch) -> None:
    """Two registrations pass the check at once: the unique live code refuses the second."""
    await api.sign_up("赵磊", "13800138000")
    code = credit_code(6)
    await registered(api, code)
    from tortoise.queryset import QuerySet

    async def nobody(self: Any) -> bool:
        return False

    monkeypatch.setattr(QuerySet, "exists", nobody)
    payload = await register(api, code)
    assert _codes(payload) == {"creditCode": "DUPLICATE_CREDIT_CODE"}
    assert await Enterprise.all().count() == 1
    assert await Membership.all().count() == 1


async def test_anonymous_visitors_cannot_register(api: Api, app: Any) -> None:
    data = await api.gql(REGISTER, {"input": registration(credit_code(7), None)})
    assert _codes(data["registerEnterprise"]) == {"": "NOT_AUTHENTICATED"}


@pytest.mark.postgres
async def test_review_notifies_the_registrant(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await registered(api, credit_code(8))
    payload = await review(admin, enterprise, "VERIFY")
    assert payload["enterprise"]["status"] == "VERIFIED"
    assert payload["enterprise"]["version"] == enterprise["version"] + 1
    inbox = (await api.gql(INBOX))["notifications"]["edges"]
    assert inbox[0]["node"]["kind"] == "ENTERPRISE_VERIFIED"
    assert "杭州云栖智能科技有限公司" in inbox[0]["node"]["message"]
    again = await review(admin, {**enterprise, "version": enterprise["version"] + 1}, "REJECT", "x")
    assert _codes(again) == {"": "FORBIDDEN_TRANSITION"}


@pytest.mark.postgres
async def test_a_rejection_needs_a_reason_and_tells_it(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await registered(api, credit_code(9))
    assert _codes(await review(admin, enterprise, "REJECT", "  ")) == {"reason": "REQUIRED"}
    payload = await review(admin, enterprise, "REJECT", "营业执照已过期。")
    assert payload["enterprise"]["reviewReason"] == "营业执照已过期。"
    inbox = (await api.gql(INBOX))["notifications"]["edges"]
    assert inbox[0]["node"]["kind"] == "ENTERPRISE_REJECTED"
    assert "营业执照已过期。" in inbox[0]["node"]["message"]


async def test_a_stale_review_is_refused(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await registered(api, credit_code(10))
    payload = await review(admin, {**enterprise, "version": 7}, "VERIFY")
    assert _codes(payload) == {"": "STALE"}
    assert (await Enterprise.get(credit_code=credit_code(10))).status == "PENDING"


@pytest.mark.postgres
async def test_only_admins_review(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    enterprise = await registered(api, credit_code(11))
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER", "SUPERVISOR"])
    for viewer in (api, auditor, handler):
        assert _codes(await review(viewer, enterprise, "VERIFY")) == {"": "FORBIDDEN"}
    anonymous: Api = new_api()
    assert _codes(await review(anonymous, enterprise, "VERIFY")) == {"": "NOT_AUTHENTICATED"}
    assert (await Enterprise.get(credit_code=credit_code(11))).status == "PENDING"


@pytest.mark.postgres
async def test_an_owner_resubmits_after_rejection(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await registered(api, credit_code(12))

    def resubmission(version: int, **overrides: Any) -> dict[str, Any]:
        fields = registration(credit_code(13), enterprise["licence"]["id"], **overrides)
        return {"input": {**fields, "enterpriseId": enterprise["id"], "expectedVersion": version}}

    early = await api.gql(RESUBMIT, resubmission(enterprise["version"]))
    assert _codes(early["resubmitEnterprise"]) == {"": "FORBIDDEN_TRANSITION"}
    rejected = (await review(admin, enterprise, "REJECT", "代码与执照不符。"))["enterprise"]
    other = await applicant(new_api, "13900139000", "钱七")
    foreign = await other.gql(RESUBMIT, resubmission(rejected["version"]))
    assert _codes(foreign["resubmitEnterprise"]) == {"enterpriseId": "NOT_FOUND"}
    payload = (await api.gql(RESUBMIT, resubmission(rejected["version"], name="云栖智能")))[
        "resubmitEnterprise"
    ]
    assert payload["userErrors"] == []
    assert payload["enterprise"]["status"] == "PENDING"
    assert payload["enterprise"]["creditCode"] == credit_code(13)
    assert payload["enterprise"]["name"] == "云栖智能"
    assert payload["enterprise"]["version"] == rejected["version"] + 1
    assert (await review(admin, payload["enterprise"], "VERIFY"))["enterprise"]["status"] == (
        "VERIFIED"
    )


@pytest.mark.postgres
async def test_who_sees_which_enterprises(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    other = await applicant(new_api, "13900139000", "钱七")
    mine = await verified(api, admin, credit_code(14))
    theirs = await registered(other, credit_code(15), name="宁波港城物流有限公司")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    handler = await signed_in(new_api, "handler@example.com", ["HANDLER", "SUPERVISOR"])
    anonymous: Api = new_api()

    async def names(viewer: Api, **variables: Any) -> list[str]:
        data = await viewer.gql(ENTERPRISES, variables)
        return [e["node"]["name"] for e in data["enterprises"]["edges"]]

    assert await names(admin) == ["宁波港城物流有限公司", "杭州云栖智能科技有限公司"]
    assert await names(admin, status="VERIFIED") == ["杭州云栖智能科技有限公司"]
    assert await names(admin, search="港城") == ["宁波港城物流有限公司"]
    assert await names(admin, search=credit_code(14)[11:].lower()) == ["杭州云栖智能科技有限公司"]
    assert await names(api) == ["杭州云栖智能科技有限公司"]
    assert await names(other) == ["宁波港城物流有限公司"]
    for viewer in (auditor, handler, anonymous):
        assert await names(viewer) == []
        assert (await viewer.gql(ENTERPRISE, {"id": mine["id"]}))["enterprise"] is None
    assert (await api.gql(ENTERPRISE, {"id": theirs["id"]}))["enterprise"] is None
    assert (await admin.gql(ENTERPRISE, {"id": theirs["id"]}))["enterprise"]["status"] == (
        "PENDING"
    )
    node = "query($id: ID!) { node(id: $id) { ... on Enterprise { name } } }"
    assert (await api.gql(node, {"id": mine["id"]}))["node"] == {"name": mine["name"]}
    assert (await other.gql(node, {"id": mine["id"]}))["node"] is None


@pytest.mark.postgres
async def test_the_licence_is_for_members_and_admins(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    admin = await admin_client(new_api)
    enterprise = await verified(api, admin, credit_code(16))
    invite = """mutation($id: ID!) { inviteMember(input: {enterpriseId: $id}) {
        invitation { code } userErrors { code } } }"""
    code = (await api.gql(invite, {"id": enterprise["id"]}))["inviteMember"]["invitation"]["code"]
    colleague = await applicant(new_api, "13700137000", "孙八")
    join = "mutation($c: String!) { joinEnterprise(input: {code: $c}) { userErrors { code } } }"
    assert (await colleague.gql(join, {"c": code}))["joinEnterprise"]["userErrors"] == []
    licence_query = """query($id: ID!) { enterprise(id: $id) { licence { id downloadUrl } } }"""
    file_node = "query($id: ID!) { node(id: $id) { ... on File { downloadUrl } } }"
    for viewer in (api, admin, colleague):
        licence = (await viewer.gql(licence_query, {"id": enterprise["id"]}))["enterprise"][
            "licence"
        ]
        response = await viewer.client.get(licence["downloadUrl"])
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        assert (await viewer.gql(file_node, {"id": licence["id"]}))["node"]["downloadUrl"]
    stranger = await applicant(new_api, "13600136000", "李四")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    for viewer in (stranger, auditor):
        assert (await viewer.gql(licence_query, {"id": enterprise["id"]}))["enterprise"] is None
        licence_id = enterprise["licence"]["id"]
        assert (await viewer.gql(file_node, {"id": licence_id}))["node"] is None


async def test_tokens_need_the_enterprise_scopes(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    await registered(api, credit_code(17))
    reader = await token_client(new_api, api, ["enterprises:read"])
    data = await reader.gql("{ enterprises { totalCount } myEnterprises { role } }")
    assert data == {"enterprises": {"totalCount": 1}, "myEnterprises": [{"role": "OWNER"}]}
    response = await reader.post(REGISTER, {"input": registration(credit_code(18), None)})
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"
    blind = await token_client(new_api, api, ["notifications:read"])
    response = await blind.post("{ enterprises { totalCount } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN_SCOPE"


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.postgres
async def test_a_credit_code_in_full_width_digits_is_read_and_other_scripts_refused(
    api: Api, app: Any
) -> None:
    await api.sign_up("赵磊", "13800138000")
    code = credit_code(2)
    arabic = code[:2] + code[2:8].translate(ARABIC_INDIC) + code[8:]
    refused = await register(api, arabic)
    assert _codes(refused) == {"creditCode": "CREDIT_CODE_CHARACTERS"}
    assert refused["userErrors"][0]["message"]
    enterprise = await registered(api, code[:2] + code[2:8].translate(FULL_WIDTH) + code[8:])
    assert enterprise["creditCode"] == code
