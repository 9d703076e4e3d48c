"""``heron.plot`` stores what ``wandb.plot`` 0.31 stores for the same call: the table in the
history under the chart's table key (same columns and cells) and the chart in the config at
``_wandb.visualize``; bad input is refused with an error naming it."""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.errors import ValueRejected
from tests.plot.cases import CASES, heron_chart, logged
from tests.wandb_protocol.conftest import WANDB_VERSION, client_venv

SCRIPT = Path(__file__).parent / "scripts" / "wandb_plots.py"
PLOT_PACKAGES = ("numpy", "pillow", "pandas", "scipy", "scikit-learn")
"""What ``wandb.plot``'s curves need besides wandb."""
TIMING = ("_timestamp", "_runtime")


@pytest.fixture(scope="session")
def wandb_stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the official client stores for ``CASES``, logged one case per step (offline)."""
    python = client_venv(WANDB_VERSION, PLOT_PACKAGES, name=f"wandb-{WANDB_VERSION}-plot")
    folder = tmp_path_factory.mktemp("wandb-plots")
    cases = folder / "cases.json"
    cases.write_text(json.dumps(CASES))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "HERON_"))}
    env.update({"WANDB_DIR": str(folder), "WANDB_SILENT": "true",
                "WANDB_CONFIG_DIR": str(folder / "config"),
                "WANDB_X_SAVE_REQUIREMENTS": "false"})
    done = subprocess.run([str(python), str(SCRIPT), str(cases)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    stored: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(stored["history"]) == len(CASES), stored["history"]
    return stored


def heron_stored() -> dict[str, Any]:
    """What Heron stores for ``CASES``, read back the way W&B's capture is: every history
    row, the config, and the content of each table file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "ragged" case is cut, with a warning
        run = heron.init(project="plots")
        for case in CASES:
            run.log(logged(case, heron_chart(case)))
        run.finish()
    stored = heron.Api().run(f"plots/{run.id}")
    media = Path(os.environ["HERON_DIR"])
    history = list(stored.scan_history())
    tables = {key: json.loads((media / value["path"]).read_text())
              for row in history for key, value in row.items()
              if isinstance(value, dict) and value.get("_type") == "table-file"}
    return {"history": history, "config": dict(stored.rawconfig), "tables": tables}


