"""The headers every response carries: no framing, no referrer to other sites, a content security
policy the pages work under."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2

from backend.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"


async def test_pages_cannot_be_framed_and_send_no_referrer_elsewhere(
    client: httpx2.AsyncClient,
) -> None:
    for path in ("/", "/login", "/catalog", "/no-such-page"):
        response = await client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path


async def test_the_page_policy_allows_no_inline_or_foreign_code(
    client: httpx2.AsyncClient,
) -> None:
    policy = dict(
        part.strip().split(" ", 1)
        for part in (await client.get("/")).headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


async def test_the_api_carries_the_headers_too(client: httpx2.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"})
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_no_template_has_an_inline_script_style_or_handler() -> None:
    """The policy forbids them; the browser test proves a page works, this finds the rest."""
    offending = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\s(?:hx-)?on[a-z:-]*=", re.IGNORECASE
    )
    found = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for match in offending.finditer(path.read_text())
    ]
    assert found == []
