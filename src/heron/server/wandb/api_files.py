"""A run's files for W&B's public API: ``run{fileCount files(names, after, first, pattern)}``
(``run.files()``, ``run.file(name)``), each with a download URL, and ``GET
/wandb-downloads/...`` that serves it.

The client fetches a file's ``url`` through wandb-core as it would from a cloud bucket, so the
URL carries its own short-lived signature (``signing.Signer``, as the upload URLs do), signed
for the run, the file name and the caller who listed it; the route needs no key. Files are the
store's own listing (``SqlStore.run_files``/``run_file``): saved files, media under their W&B
names, and the files W&B writes (``config.yaml``, ``wandb-summary.json``, ``output.log``...).
"""

from __future__ import annotations

import datetime
import mimetypes
import re
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from heron.errors import NotFound
from heron.server.file_responses import generated_file, stored_file
from heron.server.signing import Signer
from heron.server.wandb.context import BadRequest, Context
from heron.store import RunInfo, SqlStore
from heron.store.models import FileInfo

DOWNLOAD_PREFIX = "/wandb-downloads"
DOWNLOAD_SECONDS = 3600.0
"""How long a download URL works: a script lists a run's files, then downloads them."""
MAX_PAGE = 1000


def _fields(run_pk: int, name: str, user: str) -> tuple[str, ...]:
    # "download" first: an upload URL (pk, name, user) never checks as a download URL.
    return ("download", str(run_pk), name, user)


def download_url(ctx: Context, run_pk: int, name: str) -> str:
    signer: Signer = ctx.request.app.state.signer
    user = ctx.caller.user or ""
    query = signer.sign(_fields(run_pk, name, user), DOWNLOAD_SECONDS)
    base = str(ctx.request.base_url).rstrip("/")
    return f"{base}{DOWNLOAD_PREFIX}/{run_pk}/{quote(name)}?u={quote(user)}&{query}"


def iso(when: float | None) -> str | None:
    """W&B's time stamps: UTC, to the second, without a zone (``2024-05-01T12:00:00``)."""
    if when is None:
        return None
    moment = datetime.datetime.fromtimestamp(when, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _like(pattern: str) -> re.Pattern[str]:
    """MySQL's LIKE (``%`` any run of characters, ``_`` one), what the client's ``pattern``
    is written in, as a regular expression."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


def cursor_offset(cursor: Any) -> int:
    """Where a page starts: the ``after`` cursor of the previous page (an offset)."""
    if cursor is None or cursor == "":
        return 0
    if isinstance(cursor, str) and cursor.isdigit():
        return int(cursor)
    raise BadRequest(f"cursor {str(cursor)[:50]!r} is not one this server handed out")


def page_size(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"first must be a whole number of items, not {value!r}")
    return min(value, MAX_PAGE)


class RunFiles:
    """The files of one run, listed once per request however many fields ask."""

    def __init__(self, ctx: Context, info: RunInfo) -> None:
        self.ctx = ctx
        self.info = info
        self._all: list[FileInfo] | None = None

    def all(self) -> list[FileInfo]:
        if self._all is None:
            self._all = self.ctx.store.run_files(self.info.pk)
        return self._all

    def count(self, _: dict[str, Any]) -> int:
        return len(self.all())

    def connection(self, args: dict[str, Any]) -> dict[str, Any]:
        """``files(names, after, first, pattern)``: by name (a media reference's stored path
        works too, as with ``heron.Api``), by pattern, or all of them."""
        names = args.get("names") or []
        pattern = args.get("pattern")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise BadRequest(f"names must be a list of file names, not {names!r}")
        if pattern is not None and not isinstance(pattern, str):
            raise BadRequest(f"pattern must be a string, not {pattern!r}")
        if names:
            found = []
            for name in dict.fromkeys(names):
                hit = self.ctx.store.run_file(self.info.pk, name)
                if hit is not None:
                    found.append((name, hit))
        else:
            match = _like(pattern) if pattern else None
            found = [(f.name, f) for f in self.all()
                     if match is None or match.fullmatch(f.name)]
        start = cursor_offset(args.get("after"))
        size = page_size(args.get("first"), 50)
        page = found[start:start + size]
        edges = [{"node": self._node(name, f), "cursor": str(start + i + 1)}
                 for i, (name, f) in enumerate(page)]
        return {"edges": edges,
                "pageInfo": {"endCursor": edges[-1]["cursor"] if edges else None,
                             "hasNextPage": start + size < len(found)}}

    def _node(self, name: str, f: FileInfo) -> dict[str, Any]:
        url = download_url(self.ctx, self.info.pk, name)
        return {"id": f"{self.info.pk}:{name}", "name": name, "url": url, "directUrl": url,
                "sizeBytes": f.size, "mimetype": mimetypes.guess_type(name)[0],
                "updatedAt": iso(f.updated_at),
                # W&B's md5 (base64); Heron keeps sha256 only and the client checks neither.
                "md5": None, "sha256": f.sha256}


def serve_download(store: SqlStore, signer: Signer, run_pk: int, name: str, user: str,
                   expires: str, signature: str) -> Response:
    """The file a signed download URL names; ``AuthError`` (401) for a URL this server did not
    sign or that expired, ``NotFound`` when the run or file is gone."""
    signer.check(_fields(run_pk, name, user), expires, signature, kind="download")
    if store.run_by_pk(run_pk) is None:
        raise NotFound(f"no run {run_pk} to download {name[:200]!r} from")
    found = store.run_file(run_pk, name)
    if found is None:
        raise NotFound(f"the run has no file {name[:200]!r}")
    filename = name.rsplit("/", 1)[-1]
    if found.content is not None:
        return generated_file(found.content, filename, "application/octet-stream")
    return stored_file(store.media, found.path, filename, download=True)
