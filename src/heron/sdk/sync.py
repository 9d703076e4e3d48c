"""``heron sync``: deliver offline runs and spooled batches to the store or the server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from heron.sdk import runlog
from heron.sdk.settings import resolve

SYNCED_MARK = ".synced"


def find_run_folders(paths: list[Path], include_synced: bool = False) -> list[Path]:
    """Run folders holding run logs under ``paths`` (default: ``HERON_DIR/runs``)."""
    roots = paths or [resolve(None).store_dir / "runs"]
    found: list[Path] = []
    for root in roots:
        candidates = [root] if any(root.glob("*" + runlog.SUFFIX)) else sorted(
            p for p in root.glob("*") if p.is_dir())
        for folder in candidates:
            if not any(folder.glob("*" + runlog.SUFFIX)):
                continue
            if (folder / SYNCED_MARK).exists() and not include_synced:
                continue
            found.append(folder)
    return found


def target_sink(host: str | None) -> Any:
    """Where ``heron sync`` delivers: ``host``, the configured server, or the local store."""
    settings = resolve(None)
    host = host or settings.host
    if host:
        from heron.sdk.remote import HttpSink

        return HttpSink(host, settings.api_key, settings.store_dir)
    from heron.sdk.sinks import LocalSink

    return LocalSink(f"sqlite:///{settings.store_dir / 'heron.db'}", settings.store_dir)


def _upload_media(folder: Path, sink: Any) -> None:
    """Media written by an offline run travel with it (content-addressed: same paths there)."""
    media = folder / "media"
    if not media.is_dir():
        return
    for path in sorted(media.rglob("*")):
        if path.is_file() and not path.name.endswith(".tmp"):
            stored = sink.media.put(path.read_bytes(), "".join(path.suffixes[-1:]))
            expected = path.relative_to(folder).as_posix()
            if stored != expected:
                raise RuntimeError(f"media {expected} was stored as {stored}")


def sync_folder(folder: Path, sink: Any, clean: bool = False) -> int:
    """Replay every run log in ``folder`` (oldest first); returns the batches sent.

    Safe to repeat: a batch the target already has is ignored there.
    """
    _upload_media(folder, sink)
    sent = 0
    logs = sorted(folder.glob("*" + runlog.SUFFIX), key=lambda p: (p.name != "run.heronlog",
                                                                   p.name))
    for log in logs:
        for batch in runlog.read(log):
            sink.write(batch)
            sent += 1
    (folder / SYNCED_MARK).write_text("synced\n")
    for log in logs:
        if log.name.startswith(("spool-", "rejected-")):
            log.unlink()  # delivered: a spool is only a waiting room
    if clean:
        shutil.rmtree(folder)
    return sent
