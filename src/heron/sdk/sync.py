"""``heron sync``: deliver offline runs and spooled batches to the store or the server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from heron.client import configured_server
from heron.sdk import runlog
from heron.sdk.settings import resolve
from heron.sdk.writer import batch_media

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
    server = (host, settings.api_key) if host else configured_server(settings)
    if server is not None:
        from heron.sdk.remote import HttpSink

        return HttpSink(*server)
    from heron.sdk.sinks import LocalSink

    return LocalSink(f"sqlite:///{settings.store_dir / 'heron.db'}")


def _deliver(folder: Path, sink: Any, batch: Any, delivered: set[str]) -> None:
    """Deliver the media files ``batch`` refers to (kept in the run folder), then the batch."""
    files = [(rel, folder / rel) for rel in batch_media(batch)
             if rel not in delivered and (folder / rel).is_file()]
    if files:
        sink.deliver_media(files)
        delivered.update(rel for rel, _ in files)
    sink.write(batch)


def sync_folder(folder: Path, sink: Any, clean: bool = False) -> int:
    """Replay every run log in ``folder`` (oldest first); returns the batches sent.

    Safe to repeat: a batch the target already has is ignored there.
    """
    sent = 0
    delivered: set[str] = set()
    logs = sorted(folder.glob("*" + runlog.SUFFIX), key=lambda p: (p.name != "run.heronlog",
                                                                   p.name))
    for log in logs:
        for batch in runlog.read(log):
            _deliver(folder, sink, batch, delivered)
            sent += 1
    (folder / SYNCED_MARK).write_text("synced\n")
    for log in logs:
        if log.name.startswith(("spool-", "rejected-")):
            log.unlink()  # delivered: a spool is only a waiting room
    if clean:
        shutil.rmtree(folder)
    return sent
