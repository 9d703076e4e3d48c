"""``heron export RUN``: a run's full history as CSV or Parquet, or a clear error."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import heron

ROWS = 600
"""More than ``history()``'s default 500 samples: an export must not be sampled."""


def logged_rows() -> list[dict]:
    return [
        {"loss": 1.0 / (i + 1), "epoch": i // 100, "phase": "warmup" if i < 10 else "main"}
        for i in range(ROWS)
    ]


@pytest.fixture
def run_id(log_run: Callable[..., str]) -> str:
    return log_run("vision", name="exported", rows=logged_rows())


def test_export_csv_writes_every_logged_row(
    run_id: str, heron_cmd: Callable, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "run.csv"
    target.parent.mkdir()

    done = heron_cmd("export", f"vision/{run_id}", "--format", "csv", "-o", str(target))

    assert done.returncode == 0, done.stderr
    assert f"wrote {ROWS} rows of {run_id} to {target}" in done.stderr
    with target.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) == {"_step", "_runtime", "_timestamp", "loss", "epoch", "phase"}
    assert [int(r["_step"]) for r in rows] == list(range(ROWS))
    assert [float(r["loss"]) for r in rows] == [x["loss"] for x in logged_rows()]
    assert [r["epoch"] for r in rows] == [str(x["epoch"]) for x in logged_rows()]  # ints: no ".0"
    assert [r["phase"] for r in rows] == [x["phase"] for x in logged_rows()]


def test_export_parquet_keeps_types_and_values(
    run_id: str, invoke: Callable, tmp_path: Path
) -> None:
    target = tmp_path / "run.parquet"

    result = invoke("export", f"vision/{run_id}", "--format", "parquet", "-o", str(target))

    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(target)
    assert len(frame) == ROWS
    assert frame["_step"].tolist() == list(range(ROWS))
    assert frame["loss"].tolist() == [x["loss"] for x in logged_rows()]
    assert frame["epoch"].dtype == "int64"
    assert frame["epoch"].tolist() == [x["epoch"] for x in logged_rows()]
    assert frame["phase"].tolist() == [x["phase"] for x in logged_rows()]


def test_export_without_output_names_the_file_after_the_run(
    run_id: str, heron_cmd: Callable, tmp_path: Path
) -> None:
    done = heron_cmd("export", f"vision/{run_id}")

    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / f"{run_id}.csv")) == ROWS


def test_export_to_dash_prints_csv_on_stdout(run_id: str, invoke: Callable) -> None:
    result = invoke("export", f"vision/{run_id}", "-o", "-")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split(",") == ["_step", "_runtime", "_timestamp", "epoch", "loss", "phase"]
    assert len(lines) == ROWS + 1


def test_export_of_gappy_history_leaves_cells_empty_where_nothing_was_logged(
    log_run: Callable[..., str], invoke: Callable, tmp_path: Path
) -> None:
    run_id = log_run("vision", rows=[{"loss": 1.0}, {"loss": 0.5, "val": 0.7}, {"loss": 0.25}])
    target = tmp_path / "gaps.csv"

    assert invoke("export", f"vision/{run_id}", "-o", str(target)).exit_code == 0

    with target.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["loss"], r["val"]) for r in rows] == [("1.0", ""), ("0.5", "0.7"), ("0.25", "")]


def test_export_parquet_of_a_metric_with_mixed_types_still_writes_the_file(
    log_run: Callable[..., str], heron_cmd: Callable, tmp_path: Path
) -> None:
    run_id = log_run("vision", rows=[{"x": 1}, {"x": "two"}, {"x": [1, 2]}, {"y": 0.5}])
    target = tmp_path / "mixed.parquet"

    done = heron_cmd("export", f"vision/{run_id}", "--format", "parquet", "-o", str(target))

    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stderr
    frame = pd.read_parquet(target)
    assert len(frame) == 4
    assert "x" in frame.columns and frame["y"].iloc[3] == 0.5


def test_export_of_a_missing_run_fails_with_a_clear_message(
    run_id: str, heron_cmd: Callable, tmp_path: Path
) -> None:
    done = heron_cmd("export", "vision/doesnotexist", "-o", str(tmp_path / "x.csv"))

    assert done.returncode != 0
    assert "Error: Could not find run 'vision/doesnotexist'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("just-an-id", "run path 'just-an-id' must be 'project/run_id' or 'entity/project/run_id'"),
        ("a/b/c/d", "too many parts"),
    ],
)
def test_export_of_a_malformed_run_path_says_what_is_expected(
    invoke: Callable, path: str, message: str
) -> None:
    result = invoke("export", path)

    assert result.exit_code == 1
    assert message in result.stderr


def test_export_rejects_an_unknown_format(run_id: str, invoke: Callable) -> None:
    result = invoke("export", f"vision/{run_id}", "--format", "xlsx")

    assert result.exit_code == 2
    assert "'xlsx' is not one of 'csv', 'parquet'" in result.stderr


def test_exported_history_matches_what_the_api_reads(
    run_id: str, invoke: Callable, tmp_path: Path
) -> None:
    target = tmp_path / "run.csv"
    invoke("export", f"vision/{run_id}", "-o", str(target))

    exported = pd.read_csv(target)
    api_rows = list(heron.Api().run(f"vision/{run_id}").scan_history())

    assert exported["_timestamp"].tolist() == [r["_timestamp"] for r in api_rows]
    assert exported["_runtime"].tolist() == [r["_runtime"] for r in api_rows]
