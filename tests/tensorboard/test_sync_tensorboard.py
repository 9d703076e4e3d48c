"""``init(sync_tensorboard=True)`` and ``heron.tensorboard.patch()``: what PyTorch's and
tensorboardX's writers log reaches the run, live, at its global steps."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import heron

pytest.importorskip("tensorboard", reason="torch.utils.tensorboard needs tensorboard")


def _history(run_id: str, project: str) -> list[dict[str, Any]]:
    return list(heron.Api().run(f"{project}/{run_id}").scan_history())


def _wait_for(run_id: str, project: str, done: Any, timeout: float = 20.0
              ) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        try:
            rows = _history(run_id, project)
        except heron.Error:
            rows = []
        if done(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"timed out; history so far: {rows}")


def test_summary_writer_scalars_histograms_images_arrive_live_at_their_steps(
        tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    run = heron.init(project="tb", sync_tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "logs"))  # flush_secs=120: the file lags behind
    for step in range(5):
        writer.add_scalar("train/loss", 1.0 / (step + 1), global_step=step * 10)
        writer.add_scalar("train/acc", step / 5, global_step=step * 10)
    data = np.random.default_rng(0).normal(size=1000)
    writer.add_histogram("weights", data, global_step=40)
    pixels = np.zeros((3, 6, 8), dtype=np.float32)
    pixels[0, :, :4] = 1.0  # left half red
    writer.add_image("sample", pixels, global_step=40)

    # Live: the values are in the store while the run is still running.
    rows = _wait_for(run.id, "tb", lambda rows: any("sample" in r for r in rows))
    assert heron.Api().run(f"tb/{run.id}").state == "running"
    writer.close()
    heron.finish()

    rows = _history(run.id, "tb")
    losses = {r["global_step"]: r["train/loss"] for r in rows if "train/loss" in r}
    assert losses == pytest.approx({0: 1.0, 10: 0.5, 20: 1 / 3, 30: 0.25, 40: 0.2})
    accs = {r["global_step"]: r["train/acc"] for r in rows if "train/acc" in r}
    assert sorted(accs) == [0, 10, 20, 30, 40]
    last = next(r for r in rows if "weights" in r)
    assert last["global_step"] == 40 and "sample" in last
    histogram = last["weights"]
    assert histogram["_type"] == "histogram"
    assert sum(histogram["values"]) == 1000
    edges = histogram["bins"]
    assert edges[0] <= data.min() and edges[-1] == pytest.approx(data.max())
    assert all(b > a for a, b in itertools.pairwise(edges))
    # The counts are the data's over those edges: nothing moved between buckets.
    assert histogram["values"] == np.histogram(data, bins=edges)[0].tolist()
    image = last["sample"]
    assert image["_type"] == "image-file" and (image["width"], image["height"]) == (8, 6)
    stored = heron.Api().run(f"tb/{run.id}")
    assert stored.state == "finished"
    # Charts of TensorBoard keys plot against the global step, as in W&B.
    assert stored.summary["train/loss"] == pytest.approx(0.2)


def test_image_pixels_survive_the_trip(tmp_path: Path, heron_dir: Path) -> None:
    from PIL import Image as PILImage
    from torch.utils.tensorboard import SummaryWriter

    run = heron.init(project="tb", sync_tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "logs"))
    pixels = (np.arange(4 * 5 * 3) % 256).astype(np.uint8).reshape(4, 5, 3)
    writer.add_image("exact", pixels, global_step=3, dataformats="HWC")
    writer.close()
    heron.finish()

    (row,) = [r for r in _history(run.id, "tb") if "exact" in r]
    assert row["global_step"] == 3
    with PILImage.open(heron_dir / row["exact"]["path"]) as stored:
        assert np.array_equal(np.asarray(stored.convert("RGB")), pixels)


def test_tensorboardx_under_a_root_logdir_gets_namespaced_keys(tmp_path: Path) -> None:
    tensorboardx = pytest.importorskip("tensorboardX")

    heron.tensorboard.patch(root_logdir=str(tmp_path / "runs"))
    run = heron.init(project="tb")
    for name in ("train", "eval"):
        writer = tensorboardx.SummaryWriter(str(tmp_path / "runs" / name))
        for step in (1, 2):
            writer.add_scalar("loss", step * (1 if name == "train" else 10), global_step=step)
        writer.close()
    heron.finish()

    rows = _history(run.id, "tb")
    train = {r["train/global_step"]: r["train/loss"] for r in rows if "train/loss" in r}
    evals = {r["eval/global_step"]: r["eval/loss"] for r in rows if "eval/loss" in r}
    assert train == {1: 1.0, 2: 2.0}
    assert evals == {1: 10.0, 2: 20.0}
    assert all("global_step" in r for r in rows if "train/loss" in r or "eval/loss" in r)


def test_user_logs_and_tensorboard_share_the_run(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    run = heron.init(project="tb", sync_tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "logs"))
    for step in range(3):
        writer.add_scalar("tb_metric", float(step), global_step=100 + step)
        heron.log({"own_metric": step})
    writer.close()
    heron.finish()

    rows = _history(run.id, "tb")
    assert sorted(r["own_metric"] for r in rows if "own_metric" in r) == [0, 1, 2]
    assert {r["global_step"]: r["tb_metric"] for r in rows if "tb_metric" in r} == {
        100: 0.0, 101: 1.0, 102: 2.0}


def test_patching_twice_is_refused_and_unpatch_restores_the_writer() -> None:
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    original = EventFileWriter.add_event
    heron.tensorboard.patch(tensorboard_x=False)
    assert EventFileWriter.add_event is not original
    with pytest.raises(heron.UsageError, match="already called"):
        heron.tensorboard.patch()
    heron.tensorboard.unpatch()
    assert EventFileWriter.add_event is original


def test_an_event_heron_cannot_read_is_skipped_and_training_goes_on(tmp_path: Path) -> None:
    from tensorboard.compat.proto.summary_pb2 import Summary
    from torch.utils.tensorboard import SummaryWriter

    run = heron.init(project="tb", sync_tensorboard=True)
    writer = SummaryWriter(str(tmp_path / "logs"))
    broken = Summary(value=[Summary.Value(
        tag="broken", image=Summary.Image(encoded_image_string=b"not an image"))])
    writer._get_file_writer().add_summary(broken, global_step=1)
    writer.add_scalar("after", 2.0, global_step=2)
    writer.close()
    heron.finish()

    rows = _history(run.id, "tb")
    assert [(r["global_step"], r["after"]) for r in rows if "after" in r] == [(2, 2.0)]
    assert not any("broken" in r for r in rows)
    # The event file itself is untouched by the sync: TensorBoard still reads everything.
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    (path,) = (tmp_path / "logs").glob("*tfevents*")
    tags = [v.tag for e in EventFileLoader(str(path)).Load() for v in e.summary.value]
    assert tags == ["broken", "after"]


def test_each_run_of_a_process_gets_its_own_events_plotted_by_global_step(
        tmp_path: Path, heron_dir: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    from heron.store import open_store

    ids = []
    for number in range(2):
        run = heron.init(project="tb", sync_tensorboard=True, reinit="finish_previous")
        writer = SummaryWriter(str(tmp_path / f"logs{number}"))
        writer.add_scalar("loss", float(number), global_step=5 + number)
        writer.close()
        heron.finish()
        ids.append(run.id)

    store = open_store(heron_dir)
    for number, run_id in enumerate(ids):
        rows = _history(run_id, "tb")
        assert [(r["global_step"], r["loss"]) for r in rows] == [(5 + number, float(number))]
        stored = store.get_run("tb", run_id)
        assert stored is not None
        assert stored.metrics["loss"]["step_metric"] == "global_step"
    store.close()
