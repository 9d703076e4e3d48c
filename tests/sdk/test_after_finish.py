"""A finished run is read-only: every public method that would record something is ignored,
with one warning per run; nothing already logged is lost, nothing raises."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.sdk.summary import MetricDef

CALLS: dict[str, Callable[[heron.Run, Path], Any]] = {
    "log": lambda run, _: run.log({"a": 2, "b": 3}),
    "log with a step": lambda run, _: run.log({"a": 2}, step=50),
    "define_metric": lambda run, _: run.define_metric("a", summary="max"),
    "save": lambda run, tmp: run.save(str(tmp / "model.txt")),
    "alert": lambda run, _: run.alert("late", "after the end"),
    "watch": lambda run, _: run.watch(_model(), log="all", log_freq=1),
    "config attribute": lambda run, _: setattr(run.config, "batch", 32),
    "config item": lambda run, _: run.config.__setitem__("batch", 32),
    "config.update": lambda run, _: run.config.update({"lr": 9.0}, allow_val_change=True),
    "config.setdefaults": lambda run, _: run.config.setdefaults({"seed": 7}),
    "config delete": lambda run, _: run.config.__delitem__("lr"),
    "config.persist": lambda run, _: run.config.persist(),
    "summary item": lambda run, _: run.summary.__setitem__("best", 0.9),
    "summary.update": lambda run, _: run.summary.update({"a": 100}),
    "summary delete": lambda run, _: run.summary.__delitem__("a"),
    "name": lambda run, _: setattr(run, "name", "renamed"),
    "display_name": lambda run, _: setattr(run, "display_name", "renamed"),
    "tags": lambda run, _: setattr(run, "tags", ["late"]),
    "notes": lambda run, _: setattr(run, "notes", "late notes"),
}
"""Every public way to change a run, each as a user would call it."""

RETURNS: dict[str, Any] = {"save": [], "define_metric": MetricDef(name="a")}
"""What an ignored call returns where the method returns something: nothing saved; a plain
definition, applied to nothing."""


def _model() -> Any:
    import torch

    return torch.nn.Linear(2, 1)


def finished_run(tmp_path: Path) -> heron.Run:
    (tmp_path / "model.txt").write_text("weights")
    run = heron.init(project="after", name="original", tags=["t"], notes="n",
                     config={"lr": 0.1})
    run.log({"a": 1})
    run.finish()
    return run


def assert_unchanged(run: heron.Run) -> None:
    """The run, locally and in the store, is what it was when it finished."""
    assert (run.name, run.tags, run.notes) == ("original", ("t",), "n")
    assert run.config.as_dict() == {"lr": 0.1}
    assert {k: v for k, v in run.summary.items() if not k.startswith("_")} == {"a": 1}
    stored = heron.Api().run(f"after/{run.id}")
    assert stored.state == "finished"
    assert (stored.name, stored.tags, stored.notes) == ("original", ["t"], "n")
    assert stored.config == {"lr": 0.1}
    assert [row["a"] for row in stored.scan_history()] == [1]
    assert {k: v for k, v in stored.summary.items() if not k.startswith("_")} == {"a": 1}
    assert "model.txt" not in {f.name for f in stored.files()}


@pytest.mark.parametrize("call", list(CALLS))
def test_a_change_after_finish_is_ignored_with_one_warning(call: str, tmp_path: Path) -> None:
    run = finished_run(tmp_path)

    with pytest.warns(UserWarning, match=f"run {run.id} is finished; .* ignored") as caught:
        result = CALLS[call](run, tmp_path)
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        CALLS[call](run, tmp_path)

    assert len(caught) == 1 and caught[0].filename == __file__  # points at the user's line
    assert again == []  # once per run
    assert result == RETURNS.get(call)
    assert_unchanged(run)


def test_one_warning_per_run_whatever_the_calls(tmp_path: Path) -> None:
    run = finished_run(tmp_path)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in CALLS.values():
            call(run, tmp_path)

    assert [str(w.message) for w in caught] == [
        f"heron: run {run.id} is finished; log() ignored (and any later call that would "
        "change the run)"]
    assert_unchanged(run)


def test_finish_unwatch_and_reads_after_finish_are_quiet(tmp_path: Path) -> None:
    run = finished_run(tmp_path)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.finish()
        run.unwatch()
        heron.finish()
        reads = (run.config.lr, run.summary["a"], run.step, run.name, run.finished)

    assert caught == []
    assert reads == (0.1, 1, 1, "original", True)
    assert run.end_state == "finished"
    assert_unchanged(run)


def test_a_disabled_run_ignores_changes_after_finish_silently() -> None:
    run = heron.init(mode="disabled", config={"lr": 0.1})
    run.finish()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.log({"a": 1})
        run.config.update({"x": 1})
        run.summary["x"] = 1

    assert caught == []
    assert run.config.as_dict() == {"lr": 0.1} and dict(run.summary) == {}
