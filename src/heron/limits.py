"""What one run may hold: the SDK trims to these limits, the store refuses what is past them,
and the server cuts what an older store kept past them when it shows it (docs/server.md,
"Limits").

A *value* is what one key of a config, summary, metadata, metric definition or history row
holds. The checks here are pure functions over plain data (what msgpack decodes to), so the
SDK, the store and the server apply the same rules.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

MAX_DEPTH = 100
"""Lists and dicts one value may nest: ``{"a": [1]}`` as a config value nests 2 levels.
Deeper values broke every reader that walks them (Python stops recursing at 1,000 levels)."""
MAX_KEY_LENGTH = 512
"""Characters in a key, at any depth: history keys are kept in 512-character columns."""
MAX_ROW_KEYS = 10_000
"""Keys in one history row or system sample (each key is a series of its own)."""
MAX_STRING = 1 << 20
"""Characters in one string (in a value, or a text field such as a console line, a run name
or a traceback), and bytes in one binary value."""
MAX_MEDIA_PATH = 1024
"""Characters in a media file's path (the column that keeps saved files' paths)."""

DEEP_MARKER = f"<cut: nested deeper than {MAX_DEPTH} levels>"
"""What a reader shows in place of a list or dict nested past ``MAX_DEPTH`` (stored before
the limit was enforced)."""

_SCALARS = frozenset({float, int, bool, type(None), datetime.datetime})
_CONTAINERS = frozenset({dict, list, tuple})
_MEDIA_PATH = re.compile(r"media/[A-Za-z0-9/_.-]+")


def is_media_path(path: Any) -> bool:
    """``path`` names a file in a store's media folder: ``media/...``, relative, without
    ``..``, empty parts, a scheme or a host (the dashboard turns only such paths into URLs)."""
    return (isinstance(path, str) and len(path) <= MAX_MEDIA_PATH
            and _MEDIA_PATH.fullmatch(path) is not None and ".." not in path
            and "//" not in path and not path.endswith("/"))


def media_path_problem(path: Any) -> str | None:
    """Why ``path`` cannot be a media reference's path, or None when it can."""
    if is_media_path(path):
        return None
    shown = repr(path[:200]) if isinstance(path, str) else type(path).__name__
    return (f"media path {shown} is not a relative path inside the media folder "
            "(media/..., letters, digits, '/', '_', '.', '-', no '..')")


