"""What identifies an artifact version's content, and the names W&B allows: shared by the SDK
(which computes them to find a version it logged) and the store (which recomputes them rather
than trust a client)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heron.records import ArtifactEntry

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
"""An artifact's (collection's) name and its type: W&B's characters."""
ALIAS = re.compile(r"^[^/:]{1,128}$")
VERSION_ALIAS = re.compile(r"^v\d+$")
"""``v0``, ``v1``...: every version's own name, never an alias a user sets."""
REFERENCE_SCHEMES = ("file://", "s3://", "gs://", "http://", "https://")


def digest_of(entries: Iterable[ArtifactEntry]) -> str:
    """SHA-256 over the sorted entries (path, content or reference, size): two versions with
    the same files at the same paths have the same digest, whatever order they were added in."""
    h = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.path):
        h.update(f"{entry.path}\0{entry.sha256 or ''}\0{entry.ref or ''}\0{entry.size}\n"
                 .encode())
    return h.hexdigest()


def name_problem(value: object, what: str = "artifact name") -> str | None:
    if not isinstance(value, str) or not NAME.match(value):
        return (f"{what} {value!r} is not valid: use 1-128 letters, digits, '-', '_' or '.'")
    return None


def alias_problem(value: object) -> str | None:
    if not isinstance(value, str) or not ALIAS.match(value):
        return f"alias {value!r} is not valid: 1-128 characters without '/' or ':'"
    if VERSION_ALIAS.match(value):
        return f"alias {value!r} is reserved: v0, v1, ... name the versions themselves"
    return None


def entry_path_problem(path: object) -> str | None:
    """A relative POSIX path inside the artifact, without ``..``."""
    if not isinstance(path, str) or not 0 < len(path) <= 1024 or "\0" in path:
        return f"artifact path {path!r} must be 1-1024 characters"
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        return f"artifact path {path!r} must be relative, with '/' between its parts and no '..'"
    return None


def parse_ref(spec: str, default_project: str) -> tuple[str, str, str, str]:
    """``[[entity/]project/]name[:alias|:vN]`` as (entity, project, name, alias); the alias is
    ``latest`` when none is given."""
    path, _, alias = spec.partition(":")
    parts = path.split("/")
    if len(parts) > 3 or any(not p for p in parts):
        raise ValueError(f"artifact {spec!r} is not [[entity/]project/]name[:alias]")
    name = parts[-1]
    project = parts[-2] if len(parts) >= 2 else default_project
    entity = parts[0] if len(parts) == 3 else ""
    return entity, project, name, alias or "latest"
