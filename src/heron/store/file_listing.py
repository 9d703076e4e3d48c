"""A run's files as W&B lists them: saved files, logged media, and the files W&B writes.

W&B copies each logged media value into the run's folder as
``media/<kind>/<key>_<step>_<sha256[:20]><ext>`` (``_wb_filename`` in its ``media.py``; media
set only in the summary use ``summary`` for the step) and writes ``config.yaml``,
``wandb-summary.json``, ``wandb-metadata.json`` and ``output.log`` beside them. Heron stores
media bytes once, content-addressed (``media/<sha[:2]>/<sha><suffix>``), and the history keeps
each reference with its key and step; so the W&B names are derived here, from the history,
summary, config and console, for the embedded store and the server alike.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Connection

from heron.limits import cut_values
from heron.store import chunks, queries
from heron.store.media_storage import MediaStorage
from heron.store.models import STREAM_HISTORY, FileInfo, RunInfo
from heron.store.schema import history_objects

CONFIG_FILE = "config.yaml"
SUMMARY_FILE = "wandb-summary.json"
METADATA_FILE = "wandb-metadata.json"
OUTPUT_FILE = "output.log"

MEDIA_SUBDIRS: dict[str, str] = {
    "image-file": "media/images",
    "mask": "media/images/mask",
    "table-file": "media/table",
    "audio-file": "media/audio",
    "video-file": "media/videos",
    "html-file": "media/html",
    "plotly-file": "media/plotly",
    "object3D-file": "media/object3D",
    "molecule-file": "media/molecule",
    "bokeh-file": "media/bokeh",
    "graph-file": "media/graph",
}
"""W&B's folder (``get_media_subdir``) for each media ``_type`` that is stored as a file.
Histograms are not files in W&B either: they stay inline in the history."""

# Only what a MediaWriter produces: anything else in a client's reference (``../x``) is ignored,
# so no listed file can point outside the media folder.
_CONTENT_PATH = re.compile(r"media/([0-9a-f]{2})/(\1[0-9a-f]{62})([A-Za-z0-9._-]{0,64})")


def content_path_parts(path: Any) -> tuple[str, str] | None:
    """``(sha256, suffix)`` of a content-addressed media path, or None for any other value."""
    if not isinstance(path, str):
        return None
    found = _CONTENT_PATH.fullmatch(path)
    return (found.group(2), found.group(3)) if found else None


def upload_safe_key(key: str) -> str:
    """A history key as W&B puts it in a file name (``make_file_path_upload_safe``): leading
    slashes dropped, ``.`` and ``..`` path parts turned into ``_`` and ``__``; other ``/`` keep
    making folders (``val/examples`` -> ``media/images/val/examples_3_<hash>.png``)."""
    parts = key.lstrip("/").split("/")
    return "/".join(p.replace(".", "_") if p in (".", "..") else p for p in parts)


def media_name(subdir: str, key: str, step: int | str, path: str) -> str | None:
    """The W&B file name of the media file at content ``path`` logged under ``key`` at
    ``step`` (an int, or ``"summary"``); None when ``path`` is not a content path."""
    parts = content_path_parts(path)
    if parts is None:
        return None
    sha, suffix = parts
    return f"{subdir}/{upload_safe_key(key)}_{step}_{sha[:20]}{suffix}"


def media_refs(value: Any) -> Iterator[tuple[str, str]]:
    """``(W&B folder, content path)`` of each file a logged value refers to: an image and its
    masks, each image of a list (``images/separated``), a table, and W&B's other file kinds."""
    if isinstance(value, list):
        for item in value:
            yield from media_refs(item)
        return
    if not isinstance(value, Mapping):
        return
    kind = value.get("_type")
    if kind in MEDIA_SUBDIRS and isinstance(value.get("path"), str):
        yield MEDIA_SUBDIRS[kind], value["path"]
    if kind == "images/separated":
        for path in value.get("filenames") or []:
            if isinstance(path, str):
                yield MEDIA_SUBDIRS["image-file"], path
        for masks in value.get("all_masks") or []:
            if isinstance(masks, Mapping):
                yield from media_refs(list(masks.values()))
    masks = value.get("masks")
    if kind == "image-file" and isinstance(masks, Mapping):
        yield from media_refs(list(masks.values()))