def file_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot name a run's file (written under a folder by downloads), or None:
    it must be relative, without ``..`` parts, a drive or a NUL character."""
    if not isinstance(name, str) or not name:
        return "a file name must be a non-empty string"
    parts = name.replace("\\", "/").split("/")
    if "\0" in name:
        return f"file name {name[:200]!r} holds a NUL character"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return f"file name {name[:200]!r} is absolute; it must be relative to the run"
    if ".." in parts:
        return f"file name {name[:200]!r} has a '..' part; it must stay inside the run"
    if all(p in ("", ".") for p in parts):
        return f"file name {name[:200]!r} names no file"
    return None


def text_problem(text: str) -> str | None:
    """Why the text field ``text`` is over the limit, or None."""
    if len(text) > MAX_STRING:
        return f"is {len(text):,} characters long; the limit is {MAX_STRING:,}"
    return None


def _key_problem(key: Any, any_scalar: bool = False) -> str | None:
    if type(key) is str:
        if len(key) > MAX_KEY_LENGTH:
            return (f"holds a key of {len(key):,} characters ({key[:40]!r}...); the limit is "
                    f"{MAX_KEY_LENGTH}")
        return None
    if type(key) is int or any_scalar:  # msgpack maps may have int keys; JSON shows them
        return None
    return f"holds a key of type {type(key).__name__}; keys must be strings"


def _scalar_problem(value: Any, any_scalar: bool) -> str | None:
    t = type(value)
    if t is str:
        if len(value) > MAX_STRING:
            return f"holds a string of {len(value):,} characters; the limit is {MAX_STRING:,}"
        return None
    if t is bytes:
        if len(value) > MAX_STRING:
            return f"holds {len(value):,} bytes of binary data; the limit is {MAX_STRING:,}"
        return None
    if any_scalar or t in _SCALARS:
        return None
    return (f"holds a value of type {t.__module__}.{t.__qualname__}, which is not a number, "
            "string, list or dict")


def value_problem(value: Any, any_scalar: bool = False) -> str | None:
    """Why ``value`` (one key's value) breaks a limit, in words that follow the key's name
    ("nests deeper than 100 levels"); None when it fits. Only what msgpack decodes to is a
    value (a msgpack extension is not); ``any_scalar`` accepts any other type as well (the
    SDK: its media objects become references later, and msgspec encodes dates, UUIDs...).

    Walks without recursion, and stops at the first problem or past ``MAX_DEPTH``.
    """
    t = type(value)
    if t is float or t is int or t is bool or value is None:
        return None
    if t not in _CONTAINERS:
        return _scalar_problem(value, any_scalar)
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nests deeper than {MAX_DEPTH} levels of lists and dicts"
        if type(item) is dict:
            if "_type" in item:
                problem = _media_problem(item)
                if problem is not None:
                    return problem
            for key in item:
                if type(key) is not str or len(key) > MAX_KEY_LENGTH:
                    problem = _key_problem(key, any_scalar)
                    if problem is not None:
                        return problem
            children: Any = item.values()
        else:
            children = item
        for child in children:
            kind = type(child)
            if kind is float or kind is int:
                continue
            if kind in _CONTAINERS:
                stack.append((child, depth + 1))
            else:
                problem = _scalar_problem(child, any_scalar)
                if problem is not None:
                    return problem
    return None


def _media_problem(ref: dict[Any, Any]) -> str | None:
    """A media reference's file paths must be media paths: the dashboard would fetch any
    other (``///attacker.example/x.png``, ``/etc/passwd``) from wherever it points."""
    if "path" in ref:
        problem = media_path_problem(ref["path"])
        if problem is not None:
            return f"is a {str(ref['_type'])[:40]!r} whose {problem}"
    if "filenames" in ref:
        names = ref["filenames"]
        if type(names) is not list:
            return f"is a {str(ref['_type'])[:40]!r} whose filenames are not a list"
        for name in names:
            problem = media_path_problem(name)
            if problem is not None:
                return f"is a {str(ref['_type'])[:40]!r} whose {problem}"
    return None


def mapping_problem(mapping: dict[Any, Any], any_scalar: bool = False
                    ) -> tuple[Any, str] | None:
    """The first ``(key, problem)`` of a config, summary, metadata or history row (a dict of
    values), or None when every key and value fits."""
    for key, value in mapping.items():
        if type(key) is str and len(key) > MAX_KEY_LENGTH:
            return key, (f"is {len(key):,} characters long; a key may be at most "
                         f"{MAX_KEY_LENGTH}")
        if type(key) is not str and not any_scalar:
            return key, "is not a string"
        problem = value_problem(value, any_scalar)
        if problem is not None:
            return key, problem
    return None


def cut_deep(value: Any, levels: int = MAX_DEPTH) -> Any:
    """``value`` with each list or dict nested more than ``levels`` deep replaced by
    ``DEEP_MARKER``: the same object when nothing is that deep, else a copy of the parts that
    changed. Recurses at most ``levels`` deep."""
    kind = type(value)
    if kind is dict:
        children = value.values()
    elif kind is list or kind is tuple:
        children = value
    else:
        return value
    if levels <= 0:
        return DEEP_MARKER
    if _CONTAINERS.isdisjoint(map(type, children)):  # the common case, in C: nothing nested
        return value
    if kind is dict:
        out: dict[Any, Any] | None = None
        for key, child in value.items():
            cut = cut_deep(child, levels - 1)
            if cut is not child:
                if out is None:
                    out = dict(value)
                out[key] = cut
        return value if out is None else out
    items = [cut_deep(child, levels - 1) for child in value]
    if all(a is b for a, b in zip(items, value)):
        return value
    return items


def cut_values(mapping: dict[Any, Any]) -> dict[Any, Any]:
    """A config, summary or metadata with each value cut at ``MAX_DEPTH`` (``cut_deep``)."""
    cut: dict[Any, Any] = cut_deep(mapping, MAX_DEPTH + 1)
    return cut
