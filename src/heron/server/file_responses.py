"""Stored files as browsers may see them: passive types inline, everything else as a download.

Media and saved files are uploaded by users and served from the dashboard's origin. A file
that a browser would run (HTML, SVG, XML, JavaScript, anything unknown) must never be shown as
a page there: it could act as whoever looks at it. So only types a browser merely displays
(images, audio, video, plain text, JSON, CSV) are served inline, under their own type; every
other file is an ``attachment`` of type ``application/octet-stream``. Every file response also
says ``nosniff`` and carries a sandboxing Content-Security-Policy, so even a file a browser
renders runs nothing and reaches nothing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse, RedirectResponse, Response

from heron.errors import NotFound
from heron.store.media_storage import MediaStorage

PASSIVE_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".json": "application/json",
    ".csv": "text/csv",
}
"""Suffix -> Content-Type of the files served inline: formats a browser only displays."""

DOWNLOAD_TYPE = "application/octet-stream"

FILE_CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
            "frame-ancestors 'none'; sandbox")
"""The policy of every stored file: ``sandbox`` gives a rendered file an opaque origin with
scripts, forms and popups off; ``default-src 'none'`` lets it load nothing but the image or
video the browser's own viewer shows (and that viewer's inline styles)."""


def passive_type(filename: str) -> str | None:
    """The Content-Type to serve ``filename`` inline under, or None: serve it as a download.

    The last suffix decides (``<sha>.table.json`` is JSON), case-insensitively."""
    suffix = Path(filename).suffix.lower()
    return PASSIVE_TYPES.get(suffix)


def file_headers(filename: str, disposition: str) -> dict[str, str]:
    """Content-Disposition (``inline`` or ``attachment``, with the name) plus the headers
    every stored file carries."""
    quoted = quote(filename)
    name = (f'filename="{filename}"' if quoted == filename
            else f"filename*=utf-8''{quoted}")
    return {"Content-Disposition": f"{disposition}; {name}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_CSP}


def stored_file(storage: MediaStorage, rel: str, filename: str, *,
                download: bool = False) -> Response:
    """The stored media file ``rel`` as ``filename``: inline when its type is passive and
    ``download`` is not asked for, else an ``application/octet-stream`` attachment (passive
    types keep their type). ``NotFound`` for anything but a stored media key.

    From a folder the server sends the file; from a bucket it redirects to a presigned URL
    that carries the same type and disposition, so the bytes never pass through the server.
    The bucket cannot add ``nosniff`` or the sandbox policy, but it is another origin than
    the dashboard, so a file rendered there reaches nothing of the dashboard's."""
    media_type = passive_type(filename)
    inline = media_type is not None and not download
    headers = file_headers(filename, "inline" if inline else "attachment")
    path = storage.local_path(rel)
    if path is not None:
        return FileResponse(path, media_type=media_type or DOWNLOAD_TYPE, headers=headers)
    if not storage.has(rel):
        raise NotFound(f"no media file {rel[:200]!r}")
    url = storage.download_url(rel, filename, media_type or DOWNLOAD_TYPE,
                               headers["Content-Disposition"])
    # Not cached: a presigned URL expires, the media route does not.
    return RedirectResponse(str(url), status_code=307, headers={"Cache-Control": "no-store"})


def generated_file(content: bytes, filename: str, media_type: str) -> Response:
    """A file made from a run's data (``config.yaml``, ``wandb-summary.json``...), as a
    download."""
    return Response(content, media_type=media_type,
                    headers=file_headers(filename, "attachment"))
