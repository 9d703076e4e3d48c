"""``heron import tensorboard LOGDIR``: each folder of event files becomes a run, with its
scalars, histograms and images at their steps and wall times; a second import adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.imports.conftest import snapshot, store_files, stored_runs
from tests.support.server import heron_servers

pytest.importorskip("tensorboard")


def _write_logdir(root: Path) -> dict[int, float]:
    """``root/train`` (PyTorch's writer) and ``root/eval`` (tensorboardX); the wall times
    of train's losses by step."""
    import tensorboardX
    from torch.utils.tensorboard import SummaryWriter

    walls = {}
    train = SummaryWriter(str(root / "train"))
    for step in range(0, 300, 100):
        walls[step] = 1_700_000_000.0 + step
        train.add_scalar("loss", 1.0 / (step + 1), global_step=step, walltime=walls[step])
        train.add_scalar("lr", 0.1, global_step=step, walltime=walls[step])
        # TensorBoard's tensor ("v2") scalars, as TF2 writes them, read the same.
        train.add_scalar("momentum", 0.9, global_step=step, walltime=walls[step],
                         new_style=True)
    train.add_histogram("weights", np.arange(100.0), global_step=200, walltime=walls[200])
    train.add_image("digits", np.ones((1, 4, 6)), global_step=200, walltime=walls[200])
    train.close()
    evaluation = tensorboardX.SummaryWriter(str(root / "eval"))
    evaluation.add_scalar("accuracy", 0.5, global_step=7)
    evaluation.close()
    return walls


def test_each_folder_becomes_a_run_with_its_steps(tmp_path: Path, heron_dir: Path,
                                                  heron_import: Callable[..., object]) -> None:
    walls = _write_logdir(tmp_path / "logs")

    heron_import("tensorboard", str(tmp_path / "logs"), "--project", "tbimport")

    evaluation, train = stored_runs("tbimport")
    assert (evaluation.name, train.name) == ("eval", "train")
    assert evaluation.state == train.state == "finished"
    rows = list(train.scan_history())
    assert [r["_step"] for r in rows] == [0, 100, 200]
    assert [r["loss"] for r in rows] == pytest.approx([1.0, 1 / 101, 1 / 201])
    assert [r["momentum"] for r in rows] == pytest.approx([0.9, 0.9, 0.9])
    assert [r["_timestamp"] for r in rows] == pytest.approx([walls[s] for s in (0, 100, 200)])
    last = rows[-1]
    assert last["weights"]["_type"] == "histogram" and sum(last["weights"]["values"]) == 100
    assert last["digits"]["_type"] == "image-file"
    assert (heron_dir / last["digits"]["path"]).is_file()
    assert train.summary["loss"] == pytest.approx(1 / 201)
    assert [(r["_step"], r["accuracy"]) for r in evaluation.scan_history()] == [(7, 0.5)]


def test_importing_twice_stores_nothing_twice(tmp_path: Path, heron_dir: Path,
                                              heron_import: Callable[..., object]) -> None:
    _write_logdir(tmp_path / "logs")
    heron_import("tensorboard", str(tmp_path / "logs"))
    before, files_before = snapshot("logs"), store_files(heron_dir)

    again = heron_import("tensorboard", str(tmp_path / "logs"))

    assert "2 imported before" in again.output  # type: ignore[attr-defined]
    assert snapshot("logs") == before
    assert store_files(heron_dir) == files_before


def test_a_folder_without_event_files_imports_nothing(
        tmp_path: Path, heron_import: Callable[..., object]) -> None:
    (tmp_path / "empty").mkdir()
    result = heron_import("tensorboard", str(tmp_path / "empty"))
    assert "nothing to import" in result.output  # type: ignore[attr-defined]


def test_import_into_a_heron_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    heron_import: Callable[..., object]) -> None:
    import heron

    _write_logdir(tmp_path / "logs")
    with heron_servers(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "media") as servers:
        server = servers[0]
        key = server.wait_admin_key()
        monkeypatch.setenv("HERON_API_KEY", key)
        heron_import("tensorboard", str(tmp_path / "logs"), "--host", server.url, "-p", "remote")
        again = heron_import("tensorboard", str(tmp_path / "logs"), "--host", server.url,
                             "-p", "remote")
        assert "2 imported before" in again.output  # type: ignore[attr-defined]
        api = heron.Api({"base_url": server.url}, api_key=key)
        runs = sorted(api.runs("remote"), key=lambda run: run.name)
        assert [run.name for run in runs] == ["eval", "train"]
        rows = list(runs[1].scan_history())
        assert [r["_step"] for r in rows] == [0, 100, 200]
        assert rows[-1]["digits"]["_type"] == "image-file"


def test_import_into_another_store(tmp_path: Path, heron_import: Callable[..., object]) -> None:
    from heron.store import open_store

    _write_logdir(tmp_path / "logs")
    heron_import("tensorboard", str(tmp_path / "logs"), "--store", str(tmp_path / "elsewhere"))

    store = open_store(tmp_path / "elsewhere")
    assert sorted(run.name for run in store.list_runs("logs")) == ["eval", "train"]
    store.close()
    assert stored_runs("logs") == []  # HERON_DIR's store was left alone
