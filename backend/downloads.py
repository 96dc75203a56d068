"""`/files/<token>`: the one route that serves stored files, from signed, short-lived links.

A link serves only the person it was made for (their session or API token), and only while
they may still see the file; nothing is served on the public demo key outside development.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from backend.security import actor_of
from backend.services.files.policies import files_visible_to
from backend.services.files.storage import DownloadRefused, blob_path, read_download_token
from backend.settings import DEMO_SECRET_KEY

# Types a browser may show inline; everything else is downloaded, never rendered.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


NO_FILE = "No file behind this link."


async def download(request: Request) -> Response:
    settings = request.app.state.settings
    if settings.secret_key == DEMO_SECRET_KEY and not settings.development:
        # Anyone can sign a link with the published demo key.
        message = "Downloads are off: the server runs on the demo key."
        return JSONResponse({"error": message}, status_code=503)
    try:
        link = read_download_token(
            settings.secret_key, request.path_params["token"], settings.download_url_seconds
        )
    except DownloadRefused as refused:
        status = 410 if refused.reason == "expired" else 404
        message = (
            "This download link has expired; open the page again for a new one."
            if refused.reason == "expired"
            else NO_FILE
        )
        return JSONResponse({"error": message}, status_code=status)
    actor = actor_of(request.state)
    if actor.user_id != link.user_id:
        return JSONResponse(
            {"error": "This link was made for someone else. Sign in and open the page again."},
            status_code=403,
        )
    stored = await files_visible_to(actor).get_or_none(id=link.file_id)
    path = blob_path(settings.storage_dir, stored.sha256) if stored else None
    if stored is None or path is None or not path.is_file():
        return JSONResponse({"error": NO_FILE}, status_code=404)
    disposition = "inline" if stored.mime_type in INLINE_TYPES else "attachment"
    return FileResponse(
        path,
        media_type=stored.mime_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.original_name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=60",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
