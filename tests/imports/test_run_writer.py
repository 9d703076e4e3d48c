"""``write_run``: the same source always makes the same numbered batches, so an import that
stopped half-way continues where it stopped, and a finished one is not written again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import heron
from heron.importers.model import ImportedRow, ImportedRun, stable_run_id
from heron.importers.run_writer import ROWS_PER_BATCH, write_run
from heron.sdk.sinks import LocalSink

ROWS = ROWS_PER_BATCH * 2 + 10


class SourceVanished(Exception):
    """The source stopped answering part-way (a network share gone, Ctrl-C)."""


def _source(fail_after: int | None = None) -> ImportedRun:
    def rows() -> Iterator[ImportedRow]:
        for step in range(ROWS):
            if fail_after is not None and step == fail_after:
                raise SourceVanished(f"source gone at row {step}")
            yield ImportedRow(step=step, values={"x": float(step)}, timestamp=1000.0 + step)

    return ImportedRun(project="resume", run_id=stable_run_id("test", "source-1"),
                       name="big", source="test:source-1", started_at=1000.0, rows=rows,
                       config={"a": 1})


def test_an_interrupted_import_continues_without_duplicates(heron_dir: Path) -> None:
    sink = LocalSink(str(heron_dir))
    with pytest.raises(SourceVanished):
        write_run(_source(fail_after=ROWS_PER_BATCH + 500), sink)
    half = heron.Api().run("resume/test-source-1")
    assert half.lastHistoryStep == ROWS_PER_BATCH - 1  # the first slice landed whole

    outcome = write_run(_source(), sink)

    assert not outcome.skipped
    run = heron.Api().run("resume/test-source-1")
    steps = [row["_step"] for row in run.scan_history()]
    assert steps == list(range(ROWS))
    assert run.state == "finished" and run.summary["x"] == ROWS - 1
    assert write_run(_source(), sink).skipped
    sink.close()


def test_stable_run_ids() -> None:
    assert stable_run_id("mlflow", "f21aad0d") == "mlflow-f21aad0d"
    digest = stable_run_id("tb", "/logs/run one")
    assert digest == stable_run_id("tb", "/logs/run one") != stable_run_id("tb", "/logs/two")
    assert digest.startswith("tb-") and " " not in digest