def table_refs(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's keys, with a table reference cut to what does not depend on where the
    client keeps files (W&B adds artifact paths; Heron's path is content-addressed)."""
    return [{key: ({k: value[k] for k in ("_type", "ncols", "nrows")}
                   if isinstance(value, dict) else value)
             for key, value in row.items() if key not in TIMING} for row in history]


def test_history_and_config_equal_wandbs(wandb_stored: dict[str, Any]) -> None:
    ours = heron_stored()
    assert table_refs(ours["history"]) == table_refs(wandb_stored["history"])
    assert ours["tables"] == wandb_stored["tables"]
    assert ours["config"]["_wandb"]["visualize"] == wandb_stored["config"]["_wandb"]["visualize"]


def test_every_case_is_one_chart_with_its_table(wandb_stored: dict[str, Any]) -> None:
    visualize = wandb_stored["config"]["_wandb"]["visualize"]
    assert sorted(visualize) == sorted(
        f"{c['parent']}.{c['key']}" if "parent" in c else c["key"] for c in CASES)
    assert visualize["by_run"]["panel_config"]["userQuery"]["queryFields"][0]["fields"][3][
        "args"][0]["value"] == "Custom Chart Tables/by_run_table"
    assert "eval.roc_table" in wandb_stored["tables"]
    assert wandb_stored["tables"]["cm_table"]["data"][:2] == [["cat", "cat", 1.0],
                                                              ["cat", "dog", 1.0]]


def test_chart_config_keeps_the_users_config_and_other_charts() -> None:
    table = heron.Table(columns=["x", "y"], data=[[0, 1], [1, 2]])
    run = heron.init(project="plots", config={"lr": 0.1})
    run.log({"a": heron.plot.line(table, "x", "y"), "loss": 0.5})
    run.log({"b": heron.plot.scatter(table, "x", "y")})
    run.log({"a": heron.plot.line(table, "x", "y", title="again")})
    assert run.config["lr"] == 0.1
    run.finish()
    stored = heron.Api().run(f"plots/{run.id}")
    visualize = stored.rawconfig["_wandb"]["visualize"]
    assert sorted(visualize) == ["a", "b"]
    assert visualize["a"]["panel_config"]["stringSettings"] == {"title": "again"}
    assert stored.config["lr"] == 0.1
    rows = list(stored.scan_history())
    assert [sorted(k for k in row if not k.startswith("_")) for row in rows] == [
        ["a_table", "loss"], ["b_table"], ["a_table"]]


def test_a_chart_logged_every_step_changes_the_config_once() -> None:
    from heron import records as r
    from heron.sdk import runlog
    from heron.sdk.offline import LOG_NAME

    table = heron.Table(columns=["x", "y"], data=[[0, 1], [1, 2]])
    run = heron.init(project="plots", mode="offline")
    for _ in range(5):
        run.log({"curve": heron.plot.line(table, "x", "y")})
    run.finish()
    logged = [rec for batch in runlog.read(Path(run.dir).parent / LOG_NAME)
              for rec in batch.records]
    assert sum(isinstance(rec, r.ConfigSet) for rec in logged) == 1
    assert sum(isinstance(rec, r.HistoryRow) for rec in logged) == 5


@pytest.mark.parametrize("call, named", [
    (lambda t: heron.plot.line(t, "step", "acc"), "y='acc'"),
    (lambda t: heron.plot.line(t, "step", "loss", stroke="run"), "stroke='run'"),
    (lambda t: heron.plot.scatter(t, "x", "loss"), "x='x'"),
    (lambda t: heron.plot.bar(t, "name", "loss"), "label='name'"),
    (lambda t: heron.plot.histogram(t, "score"), "value='score'"),
])
def test_a_missing_column_is_named(call: Any, named: str) -> None:
    table = heron.Table(columns=["step", "loss"], data=[[0, 1.0]])
    with pytest.raises(ValueRejected, match=f"{named}.*'step', 'loss'"):
        call(table)


@pytest.mark.parametrize("call, message", [
    (lambda: heron.plot.confusion_matrix(y_true=[0, 1, 1], preds=[0, 1]),
     "preds has 2 labels and y_true 3"),
    (lambda: heron.plot.confusion_matrix(y_true=[0, 1], preds=[0, 1], probs=[[1, 0]]),
     "not both"),
    (lambda: heron.plot.confusion_matrix(y_true=[0, 5], preds=[0, 1], class_names=["a", "b"]),
     r"y_true\[1\]=5 is not a class index"),
    (lambda: heron.plot.confusion_matrix(y_true=[0, 1, 2], preds=[0, 1, 2],
                                         class_names=["a", "b"]),
     "preds holds 3 different labels but class_names names 2"),
    (lambda: heron.plot.line_series(xs=[0, 1], ys=[[1, 2], [3, 4]], keys=["only"]),
     r"keys names 1 lines \(\['only'\]\) but ys holds 2"),
    (lambda: heron.plot.line_series(xs=[[0, 1]] * 3, ys=[[1, 2], [3, 4]]),
     "xs holds 3 lines of x values and ys 2"),
    (lambda: heron.plot.line_series(xs=[0, 1], ys=[1, 2]), r"ys\[0\] must be a list"),
    (lambda: heron.plot.pr_curve(y_true=[0, 1, 1], y_probas=[[0.1, 0.9]] * 2),
     "y_probas has 2 rows and y_true 3 labels"),
    (lambda: heron.plot.roc_curve(y_true=[0, 1, 2], y_probas=[[0.1, 0.9]] * 3),
     "y_true holds 3 classes .* but y_probas has 2 columns"),
    (lambda: heron.plot.roc_curve(y_true=[0, 1], y_probas=[[0.1, 0.9]] * 2, labels=["a"]),
     r"class 1 has no name in labels=\['a'\]"),
    (lambda: heron.plot.pr_curve(y_true=[0, 1], y_probas=None), "needs y_probas"),
    (lambda: heron.plot.pr_curve(y_true=[0, 1], y_probas=[[0.1, 0.9]] * 2, interp_size=1),
     "interp_size=1"),
    (lambda: heron.plot.pr_curve(y_true=[0, 1], y_probas=[[0.1, 0.9]] * 2,
                                 classes_to_plot=[7]), r"classes_to_plot=\[7\] names none"),
    (lambda: heron.plot_table("wandb/line/v0", [[1, 2]], {"x": "a"}),  # type: ignore[arg-type]
     "data_table must be a heron.Table, got list"),
    (lambda: heron.plot.line({"x": [1]}, "x", "y"),  # type: ignore[arg-type]
     "table must be a heron.Table, got dict"),
])
def test_bad_input_is_refused_naming_it(call: Any, message: str) -> None:
    with pytest.raises(ValueRejected, match=message):
        call()


def test_line_series_cuts_a_ragged_line_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="line 'short' has 3 x values and 2 y values"):
        chart = heron.plot.line_series(xs=[0, 1, 2], ys=[[1, 2, 3], [4, 5]],
                                       keys=["long", "short"])
    assert chart.table.data == [[0, "long", 1], [1, "long", 2], [2, "long", 3],
                                [0, "short", 4], [1, "short", 5]]


def test_a_long_curve_is_sampled_to_wandbs_limit() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 30_000)
    probas = rng.random((30_000, 2))
    with pytest.warns(UserWarning, match="10,000 of them"):
        chart = heron.plot.roc_curve(truth, probas)
    rows = chart.table.data
    assert len(rows) == 10_000
    assert rows == sorted(rows, key=lambda r: (r[1], r[2], r[0]))
    assert {r[0] for r in rows} == {0, 1}
