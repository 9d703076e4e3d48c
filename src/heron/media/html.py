"""``Html``: a page of HTML stored as a file; the dashboard shows it sandboxed, scripts off."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from heron.errors import ValueRejected
from heron.media._convert import type_name
from heron.media.base import Media, MediaWriter

INJECTED_HEAD = (
    '<base target="_blank">'
    "<style>body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;"
    "line-height:1.45;margin:8px;color:#222}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:2px 6px}</style>"
)
"""What ``inject=True`` adds at the start of the head: links open in a new tab, as in W&B,
and a small inline stylesheet. W&B links its stylesheet from its own site instead; Heron's
pages never make the browser fetch from another site, so the style travels in the file."""


class Html(Media):
    """HTML for ``log()``, like ``wandb.Html``.

    ``data`` is HTML text, an open text file, or the path of an ``.html`` file (read as
    UTF-8; ``data_is_not_path=True`` treats a string as HTML even when such a file exists).
    ``inject=True`` adds ``INJECTED_HEAD`` to the page's head; ``inject=False`` stores it
    unchanged. The dashboard shows the page in a sandboxed frame: scripts in it do not run.

    Example:
        >>> heron.log({"report": heron.Html("<h1>Epoch 3</h1><p>loss went down</p>")})
    """

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        if _is_html_path(data) and not data_is_not_path:
            try:
                html = Path(data).read_bytes().decode("utf-8")  # newlines as they are
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueRejected(
                    f"Html cannot read the file {os.fspath(data)!r}: {exc}"
                ) from None
        elif isinstance(data, str):
            html = data
        elif hasattr(data, "read"):
            if hasattr(data, "seek"):
                data.seek(0)
            html = data.read()
            if isinstance(html, bytes):
                try:
                    html = html.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueRejected(f"Html read bytes that are not UTF-8: {exc}") from None
            if not isinstance(html, str):
                raise ValueRejected(f"Html read {type_name(html)} from the file; expected text")
        else:
            raise ValueRejected(
                f"Html needs HTML text, an open file or the path of an .html file, got "
                f"{type_name(data)}"
            )
        self.html = inject_head(html) if inject else html

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        data = self.html.encode("utf-8")
        return {
            "_type": "html-file",
            "path": writer.put(data, ".html"),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }

    def __repr__(self) -> str:
        return f"Html({len(self.html)} characters)"


def _is_html_path(data: Any) -> bool:
    """W&B's rule: an existing file whose name ends in ``.html``."""
    if not isinstance(data, (str, os.PathLike)) or (isinstance(data, str) and "\n" in data):
        return False
    try:
        return os.path.splitext(os.fspath(data))[1] == ".html" and os.path.isfile(data)
    except (OSError, ValueError):  # a name too long for the OS, an embedded NUL
        return False


def inject_head(html: str) -> str:
    """``html`` with ``INJECTED_HEAD`` at the start of its head, placed as W&B places its own:
    after ``<head>``, else in a new head after ``<html>``, else before everything.

    Example:
        >>> inject_head("<p>hi</p>").startswith('<base target="_blank">')
        True
    """
    if "<head>" in html:
        before, after = html.split("<head>", 1)
        return (before + "<head>" + INJECTED_HEAD + after).strip()
    if "<html>" in html:
        before, after = html.split("<html>", 1)
        return (before + "<html><head>" + INJECTED_HEAD + "</head>" + after).strip()
    return (INJECTED_HEAD + html).strip()
