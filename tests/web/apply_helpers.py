"""The world the apply pages need, and the apply form posted the way a browser sends it."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Api
from tests.schema.application_helpers import World
from tests.schema.helpers import global_id


def item_path(w: World) -> str:
    return f"/catalog/items/{global_id('ServiceItem', w.item.id)}/apply"


def key_of(html: str) -> str:
    found = re.search(r'name="idempotencyKey" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def hidden(html: str) -> list[tuple[str, str]]:
    """The hidden inputs of a page (the answers a check page carries), in order."""
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    return [(name, value.replace("&#34;", '"').replace("&amp;", "&")) for name, value in pairs]


async def post_apply(
    api: Api,
    path: str,
    fields: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]] | None = None,
    *,
    csrf: bool = True,
    headers: dict[str, str] | None = None,
) -> Any:
    """The apply form as a browser sends it: multipart, the CSRF token in the URL."""
    await api.prime()
    url = path + (f"?csrf_token={api.csrf()}" if csrf else "")
    sent = files or {"answer-file-licence": ("", b"", "application/octet-stream")}
    return await api.client.post(
        url, data=fields, files=sent, headers={"Accept": "text/html", **(headers or {})}
    )


def main(html: str) -> str:
    return html.split('<main id="main"', 1)[1]
