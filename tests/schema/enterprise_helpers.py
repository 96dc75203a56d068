"""Shared steps for the enterprise, upload and premises tests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from backend.app import create_app
from backend.services.enterprises.credit_codes import check_character
from backend.settings import Settings
from tests.conftest import Api
from tests.schema.helpers import signed_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 32
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40

UPLOAD = """mutation($input: UploadFileInput!) { uploadFile(input: $input) {
    file { id name size mimeType downloadUrl } userErrors { field code message } } }"""

ENTERPRISE_FIELDS = """id name creditCode status version contactPhone reviewReason viewerRole
    licence { id name downloadUrl } members { role user { id name } }
    premises { id unitLabel floorLabel buildingName startsOn endsOn }
    premisesHistory { id unitLabel startsOn endsOn }"""

REGISTER = (
    """mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) {
    enterprise { """
    + ENTERPRISE_FIELDS
    + """ } userErrors { field code message } } }"""
)

REVIEW = """mutation($input: ReviewEnterpriseInput!) { reviewEnterprise(input: $input) {
    enterprise { id status version reviewReason } userErrors { field code message } } }"""


def storage_app(settings: Settings, tmp_path: Path) -> Any:
    """The app with its file store in this test's temporary folder."""
    return create_app(replace(settings, storage_dir=tmp_path / "files"), manage_database=False)


def credit_code(n: int, area: str = "330106") -> str:
    """A valid unified social credit code, different for each `n`."""
    first = f"91{area}{n:09d}"
    return first + check_character(first)


async def upload(
    api: Api,
    data: bytes,
    name: str = "营业执照.pdf",
    content_type: str = "application/pdf",
    *,
    csrf: bool = True,
) -> Any:
    """A GraphQL multipart request, as a browser or an integrator would send it."""
    operations = json.dumps({"query": UPLOAD, "variables": {"input": {"file": None}}})
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    if api.token:
        headers["Authorization"] = f"Bearer {api.token}"
    else:
        await api.prime()
        if csrf:
            params["csrf_token"] = api.csrf()
    return await api.client.post(
        "/graphql",
        params=params,
        headers=headers,
        data={"operations": operations, "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, data, content_type)},
    )


async def uploaded(api: Api, data: bytes = PDF, name: str = "营业执照.pdf") -> dict[str, Any]:
    response = await upload(api, data, name)
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["uploadFile"]
    assert payload["userErrors"] == [], payload
    return payload["file"]


def registration(code: str, licence_id: str | None, **overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "杭州云栖智能科技有限公司",
        "creditCode": code,
        "establishedOn": "2019-05-20",
        "legalRepresentative": "周明",
        "contactName": "赵磊",
        "contactPhone": "0571-88888888",
        "address": "杭州市西湖区云栖小镇 8 号楼",
        "licenceFileId": licence_id,
    }
    return {**fields, **overrides}


async def register(api: Api, code: str, **overrides: Any) -> dict[str, Any]:
    """Uploads a licence and registers an enterprise with it; returns the payload."""
    licence = await uploaded(api)
    data = await api.gql(REGISTER, {"input": registration(code, licence["id"], **overrides)})
    return data["registerEnterprise"]


async def registered(api: Api, code: str, **overrides: Any) -> dict[str, Any]:
    payload = await register(api, code, **overrides)
    assert payload["userErrors"] == [], payload
    return payload["enterprise"]


async def review(admin: Api, enterprise: dict[str, Any], decision: str, reason: str = "") -> Any:
    data = await admin.gql(
        REVIEW,
        {
            "input": {
                "enterpriseId": enterprise["id"],
                "decision": decision,
                "reason": reason,
                "expectedVersion": enterprise["version"],
            }
        },
    )
    return data["reviewEnterprise"]


async def applicant(new_api: Any, phone: str, name: str = "赵磊") -> Api:
    client: Api = new_api()
    result = await client.sign_up(name, phone)
    assert result["userErrors"] == [], result
    return client


async def admin_client(new_api: Any) -> Api:
    return await signed_in(new_api, "admin@example.com", ["ADMIN"], "园区管理员")


async def verified(owner: Api, admin: Api, code: str, **overrides: Any) -> dict[str, Any]:
    enterprise = await registered(owner, code, **overrides)
    payload = await review(admin, enterprise, "VERIFY")
    assert payload["userErrors"] == [], payload
    return {**enterprise, **payload["enterprise"]}
