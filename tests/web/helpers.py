"""Posting forms the way a browser does: urlencoded, with the page's CSRF field."""

from __future__ import annotations

import re
from typing import Any

import httpx2

from tests.conftest import Api


async def csrf_from_page(client: httpx2.AsyncClient, path: str = "/") -> str:
    """The CSRF token a page renders into its forms."""
    response = await client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, response.text
    return found.group(1)


async def submit(api: Api, path: str, fields: dict[str, Any], **kw: Any) -> httpx2.Response:
    """Posts a form with the CSRF field, like a browser without JavaScript."""
    await api.prime()
    data = {"csrf_token": api.csrf(), **fields}
    return await api.client.post(path, data=data, **kw)


async def sign_in_by_form(api: Api, identifier: str, password: str) -> httpx2.Response:
    return await submit(api, "/login", {"identifier": identifier, "password": password})
