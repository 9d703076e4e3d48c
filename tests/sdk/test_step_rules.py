"""W&B's rules for steps and commits, as a table of (calls -> stored rows)."""

from __future__ import annotations

from typing import Any

import pytest

import heron
from heron.sdk.history import StepError

from .helpers import stored_rows

Call = tuple[dict[str, Any], int | None, bool | None]

CASES: list[tuple[str, list[Call], list[tuple[int, dict[str, Any]]]]] = [
    ("each log is a row", [({"a": 1}, None, None), ({"b": 2}, None, None)],
     [(0, {"a": 1}), (1, {"b": 2})]),
    ("commit=False accumulates", [({"a": 1}, None, False), ({"b": 2}, None, None)],
     [(0, {"a": 1, "b": 2})]),
    ("later value of a key wins in one row", [({"a": 1}, None, False), ({"a": 5}, None, None)],
     [(0, {"a": 5})]),
    ("explicit step leaves the row open", [({"a": 1}, 5, None), ({"b": 2}, 5, None),
                                           ({"c": 3}, 6, None)],
     [(5, {"a": 1, "b": 2}), (6, {"c": 3})]),
    ("a step-less call closes an explicit step's row",
     [({"a": 1}, 5, None), ({"b": 2}, None, None), ({"c": 3}, None, None)],
     [(5, {"a": 1, "b": 2}), (6, {"c": 3})]),
    ("commit=True closes an explicit step", [({"a": 1}, 5, True), ({"b": 2}, 5, None)],
     [(5, {"a": 1})]),
    ("lower step is dropped", [({"a": 1}, None, None), ({"b": 2}, 0, None)], [(0, {"a": 1})]),
    ("lower explicit step is dropped", [({"a": 1}, 3, None), ({"b": 2}, 1, None)],
     [(3, {"a": 1})]),
    ("gaps in steps are kept", [({"a": 1}, 0, None), ({"a": 2}, 10, None), ({"a": 3}, 100, True)],
     [(0, {"a": 1}), (10, {"a": 2}), (100, {"a": 3})]),
    ("empty commit flushes the open row", [({"a": 1}, None, False), ({"b": 2}, None, False),
                                           ({}, None, True)],
     [(0, {"a": 1, "b": 2})]),
    ("step-less logs continue after an explicit step",
     [({"a": 1}, 7, True), ({"a": 2}, None, None)], [(7, {"a": 1}), (8, {"a": 2})]),
]


@pytest.mark.parametrize(("calls", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_rows_stored_match_wandb_rules(calls: list[Call], expected: list[Any]) -> None:
    run = heron.init(project="steps")
    with _maybe_warns(calls):
        for data, step, commit in calls:
            heron.log(data, step=step, commit=commit)
    heron.finish()
    rows = stored_rows(f"steps/{run.id}")
    assert [(row.pop("_step"), row) for row in rows] == expected


class _maybe_warns:
    """Expect the W&B warning exactly when a call goes backwards."""

    def __init__(self, calls: list[Call]) -> None:
        self.backwards = _goes_backwards(calls)
        self._ctx: Any = None

    def __enter__(self) -> None:
        if self.backwards:
            self._ctx = pytest.warns(UserWarning, match="less than the current step")
            self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*exc)


def _goes_backwards(calls: list[Call]) -> bool:
    current = 0
    for _data, step, commit in calls:
        if step is None:
            if commit is not False:
                current += 1
            continue
        if step < current:
            return True
        current = step + 1 if commit else step
    return False


def test_every_row_has_timestamp_and_runtime() -> None:
    run = heron.init(project="steps")
    heron.log({"a": 1})
    heron.log({"a": 2})
    heron.finish()
    rows = list(heron.Api().run(f"steps/{run.id}").scan_history())
    assert [r["_step"] for r in rows] == [0, 1]
    assert all(r["_timestamp"] >= run.start_time for r in rows)
    assert 0 <= rows[0]["_runtime"] <= rows[1]["_runtime"] < 60


def test_step_policy_keep_stores_a_lower_step() -> None:
    run = heron.init(project="steps", settings=heron.Settings(step_policy="keep"))
    heron.log({"a": 1}, step=3)
    heron.log({"b": 2}, step=1)
    heron.finish()
    assert [(r["_step"], r) for r in stored_rows(f"steps/{run.id}")] == [
        (1, {"_step": 1, "b": 2}), (3, {"_step": 3, "a": 1})]


def test_step_policy_raise_names_both_steps() -> None:
    heron.init(project="steps", settings={"step_policy": "raise"})
    heron.log({"a": 1}, step=3)
    with pytest.raises(StepError, match=r"step 1 .* current step 3"):
        heron.log({"b": 2}, step=1)


def test_bad_step_policy_is_refused_by_name() -> None:
    with pytest.raises(heron.UsageError, match="'sometimes'"):
        heron.Settings(step_policy="sometimes")


def test_run_step_counts_committed_rows() -> None:
    run = heron.init(project="steps")
    assert run.step == 0
    heron.log({"a": 1})
    heron.log({"a": 1}, commit=False)
    assert run.step == 1
    heron.log({"a": 1}, step=10)
    assert run.step == 10


@pytest.mark.parametrize("bad", [-1, 1.5, "x"])
def test_bad_step_values_raise_naming_the_value(bad: Any) -> None:
    heron.init(project="steps")
    with pytest.raises(ValueError, match=repr(bad).replace(".", r"\.")):
        heron.log({"a": 1}, step=bad)
