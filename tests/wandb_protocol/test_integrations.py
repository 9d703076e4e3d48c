"""Integrations built on the official client log to ``heron server`` unmodified: Hugging Face's
``Trainer(report_to="wandb")`` and PyTorch Lightning's ``WandbLogger`` (metrics, ``watch``,
images, a table, checkpoints as artifacts), read back through ``heron.Api()`` and drawn by the
dashboard.

Both run in a venv of their own from the package index: wandb 0.31.0, CPU PyTorch, transformers
(+ accelerate, which its ``Trainer`` needs) and lightning. It is built once and cached (about
2 minutes on an idle machine, 5 on a busy one)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.browser import CHROMIUM
from tests.support.server import heron_servers
from tests.wandb_protocol.conftest import (
    SCRIPTS,
    WANDB_VERSION,
    Heron,
    client_env,
    client_venv,
    run_script,
)
from tests.web.conftest import (
    TEST_CONTEXT,
    PageProbe,
    screenshot,
    scroll_to,
    sign_in,
)

pytestmark = pytest.mark.timeout(600)  # the first use builds the venv

INTEGRATIONS = ("numpy", "pillow", "torch==2.13.0", "transformers", "accelerate", "lightning")
"""torch is pinned to the CPU build this machine's pip finds on local disk (/opt/wheels)."""
HF_STEPS = 10
LIGHTNING_STEPS = 8
"""lightning_run.py: two epochs of four batches."""
WATCHED = ("net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias")
ARTIFACT_SECONDS = 20
"""How long ``log_table`` and ``wandb.finish()`` may take together: the client saves the
table's artifact and the checkpoints' (``log_model="all"``, stored as Heron artifacts:
test_artifacts.py) before it ends; an answer it retries (a 5xx, a timeout) would hold
``finish()`` for minutes."""


@pytest.fixture(scope="module")
def integrations_python() -> Path:
    return client_venv(WANDB_VERSION, INTEGRATIONS, name=f"wandb-{WANDB_VERSION}-integrations")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Heron]:
    """One ``heron server`` on SQLite for the module: the dashboard test opens the run the
    Lightning test made."""
    home = tmp_path_factory.mktemp("integrations")
    with heron_servers(f"sqlite:///{home / 'heron.db'}", home / "media") as servers:
        yield Heron(servers[0].url, servers[0].wait_admin_key())


