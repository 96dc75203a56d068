"""The input boundary covers the name a file is uploaded under (backend/schema/boundary.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.models.files import StoredFile
from tests.schema.enterprise_helpers import PDF, applicant, storage_app, upload
from tests.schema.helpers import codes


@pytest.fixture
def app(settings, tmp_path: Path) -> Any:
    return storage_app(settings, tmp_path)


async def test_a_control_character_in_a_file_name_is_invalid_text(new_api: Any) -> None:
    client = await applicant(new_api, "13800138000")
    response = await upload(client, PDF, "执照\x1b.pdf")
    body = response.json()
    assert codes(body) == ["INVALID_TEXT"], body
    assert body["errors"][0]["extensions"]["field"] == ["input", "file"]
    assert await StoredFile.all().count() == 0


async def test_a_file_name_is_stored_composed(new_api: Any) -> None:
    client = await applicant(new_api, "13800138000")
    response = await upload(client, PDF, "cafe\u0301.pdf")
    payload = response.json()["data"]["uploadFile"]
    assert payload["userErrors"] == []
    assert payload["file"]["name"] == "caf\u00e9.pdf"
    assert (await StoredFile.get()).original_name == "caf\u00e9.pdf"
