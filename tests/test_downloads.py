"""Stored files are reachable only through signed, short-lived links, by the person each was
made for."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from backend.models.accounts import User
from backend.services.files import storage
from backend.settings import DEMO_SECRET_KEY, Settings
from tests.conftest import Api

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _owner(api: Api, phone: str = "13800138000") -> int:
    """Signs `api` up; the uploader of the files stored next."""
    assert (await api.sign_up("赵磊", phone))["userErrors"] == []
    return (await User.get(phone=phone)).id


async def _stored(app, name: str = "营业执照.pdf", owner: int | None = None) -> tuple[int, Path]:
    settings = app.state.settings
    stored = await storage.store(
        settings.storage_dir,
        PDF,
        mime_type="application/pdf",
        original_name=name,
        uploaded_by_id=owner,
    )
    return stored.id, storage.blob_path(settings.storage_dir, stored.sha256)


def _token(app, file_id: int, user_id: int, secret: str | None = None) -> str:
    key = secret or app.state.settings.secret_key
    return storage.download_token(key, file_id, user_id=user_id)


@pytest.fixture
def app(settings: Settings, tmp_path: Path):
    from dataclasses import replace

    from backend.app import create_app

    return create_app(replace(settings, storage_dir=tmp_path / "files"), manage_database=False)


async def test_a_signed_link_serves_the_file_with_safe_headers(app, api: Api) -> None:
    owner = await _owner(api)
    file_id, path = await _stored(app, owner=owner)
    assert path.read_bytes() == PDF
    token = _token(app, file_id, owner)
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
    owner = await _owner(api)
    file_id, _ = await _stored(app, owner=owner)
    token = _token(app, file_id, owner)
    forged = _token(app, file_id, owner, "another-secret-key-of-sufficient-length")
    assert (await api.client.get(f"/files/{token[:-2]}xx")).status_code == 404
    assert (await api.client.get(f"/files/{forged}")).status_code == 404


async def test_an_expired_link_is_refused_with_410(app, api: Api, monkeypatch) -> None:
    owner = await _owner(api)
    file_id, _ = await _stored(app, owner=owner)
    token = _token(app, file_id, owner)
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


@pytest.mark.postgres
async def test_a_link_serves_no_one_but_the_person_it_was_made_for(app, api: Api, new_api) -> None:
    owner = await _owner(api)
    file_id, _ = await _stored(app, owner=owner)
    token = _token(app, file_id, owner)
    anonymous = new_api()
    refused = await anonymous.client.get(f"/files/{token}")
    assert refused.status_code == 403
    assert refused.content != PDF
    assert "someone else" in refused.json()["error"]
    other = new_api("198.51.100.70")
    await _owner(other, "13900139000")
    assert (await other.client.get(f"/files/{token}")).status_code == 403
    assert (await api.client.get(f"/files/{token}")).status_code == 200


@pytest.mark.postgres
async def test_a_link_signed_for_oneself_does_not_reach_another_persons_file(
    app, api: Api, new_api
) -> None:
    """Even with the key (the demo key is public), a link minted for oneself only reaches files
    one may see."""
    owner = await _owner(api)
    file_id, _ = await _stored(app, owner=owner)
    intruder = new_api("198.51.100.71")
    intruder_id = await _owner(intruder, "13900139000")
    forged = _token(app, file_id, intruder_id)
    response = await intruder.client.get(f"/files/{forged}")
    assert response.status_code == 404
    assert response.content != PDF


async def test_links_are_not_served_on_the_demo_key_outside_development(app, api: Api) -> None:
    from dataclasses import replace

    owner = await _owner(api)
    file_id, _ = await _stored(app, owner=owner)
    app.state.settings = replace(app.state.settings, secret_key=DEMO_SECRET_KEY, env="staging")
    response = await api.client.get(f"/files/{_token(app, file_id, owner)}")
    assert response.status_code == 503
    assert response.content != PDF