def _summary_refs(summary: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of each media value in the summary (nested dicts walked)."""
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and "_type" not in value:
            yield from _summary_refs(value, name + ".")
        else:
            yield name, value


def _generated(name: str, content: bytes, updated_at: float) -> FileInfo:
    return FileInfo(name=name, path="", size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(), updated_at=updated_at,
                    content=content)


def _json_bytes(value: Any) -> bytes:
    # allow_nan: W&B writes NaN and Infinity as those JSON tokens too; default=str keeps a
    # value JSON cannot hold (bytes) from failing the whole listing.
    return json.dumps(value, indent=2, allow_nan=True, default=str).encode("utf-8")


def config_yaml(config: Mapping[str, Any]) -> bytes:
    """``config.yaml`` as W&B writes it: each top-level key as ``{value: ...}``, keys sorted."""
    return yaml.safe_dump({str(k): {"value": v} for k, v in config.items()}, sort_keys=True,
                          allow_unicode=True, default_flow_style=False).encode("utf-8")


def derive(info: RunInfo, saved: Iterable[FileInfo],
           logged: Iterable[tuple[str, int, Any]], console: Iterable[str],
           timestamps: Mapping[int, float], media_size: Callable[[str], int | None]
           ) -> list[FileInfo]:
    """Every file of the run, W&B-named, sorted by name.

    ``logged`` holds the history's ``(key, step, value)`` values that may refer to media;
    ``timestamps`` maps a step to its ``_timestamp``; ``media_size(path)`` gives a stored file's
    size, or None when it is missing (then it is not listed: it could not be downloaded).
    Files saved with ``save()`` win over a derived name they collide with.
    """
    found: dict[str, FileInfo] = {}
    seen_paths: set[str] = set()
    # A run stored before values were limited to MAX_DEPTH levels: YAML and JSON would
    # recurse as deep as the value nests, past Python's limit; cut as every reader shows it.
    config, summary, metadata = (cut_values(v) for v in (info.config, info.summary,
                                                         info.metadata))

    def add_media(subdir: str, key: str, step: int | str, path: str, when: float) -> None:
        name = media_name(subdir, key, step, path)
        parts = content_path_parts(path)
        if name is None or parts is None or name in found:
            return
        size = media_size(path)
        if size is None:
            return
        seen_paths.add(path)
        found[name] = FileInfo(name=name, path=path, size=size, sha256=parts[0],
                               updated_at=when)

    for key, step, value in logged:
        for subdir, path in media_refs(value):
            add_media(subdir, key, step, path, timestamps.get(step, info.updated_at))
    # A value logged to the history is also the summary's last value: the same file. Only media
    # set in the summary alone get W&B's "summary" step.
    for key, value in _summary_refs(summary):
        for subdir, path in media_refs(value):
            if path not in seen_paths:
                add_media(subdir, key, "summary", path, info.updated_at)

    found[CONFIG_FILE] = _generated(CONFIG_FILE, config_yaml(config), info.updated_at)
    found[SUMMARY_FILE] = _generated(SUMMARY_FILE, _json_bytes(summary), info.updated_at)
    if metadata:
        found[METADATA_FILE] = _generated(METADATA_FILE, _json_bytes(metadata),
                                          info.created_at)
    lines = list(console)
    if lines:
        text = "".join(line + "\n" for line in lines)
        found[OUTPUT_FILE] = _generated(OUTPUT_FILE, text.encode("utf-8"), info.updated_at)
    for file in saved:
        found[file.name] = file
    return [found[name] for name in sorted(found)]


def _logged_media(conn: Connection, run_pk: int, key: str | None = None,
                  step: int | None = None) -> Iterator[tuple[str, int, Any]]:
    """History values of the run that may refer to media files, in key and step order (only
    those of ``key`` at ``step`` when given)."""
    query = (select(history_objects.c.key, history_objects.c.step, history_objects.c.value)
             .where(history_objects.c.run_pk == run_pk,
                    history_objects.c.stream == STREAM_HISTORY)
             .order_by(history_objects.c.key, history_objects.c.step, history_objects.c.id))
    if key is not None and step is not None:
        query = query.where(history_objects.c.key == key, history_objects.c.step == step)
    for found_key, found_step, raw in conn.execute(query):
        # A media reference holds a "media/..." path, stored as plain bytes by msgpack: skip
        # decoding the rest (histograms, strings), which can be most of a run's objects.
        if b"media/" in bytes(raw):
            yield found_key, int(found_step), chunks.decode_object(raw)


def _timestamps(conn: Connection, run_pk: int, first: int | None = None,
                last: int | None = None) -> dict[int, float]:
    """``_timestamp`` of each history step (from ``first`` to ``last`` when given)."""
    series = queries.read_series(conn, run_pk, "_timestamp", STREAM_HISTORY, first,
                                 None if last is None else last + 1)
    return {int(step): float(when)
            for step, when in zip(series.steps.tolist(), series.values.tolist())
            if isinstance(when, (int, float))}


def list_run_files(conn: Connection, info: RunInfo, media: MediaStorage) -> list[FileInfo]:
    """Every file of the run W&B would list, read from the store on ``conn``."""
    logged = list(_logged_media(conn, info.pk))
    timestamps = _timestamps(conn, info.pk) if logged else {}
    console = (line.text for line in queries.console(conn, info.pk))
    return derive(info, queries.files(conn, info.pk), logged, console, timestamps,
                  media.size)


_MEDIA_NAME = re.compile(r"(?P<key>.+)_(?P<step>-?[0-9]+|summary)_[0-9a-f]{20}[A-Za-z0-9._-]*")


def find_run_file(conn: Connection, info: RunInfo, media: MediaStorage, name: str
                  ) -> FileInfo | None:
    """The file ``list_run_files`` lists as ``name`` (or whose stored ``path`` is ``name``),
    reading only the history rows a media name points at: downloading every file of a run
    one by one through a server would otherwise list them all each time."""
    logged: list[tuple[str, int, Any]] = []
    for subdir in set(MEDIA_SUBDIRS.values()):
        found = _MEDIA_NAME.fullmatch(name[len(subdir) + 1:]) if name.startswith(
            subdir + "/") else None
        if found is None:
            continue
        if found["step"] == "summary":  # only the whole history says a value is summary-only
            return _by_name(list_run_files(conn, info, media), name)
        step = int(found["step"])
        if chunks.INT64_MIN <= step <= chunks.INT64_MAX:  # steps are int64 in the tables
            # A key W&B rewrote for the file name ("/a", "..") is not found here: see below.
            logged.extend(_logged_media(conn, info.pk, found["key"], step))
    steps = [step for _, step, _ in logged]
    timestamps = _timestamps(conn, info.pk, min(steps), max(steps)) if steps else {}
    console = ((line.text for line in queries.console(conn, info.pk)) if name == OUTPUT_FILE
               else iter(()))
    files = derive(info, queries.files(conn, info.pk), logged, console, timestamps,
                   media.size)
    # Media set only in the summary may be misnamed from these few rows, but a summary name
    # was looked up in the whole listing above, so it cannot be the one asked for here.
    hit = next((f for f in files if f.name == name), None)
    if hit is not None:
        return hit
    return _by_name(list_run_files(conn, info, media), name)


def _by_name(files: list[FileInfo], name: str) -> FileInfo | None:
    """The file listed as ``name``, else the first whose stored media path is ``name``."""
    return next((f for f in files if f.name == name), None) or next(
        (f for f in files if f.path and f.path == name), None)
