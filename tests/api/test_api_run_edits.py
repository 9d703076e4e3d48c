"""A stored run's files, console output, edits saved with ``update()``, and ``delete()``."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from heron.errors import RunNotFound, ValueRejected

from .conftest import QUIET, LogRun


def test_saved_files_are_listed_and_download_with_their_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    (work / "ckpt").mkdir(parents=True)
    (work / "model.txt").write_text("weights v1")
    (work / "ckpt" / "a.bin").write_bytes(b"\x00\x01\x02")
    monkeypatch.chdir(work)
    active = heron.init(project="proj", settings=heron.Settings(**QUIET))
    heron.save("model.txt")
    heron.save("ckpt/*.bin", base_path=".")
    heron.finish()
    run = heron.Api().run(f"proj/{active.id}")

    files = run.files()
    model = run.file("model.txt")
    first = model.download(root=str(tmp_path / "dl"))

    # Saved files, beside the files W&B writes for every run.
    assert [(f.name, f.size) for f in files if f.name.endswith((".bin", ".txt"))] == [
        ("ckpt/a.bin", 3), ("model.txt", 10)]
    assert {"config.yaml", "wandb-summary.json"} <= {f.name for f in files}
    assert first == tmp_path / "dl" / "model.txt"
    assert first.read_text() == "weights v1"
    binary = run.file("ckpt/a.bin").download(root=str(tmp_path / "dl"))
    assert binary.read_bytes() == b"\x00\x01\x02"
    assert [f.name for f in run.files(names=["model.txt"])] == ["model.txt"]
    with pytest.raises(FileExistsError, match="replace=True"):
        model.download(root=str(tmp_path / "dl"))
    assert model.download(root=str(tmp_path / "dl"), exist_ok=True) == first
    first.write_text("changed locally")
    model.download(root=str(tmp_path / "dl"), replace=True)
    assert first.read_text() == "weights v1"
    with pytest.raises(ValueRejected, match=r"has no file 'missing.txt'"):
        run.file("missing.txt")


def test_console_returns_the_lines_the_run_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_CONSOLE", "wrap")
    active = heron.init(project="proj", settings=heron.Settings(system_sample_seconds=0))
    print("epoch 1: loss=0.5")
    print("epoch 2: loss=0.25")
    print("progress 10%\rprogress 100%")
    heron.finish()

    lines = heron.Api().run(f"proj/{active.id}").console()

    assert lines == ["epoch 1: loss=0.5", "epoch 2: loss=0.25", "progress 100%"]


def test_update_saves_name_tags_notes_config_and_summary(log_run: LogRun) -> None:
    run_id = log_run(name="draft", tags=["a"], config={"lr": 0.1}, rows=[{"loss": 0.5}])
    run = heron.Api().run(f"proj/{run_id}")

    run.name = "final"
    run.tags.append("best")
    run.notes = "promoted"
    run.config["lr"] = 0.2
    run.config["note"] = "retuned"
    run.summary["loss"] = 0.4
    run.summary["eval_acc"] = 0.93
    run.update()

    again = heron.Api().run(f"proj/{run_id}")
    assert again.name == "final"
    assert again.tags == ["a", "best"]
    assert again.notes == "promoted"
    assert again.config == {"lr": 0.2, "note": "retuned"}
    assert again.summary["loss"] == 0.4 and again.summary["eval_acc"] == 0.93
    assert again.state == "finished"
    assert [r.name for r in heron.Api().runs("proj", filters={"tags": "best"})] == ["final"]
    assert heron.Api().run(f"proj/{run_id}").history(keys=["loss"], pandas=False) == [
        {"_step": 0, "loss": 0.5}
    ]  # the history itself is untouched


def test_delete_removes_the_run_and_leaves_the_others(log_run: LogRun) -> None:
    doomed = log_run(name="doomed", rows=[{"loss": 1.0}])
    kept = log_run(name="kept", rows=[{"loss": 2.0}])

    heron.Api().run(f"proj/{doomed}").delete()

    with pytest.raises(RunNotFound):
        heron.Api().run(f"proj/{doomed}")
    assert [r.name for r in heron.Api().runs("proj")] == ["kept"]
    assert heron.Api().run(f"proj/{kept}").history(keys=["loss"], pandas=False) == [
        {"_step": 0, "loss": 2.0}
    ]
