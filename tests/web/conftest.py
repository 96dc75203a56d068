"""Fixtures for the page tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def _broken(request: Request) -> Response:
    raise RuntimeError("a page that raises")


@pytest.fixture
async def raw_client(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    """A client of the app with a page at /broken that raises; it sees the 500 response
    instead of the re-raised exception."""
    app.router.routes.insert(0, Route("/broken", _broken))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