def quiet_env(server: Heron, home: Path) -> dict[str, str]:
    """The client pointed at ``server``, with nothing downloaded and one thread for torch (the
    test machine's few cores are shared)."""
    return {**client_env(server, home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "HF_HOME": str(home / "hf-home"), "OMP_NUM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false"}


def run_id_in(stdout: str) -> str:
    found = re.search(r"run-id: (\S+)", stdout)
    assert found, stdout
    return found.group(1)


def seconds_in(stdout: str, what: str) -> float:
    found = re.search(rf"{what} took: ([0-9.]+)", stdout)
    assert found, stdout
    return float(found.group(1))


@dataclass
class LightningRun:
    server: Heron
    project: str
    run_id: str
    stdout: str

    def api_run(self) -> Any:
        return self.server.api().run(f"{self.project}/{self.run_id}")

    def get(self, path: str) -> httpx.Response:
        """A GET of the REST API with the admin's key, as a script makes it."""
        return httpx.get(f"{self.server.url}/api/v1/{path}", timeout=30,
                         headers={"Authorization": f"Bearer {self.server.key}"})


@pytest.fixture(scope="module")
def lightning_run(integrations_python: Path, server: Heron,
                  tmp_path_factory: pytest.TempPathFactory) -> LightningRun:
    home = tmp_path_factory.mktemp("lightning")
    env = quiet_env(server, home)
    # the user's own retry policy for GraphQL, so that the time the artifact calls take is
    # what a user would wait
    del env["WANDB_X_GRAPHQL_RETRY_MAX"]
    done = run_script(integrations_python, ["lightning", str(home / "out")], env, timeout=240,
                      script=SCRIPTS / "lightning_run.py")
    assert done.returncode == 0, done.stderr[-5000:]
    return LightningRun(server, "lightning", run_id_in(done.stdout), done.stdout)


def test_hugging_face_trainer_reports_to_heron(integrations_python: Path, server: Heron,
                                               tmp_path: Path) -> None:
    env = {**quiet_env(server, tmp_path), "WANDB_PROJECT": "hf-trainer"}
    done = run_script(integrations_python, [str(tmp_path / "out")], env, timeout=240,
                      script=SCRIPTS / "hf_trainer.py")
    assert done.returncode == 0, done.stderr[-5000:]
    run = server.api().run(f"hf-trainer/{run_id_in(done.stdout)}")

    # the script never called wandb.finish(): the client's exit hook ended the run
    assert (run.state, run.exit_code, run.name) == ("finished", 0, "tiny-bert")
    losses = [(row["train/global_step"], row["train/loss"]) for row in run.scan_history()
              if row.get("train/loss") is not None]
    assert [step for step, _ in losses] == list(range(1, HF_STEPS + 1))
    assert all(0 < loss < 5 for _, loss in losses)
    # the Trainer's arguments and the model's config, merged, are the run's config
    config = dict(run.config)
    assert config["learning_rate"] == 3e-4 and config["max_steps"] == HF_STEPS
    assert config["logging_steps"] == 1 and config["report_to"] == ["wandb"]
    assert config["hidden_size"] == 32 and config["num_hidden_layers"] == 1
    assert config["model/num_parameters"] > 0
    assert "_wandb" not in config
    # the final metrics the Trainer puts in the summary, next to the last logged values
    summary = dict(run.summary)
    assert {"train_loss", "train_runtime", "train_samples_per_second",
            "train_steps_per_second", "total_flos"} <= summary.keys()
    # (the Trainer's mean of its step losses: close to, not always equal to, the logged ones)
    assert summary["train_loss"] == pytest.approx(sum(v for _, v in losses) / HF_STEPS,
                                                  rel=1e-3)
    assert summary["train/global_step"] == HF_STEPS
    assert summary["train/loss"] == losses[-1][1]


def test_lightning_metrics_config_and_watched_histograms(lightning_run: LightningRun) -> None:
    run = lightning_run.api_run()
    assert (run.state, run.exit_code, run.name) == ("finished", 0, "lightning-regressor")
    assert dict(run.config) == {"lr": 0.05, "hidden": 16}  # save_hyperparameters()
    rows = list(run.scan_history())
    steps = [row for row in rows if row.get("train/loss") is not None]
    assert [row["trainer/global_step"] for row in steps] == list(range(LIGHTNING_STEPS))
    assert [row["epoch"] for row in steps] == [0] * 4 + [1] * 4
    # watch(log="all", log_freq=1): each step's row carries every gradient and parameter
    for row in steps:
        for name in WATCHED:
            for kind in ("gradients", "parameters"):
                histogram = row[f"{kind}/{name}"]
                assert histogram["_type"] == "histogram"
                assert len(histogram["bins"]) == len(histogram["values"]) + 1
                assert sum(histogram["values"]) > 0
    weights = rows[0]["parameters/net.0.weight"]
    assert sum(weights["values"]) == 4 * 16  # one count per weight of Linear(4, 16)
    # define_metric("*", step_metric="trainer/global_step") reaches Heron: charts use it
    metrics = lightning_run.get(f"projects/{lightning_run.project}/runs/"
                                f"{lightning_run.run_id}").json()["metrics"]
    assert metrics["*"]["step_metric"] == "trainer/global_step"
    # the model graph watch() logs to the summary is a readable file
    graph = run.summary["graph_0"]
    assert graph["_type"] == "graph-file"
    assert "nodes" in json.loads(lightning_run.get(graph["path"]).content)


def test_lightning_images_are_readable(lightning_run: LightningRun, tmp_path: Path) -> None:
    run = lightning_run.api_run()
    images = [row for row in run.scan_history() if row.get("samples") is not None]
    # log_image() at the end of each epoch: a list of two images, W&B's "images/separated"
    assert [row["trainer/global_step"] for row in images] == [3, 7]
    for epoch, row in enumerate(images):
        samples = row["samples"]
        assert samples["_type"] == "images/separated" and samples["count"] == 2
        assert samples["captions"] == [f"epoch {epoch} #0", f"epoch {epoch} #1"]
        assert (samples["width"], samples["height"]) == (24, 16)
        for i, name in enumerate(samples["filenames"]):
            picture = Image.open(run.file(name).download(str(tmp_path), exist_ok=True))
            assert picture.size == (24, 16)
            assert picture.getpixel((0, 0)) == (40 * (epoch + i),) * 3


def test_lightning_table_is_readable_and_its_artifact_does_not_hold_the_run(
        lightning_run: LightningRun) -> None:
    run = lightning_run.api_run()
    row = next(row for row in run.scan_history() if row.get("tbl") is not None)
    table = row["tbl"]
    assert table["_type"] == "table-file" and (table["nrows"], table["ncols"]) == (2, 2)
    served = lightning_run.get(table["path"])
    assert served.status_code == 200
    assert json.loads(served.content) == {"columns": ["epoch", "name"],
                                          "data": [[0, "first"], [1, "second"]]}
    # the client then made artifacts (the table's, and a checkpoint per epoch with
    # log_model="all"): they do not hold the run
    took = seconds_in(lightning_run.stdout, "log_table") + seconds_in(lightning_run.stdout,
                                                                      "finish")
    assert took < ARTIFACT_SECONDS


@pytest.fixture
def run_page(lightning_run: LightningRun, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The Lightning run's charts in the dashboard, signed in with the admin's key."""
    if not CHROMIUM.exists():
        pytest.skip(f"the dashboard tests need the system Chromium at {CHROMIUM}")
    pytest.importorskip("playwright.sync_api", reason="the dashboard tests need playwright")
    chromium = request.getfixturevalue("browser")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, **TEST_CONTEXT)
    page = context.new_page()
    page.set_default_timeout(15_000)
    probe = PageProbe(page)
    sign_in(context, lightning_run.server.url, lightning_run.server.key)
    page.goto(f"{lightning_run.server.url}/#/p/{lightning_run.project}/r/"
              f"{lightning_run.run_id}/charts")
    page.wait_for_selector(".section")
    yield page
    context.close()
    assert not probe.dialogs, f"a dialog opened: {probe.dialogs}"
    assert not probe.errors, f"script errors on the page: {probe.errors}"


def test_lightning_metrics_gradients_and_table_are_drawn(lightning_run: LightningRun,
                                                   run_page: Any) -> None:
    # the loss chart has one point per step
    legend = (f'.chart[data-metric="train/loss"] '
              f'.legend-item[data-run-id="{lightning_run.run_id}"]')
    scroll_to(run_page, legend)
    run_page.wait_for_function(
        "([sel, n]) => +(document.querySelector(sel)?.dataset.points ?? 0) === n",
        arg=[legend, LIGHTNING_STEPS])
    # watch()'s gradients: a heatmap over the eight steps, once the section is opened
    run_page.locator('.section[data-section="gradients"] .section-head').click()
    grad = scroll_to(run_page, '.hist-panel[data-metric="gradients/net.0.weight"]')
    canvas = grad.locator('canvas.hist-canvas[data-drawn="1"]')
    canvas.wait_for()
    assert canvas.get_attribute("data-steps") == str(LIGHTNING_STEPS)
    # log_table()'s rows, as text
    table = scroll_to(run_page, '.table-panel[data-metric="tbl"]')
    table.locator("tbody tr >> nth=1").wait_for()
    assert [row.split("\t")[1:] for row in table.locator("tbody tr").all_inner_texts()] == [
        ["0", "first"], ["1", "second"]]
    screenshot(run_page, "wandb-lightning-run", full_page=True)


def test_lightning_image_lists_are_drawn(run_page: Any) -> None:
    panel = scroll_to(run_page, '.media-panel[data-metric="samples"]')
    images = panel.locator(".media-img img")
    images.first.wait_for()
    # a 404 completes too, with no size: wait for every image to be done, then look
    run_page.wait_for_function(
        "() => { const all = [...document.querySelectorAll("
        "'.media-panel[data-metric=\"samples\"] .media-img img')];"
        " return all.length === 2 && all.every(i => i.complete); }")
    sizes = images.evaluate_all("all => all.map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes == [[24, 16], [24, 16]]
    screenshot(run_page, "wandb-lightning-images")
