"""W&B's media references as Heron's: the file a history row or summary names by its W&B path
(``media/images/img_3_ab12....png``) is found by the ``sha256`` the reference carries.

Heron keeps media content-addressed (``media/ab/<sha256><suffix>``, ``DirectoryMediaWriter``)
and the client's upload of the file lands exactly there (``uploads.py``), so a reference is
rewritten without waiting for, or looking up, the upload: the dashboard and ``heron.Api()``
then read W&B's images and tables like Heron's own. The W&B path stays in ``wandb_path``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SUFFIX = re.compile(r"^\.[A-Za-z0-9_-]{1,16}$")
DOUBLE_SUFFIXES = (".table.json",)


def suffix_of(name: str) -> str:
    """The suffix a media file of this name is stored with (``.png``, ``.table.json``); ""
    when it has none Heron keeps."""
    for double in DOUBLE_SUFFIXES:
        if name.endswith(double):
            return double
    suffix = PurePosixPath(name).suffix
    return suffix if _SUFFIX.match(suffix) else ""


def to_heron(value: Any, depth: int = 0) -> Any:
    """``value`` with every W&B media reference (a dict with ``_type``, a ``media/...``
    ``path`` and a ``sha256``) pointing at Heron's content-addressed copy."""
    if depth > 100:  # the store refuses deeper values with its own message
        return value
    if isinstance(value, list):
        return [to_heron(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: to_heron(v, depth + 1) for k, v in value.items()}
    path, digest = out.get("path"), out.get("sha256")
    if ("_type" in out and isinstance(path, str) and path.startswith("media/")
            and isinstance(digest, str) and _SHA256.match(digest)):
        out["wandb_path"] = path
        out["path"] = f"media/{digest[:2]}/{digest}{suffix_of(path)}"
    return out
