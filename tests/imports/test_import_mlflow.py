"""``heron import mlflow URI``: experiments become projects; params the config, metrics the
history by step with their timestamps, tags the tags, artifacts the run's files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.imports.conftest import snapshot, stored_runs

pytest.importorskip("mlflow", reason="heron import mlflow needs mlflow-skinny (dev extra)")

T0 = 1_700_000_000_000  # ms, as MLflow keeps times


def _write_store(uri: str, tmp_path: Path) -> str:
    """One experiment with a finished run (params, metrics at steps, tags, an artifact in a
    folder) and a failed one; the finished run's MLflow id."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("vision", artifact_location=(tmp_path / "art").as_uri())
    run = client.create_run(experiment, run_name="resnet", start_time=T0,
                            tags={"team": "cv", "mlflow.note.content": "first try"})
    run_id = run.info.run_id
    client.log_param(run_id, "lr", "0.01")
    client.log_param(run_id, "layers", "18")
    for step in range(3):
        client.log_metric(run_id, "loss", 1.0 / (step + 1), timestamp=T0 + 1000 * step,
                          step=step)
    client.log_metric(run_id, "val_acc", 0.9, timestamp=T0 + 5000, step=2)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "model.txt").write_text("weights")
    client.log_artifact(run_id, str(tmp_path / "out" / "model.txt"), artifact_path="model")
    client.set_terminated(run_id, "FINISHED", end_time=T0 + 9000)
    failed = client.create_run(experiment, run_name="broken", start_time=T0)
    client.log_metric(failed.info.run_id, "loss", 5.0, timestamp=T0, step=0)
    client.set_terminated(failed.info.run_id, "FAILED", end_time=T0 + 1000)
    return run_id


def _check_imported(project: str, mlflow_id: str) -> None:
    broken, resnet = stored_runs(project)
    assert (broken.name, broken.state) == ("broken", "failed")
    assert resnet.state == "finished"
    assert resnet.config == {"lr": "0.01", "layers": "18"}
    assert resnet.tags == ["team:cv"]
    assert resnet.notes == "first try"
    rows = list(resnet.scan_history())
    assert [r["_step"] for r in rows] == [0, 1, 2]
    assert [r["loss"] for r in rows] == pytest.approx([1.0, 0.5, 1 / 3])
    assert rows[2]["val_acc"] == pytest.approx(0.9)
    assert [r["_timestamp"] for r in rows] == pytest.approx(
        [T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 5])
    assert resnet.summary["loss"] == pytest.approx(1 / 3)
    assert "model/model.txt" in [f.name for f in resnet.files()]
    assert resnet.metadata["mlflow_run_id"] == mlflow_id


@pytest.mark.slow  # MLflow builds its SQLite schema through ~50 migrations: most of the time
def test_sqlite_store(tmp_path: Path, heron_import: Callable[..., object]) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow_id = _write_store(uri, tmp_path)

    heron_import("mlflow", uri)
    _check_imported("vision", mlflow_id)
    before = snapshot("vision")
    again = heron_import("mlflow", uri)
    assert "2 imported before" in again.output  # type: ignore[attr-defined]
    assert snapshot("vision") == before


def test_file_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    heron_import: Callable[..., object]) -> None:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 writes file stores so
    monkeypatch.chdir(tmp_path)
    mlflow_id = _write_store((tmp_path / "mlruns").as_uri(), tmp_path)

    heron_import("mlflow", "./mlruns", "--project", "from-files")
    _check_imported("from-files", mlflow_id)
    before = snapshot("from-files")
    heron_import("mlflow", "./mlruns", "--project", "from-files")
    assert snapshot("from-files") == before


def test_a_store_that_does_not_exist_is_refused_not_created(
        tmp_path: Path, heron_import: Callable[..., object]) -> None:
    missing = tmp_path / "nope.db"
    result = heron_import("mlflow", f"sqlite:///{missing}", ok=False)
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert "no such SQLite file" in result.output  # type: ignore[attr-defined]
    assert not missing.exists()
