"""``OfflineSink``: everything goes to the run folder; nothing touches the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heron import records as r
from heron.sdk import runlog

LOG_NAME = "run" + runlog.SUFFIX


class OfflineSink:
    """Appends batches to ``<run folder>/run.heronlog``; media already live in the run folder
    (``<run folder>/media``), where ``heron sync`` finds them."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.url = f"offline:{run_dir}"

    def open(self) -> None:
        return None

    def write(self, batch: r.Batch) -> None:
        runlog.append(self.run_dir / LOG_NAME, [batch])

    def deliver_media(self, files: list[tuple[str, Path]]) -> None:
        return None  # the writer put it in this run folder already

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return None  # an offline run cannot see the store: resuming starts a new segment

    def flush(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        return None
