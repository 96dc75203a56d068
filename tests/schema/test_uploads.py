"""`uploadFile`: multipart through the real app, the type judged from the bytes, limits kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.models.events import Event
from backend.models.files import StoredFile
from backend.services.files.uploads import LICENCE_POLICY
from tests.conftest import Api
from tests.schema.enterprise_helpers import (
    JPEG,
    PDF,
    PNG,
    UPLOAD,
    ZIP,
    applicant,
    storage_app,
    upload,
    uploaded,
)
from tests.schema.helpers import codes, global_id, issue_token, signed_in

NODE_FILE = """query($id: ID!) { node(id: $id) { ... on File { id name downloadUrl } } }"""


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


def _blobs(app: Any) -> list[Path]:
    root = app.state.settings.storage_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("data", "mime"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
async def test_a_licence_is_stored_with_the_type_its_bytes_show(
    api: Api, app: Any, data: bytes, mime: str
) -> None:
    await api.sign_up("赵磊", "13800138000")
    # The name and the client's content type say PDF; only the bytes count.
    file = await uploaded(api, data, "扫描件.pdf")
    assert file["mimeType"] == mime
    assert file["size"] == len(data)
    assert file["name"] == "扫描件.pdf"
    response = await api.client.get(file["downloadUrl"])
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == mime
    [stored] = await StoredFile.all()
    assert stored.mime_type == mime
    assert await Event.filter(aggregate_type="file", aggregate_id=stored.id).count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "营业执照.pdf", "EMPTY_FILE"),
        (PDF + b"\x00" * LICENCE_POLICY.max_bytes, "营业执照.pdf", "FILE_TOO_LARGE"),
        (ZIP, "营业执照.pdf", "FILE_TYPE_NOT_ALLOWED"),
        (b"This is plain text pretending to be a PDF.\n", "营业执照.pdf", "FILE_TYPE_NOT_ALLOWED"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "scan.png", "FILE_TYPE_NOT_ALLOWED"),
    ],
)
async def test_a_bad_licence_is_a_clear_user_error_and_nothing_is_written(
    api: Api, app: Any, data: bytes, name: str, code: str
) -> None:
    await api.sign_up("赵磊", "13800138000")
    response = await upload(api, data, name)
    assert response.status_code == 200
    payload = response.json()["data"]["uploadFile"]
    assert payload["file"] is None
    [error] = payload["userErrors"]
    assert error["field"] == ["file"]
    assert error["code"] == code
    assert error["message"]
    assert await StoredFile.all().count() == 0
    assert await Event.filter(aggregate_type="file").count() == 0
    assert _blobs(app) == []


async def test_the_messages_name_the_limit_and_the_allowed_types(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    too_large = PDF + b"\x00" * LICENCE_POLICY.max_bytes
    payload = (await upload(api, too_large)).json()["data"]["uploadFile"]
    assert "10 MB" in payload["userErrors"][0]["message"]
    payload = (await upload(api, ZIP)).json()["data"]["uploadFile"]
    assert "PDF, JPEG, PNG" in payload["userErrors"][0]["message"]


async def test_anonymous_visitors_cannot_upload(api: Api, app: Any) -> None:
    payload = (await upload(api, PDF)).json()["data"]["uploadFile"]
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_AUTHENTICATED"]
    assert await StoredFile.all().count() == 0


@pytest.mark.postgres
async def test_a_cookie_upload_without_the_csrf_token_is_refused(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    response = await upload(api, PDF, csrf=False)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    assert await StoredFile.all().count() == 0


async def test_the_csrf_header_also_admits_a_multipart_upload(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    await api.prime()
    response = await api.client.post(
        "/graphql",
        headers={"X-CSRF-Token": api.csrf()},
        data={
            "operations": '{"query": "mutation($f: Upload!) { uploadFile(input: {file: $f}) '
            '{ file { mimeType } userErrors { code } } }", "variables": {"f": null}}',
            "map": '{"0": ["variables.f"]}',
        },
        files={"0": ("a.png", PNG, "image/png")},
    )
    assert response.json()["data"]["uploadFile"] == {
        "file": {"mimeType": "image/png"},
        "userErrors": [],
    }


async def test_a_json_request_cannot_pretend_to_carry_a_file(api: Api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    response = await api.post(UPLOAD, {"input": {"file": "营业执照.pdf"}})
    body = response.json()
    assert body["data"]["uploadFile"]["userErrors"][0]["code"] == "REQUIRED"
    assert body["data"]["uploadFile"]["userErrors"][0]["field"] == ["file"]


async def test_a_token_needs_the_files_write_scope(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    reader: Api = new_api()
    reader.token = (await issue_token(api, ["enterprises:read"]))["secret"]
    response = await upload(reader, PDF)
    assert codes(response.json()) == ["FORBIDDEN_SCOPE"]
    writer: Api = new_api()
    writer.token = (await issue_token(api, ["files:write"]))["secret"]
    response = await upload(writer, PDF)
    assert response.json()["data"]["uploadFile"]["file"]["mimeType"] == "application/pdf"


@pytest.mark.postgres
async def test_only_the_uploader_sees_a_loose_upload(api: Api, new_api, app: Any) -> None:
    await api.sign_up("赵磊", "13800138000")
    file = await uploaded(api)
    mine = (await api.gql(NODE_FILE, {"id": file["id"]}))["node"]
    assert mine["downloadUrl"].startswith("/files/")
    other = await applicant(new_api, "13900139000", "钱七")
    auditor = await signed_in(new_api, "auditor@example.com", ["AUDITOR"])
    admin = await signed_in(new_api, "admin@example.com", ["ADMIN"])
    for viewer in (other, auditor, admin):
        assert (await viewer.gql(NODE_FILE, {"id": file["id"]}))["node"] is None
    anonymous: Api = new_api()
    assert (await anonymous.gql(NODE_FILE, {"id": file["id"]}))["node"] is None
    assert (await api.gql(NODE_FILE, {"id": global_id("File", 999)}))["node"] is None
