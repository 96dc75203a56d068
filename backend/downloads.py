"""`/files/<token>`: the one route that serves stored files, from signed, short-lived links."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from backend.models.files import StoredFile
from backend.services.files.storage import DownloadRefused, blob_path, file_id_from_token

# Types a browser may show inline; everything else is downloaded, never rendered.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


async def download(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        file_id = file_id_from_token(
            settings.secret_key, request.path_params["token"], settings.download_url_seconds
        )
    except DownloadRefused as refused:
        status = 410 if refused.reason == "expired" else 404
        message = (
            "This download link has expired; open the page again for a new one."
            if refused.reason == "expired"
            else "No file behind this link."
        )
        return JSONResponse({"error": message}, status_code=status)
    stored = await StoredFile.get_or_none(id=file_id)
    path = blob_path(settings.storage_dir, stored.sha256) if stored else None
    if stored is None or path is None or not path.is_file():
        return JSONResponse({"error": "No file behind this link."}, status_code=404)
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
