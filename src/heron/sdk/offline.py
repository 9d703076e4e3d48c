"""``OfflineSink``: everything goes to the run folder; nothing touches the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heron import records as r
from heron.media.base import DirectoryMediaWriter, MediaWriter
from heron.sdk import runlog

LOG_NAME = "run" + runlog.SUFFIX


class OfflineSink:
    """Appends batches to ``<run folder>/run.heronlog``; media go to ``<run folder>/media``."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.url = f"offline:{run_dir}"
        self.media: MediaWriter = DirectoryMediaWriter(run_dir)

    def write(self, batch: r.Batch) -> None:
        runlog.append(self.run_dir / LOG_NAME, [batch])

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return None  # an offline run cannot see the store: resuming starts a new segment

    def close(self) -> None:
        return None
