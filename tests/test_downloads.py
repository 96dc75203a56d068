"""Stored files are reachable only through signed, short-lived links."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from backend.services.files import storage
from backend.settings import Settings
from tests.conftest import Api

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _stored(app, name: str = "营业执照.pdf") -> tuple[int, Path]:
    settings = app.state.settings
    stored = await storage.store(
        settings.storage_dir,
        PDF,
        mime_type="application/pdf",
        original_name=name,
        uploaded_by_id=None,
    )
    return stored.id, storage.blob_path(settings.storage_dir, stored.sha256)


@pytest.fixture
def app(settings: Settings, tmp_path: Path):
    from dataclasses import replace

    from backend.app import create_app

    return create_app(replace(settings, storage_dir=tmp_path / "files"), manage_database=False)


async def test_a_signed_link_serves_the_file_with_safe_headers(app, api: Api) -> None:
    file_id, path = await _stored(app)
    assert path.read_bytes() == PDF
    token = storage.download_token(app.state.settings.secret_key, file_id)
    response = await api.client.get(f"/files/{token}")
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''%E8%90%A5" in response.headers["content-disposition"]


async def test_the_same_bytes_are_stored_once(app) -> None:
    first, path_one = await _stored(app, "a.pdf")
    second, path_two = await _stored(app, "b.pdf")
    assert first != second
    assert path_one == path_two


async def test_a_tampered_link_finds_nothing(app, api: Api) -> None:
    file_id, _ = await _stored(app)
    token = storage.download_token(app.state.settings.secret_key, file_id)
    forged = storage.download_token("another-secret-key-of-sufficient-length", file_id)
    assert (await api.client.get(f"/files/{token[:-2]}xx")).status_code == 404
    assert (await api.client.get(f"/files/{forged}")).status_code == 404


async def test_an_expired_link_is_refused_with_410(app, api: Api, monkeypatch) -> None:
    file_id, _ = await _stored(app)
    token = storage.download_token(app.state.settings.secret_key, file_id)
    later = time.time() + app.state.settings.download_url_seconds + 5
    monkeypatch.setattr(time, "time", lambda: later)
    response = await api.client.get(f"/files/{token}")
    assert response.status_code == 410
    assert "expired" in response.json()["error"]


async def test_the_storage_folder_is_not_served(app, api: Api) -> None:
    _, path = await _stored(app)
    for url in (f"/static/../{path.name}", f"/files/{path.name}", "/var/files"):
        response = await api.client.get(url)
        assert response.status_code == 404
        assert response.content != PDF
