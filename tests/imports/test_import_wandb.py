"""``heron import wandb DIR``: an offline run folder written by the official client becomes
a Heron run with its config, history rows at their steps, summary and files."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from heron.importers.model import ImportSourceError
from heron.importers.wandb_records import record_payloads
from tests.imports.conftest import snapshot, stored_runs
from tests.wandb_protocol.conftest import WANDB_VERSION, client_venv

SCRIPT = """
import numpy as np, wandb
run = wandb.init(project="wbproj", name="offline-one", config={"lr": 0.01, "net": {"depth": 3}},
                 tags=["baseline"], notes="from the train")
for i in range(5):
    run.log({"loss": 1.0 / (i + 1), "acc": i / 10})
pixels = np.zeros((4, 6, 3), dtype=np.uint8); pixels[:, :3, 0] = 255
run.log({"img": wandb.Image(pixels, caption="red"), "hist": wandb.Histogram([1, 2, 2, 3])},
        step=7)
open("notes.txt", "w").write("kept with the run")
wandb.save("notes.txt", policy="now")
run.summary["best_acc"] = 0.4
run.finish()
print(run.id)
"""


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A W&B offline run folder made by the real client; (its wandb/ folder, run id)."""
    python = client_venv(WANDB_VERSION)
    work = tmp_path_factory.mktemp("wandb-offline")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "HERON_"))}
    env.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(work))
    done = subprocess.run([str(python), "-c", SCRIPT], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return work / "wandb", done.stdout.strip().splitlines()[-1]


def test_offline_run_becomes_a_heron_run(offline_run: tuple[Path, str], heron_dir: Path,
                                         heron_import: Callable[..., object]) -> None:
    folder, run_id = offline_run

    heron_import("wandb", str(folder))

    (run,) = stored_runs("wbproj")
    assert run.id == f"wandb-{run_id}" and run.name == "offline-one"
    assert run.state == "finished"
    assert run.config == {"lr": 0.01, "net": {"depth": 3}}
    assert run.tags == ["baseline"] and run.notes == "from the train"
    rows = list(run.scan_history())
    assert [r["_step"] for r in rows] == [0, 1, 2, 3, 4, 7]
    assert [r["loss"] for r in rows[:5]] == pytest.approx([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5])
    assert all(r["_timestamp"] > 1e9 for r in rows)
    image = rows[-1]["img"]
    assert image["_type"] == "image-file" and image["caption"] == "red"
    assert (image["width"], image["height"]) == (6, 4)
    assert (heron_dir / image["path"]).is_file()
    assert sum(rows[-1]["hist"]["values"]) == 4
    assert run.summary["best_acc"] == 0.4
    assert run.summary["loss"] == pytest.approx(0.2)
    names = [f.name for f in run.files()]
    assert "notes.txt" in names
    saved = next(f for f in run.files() if f.name == "notes.txt")
    copy = saved.download(root=str(heron_dir / "dl"), replace=True)
    assert Path(copy).read_text() == "kept with the run"


def test_importing_twice_stores_nothing_twice(offline_run: tuple[Path, str],
                                              heron_import: Callable[..., object]) -> None:
    folder, _ = offline_run
    heron_import("wandb", str(folder))
    before = snapshot("wbproj")

    again = heron_import("wandb", str(folder))

    assert "1 imported before" in again.output  # type: ignore[attr-defined]
    assert snapshot("wbproj") == before


def test_a_file_that_is_not_a_wandb_log_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportSourceError, match="not a W&B run file"):
        list(record_payloads(b"PK\x03\x04 a zip file", "run-x.wandb"))


def test_a_torn_last_record_ends_the_log_quietly(offline_run: tuple[Path, str]) -> None:
    folder, _ = offline_run
    (log,) = folder.glob("offline-run-*/run-*.wandb")
    data = log.read_bytes()
    whole = list(record_payloads(data))
    assert list(record_payloads(data[:-3])) == whole[:-1]


def test_a_folder_without_wandb_runs_is_refused_by_name(
        tmp_path: Path, heron_import: Callable[..., object]) -> None:
    (tmp_path / "other").mkdir()
    result = heron_import("wandb", str(tmp_path / "other"), ok=False)
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert f"no W&B run folders (offline-run-*/run-*.wandb) under {tmp_path / 'other'}" in (
        result.output.replace("\n", " "))  # type: ignore[attr-defined]
