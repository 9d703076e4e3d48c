"""A value past a limit (docs/server.md, "Limits") in ``log()``, the config or the summary
neither crashes the training script nor loses the rest of its row: it is left out with one
warning naming the key. Text too long (console lines, alerts, tracebacks) is cut to fit. So
the store never refuses a batch the SDK sends."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.limits import MAX_DEPTH, MAX_KEY_LENGTH, MAX_ROW_KEYS, MAX_STRING

from .helpers import stored_rows


def nested(levels: int, kind: type = dict) -> Any:
    value: Any = 1.0
    for _ in range(levels):
        value = {"a": value} if kind is dict else [value]
    return value


def no_batch_refused(heron_dir: Path) -> None:
    assert not list(heron_dir.rglob("rejected-*")), "the store refused a batch"


def test_log_drops_only_the_values_past_a_limit(heron_dir: Path) -> None:
    run = heron.init(project="limits")
    long_key = "k" * (MAX_KEY_LENGTH + 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        heron.log({"loss": 0.5, "deep_list": nested(2_000, list), "deep_dict": nested(500),
                   long_key: 1.0, "huge_text": "x" * (MAX_STRING + 1), "ok_list": [1, [2]],
                   "fine": nested(MAX_DEPTH - 1, list)})
        heron.log({"loss": 0.25})
    heron.finish()

    messages = [str(w.message) for w in caught]
    assert any("key 'deep_list' nests deeper than 100 levels" in m for m in messages), messages
    assert any("key 'deep_dict." in m and "nests deeper than 100" in m for m in messages)
    assert any("'kkkk" in m and "513 characters long" in m for m in messages)
    assert any("key 'huge_text' holds a string of 1,048,577 characters" in m for m in messages)
    assert all(w.filename == __file__ for w in caught)  # they point at the user's log() line
    rows = stored_rows(f"limits/{run.id}")
    assert rows[0] == {"_step": 0, "loss": 0.5, "ok_list": [1, [2]],
                       "fine": nested(MAX_DEPTH - 1, list)}
    assert rows[1] == {"_step": 1, "loss": 0.25}
    no_batch_refused(heron_dir)


def test_a_row_over_the_key_limit_keeps_its_first_keys(heron_dir: Path) -> None:
    run = heron.init(project="limits")
    with pytest.warns(UserWarning, match="the limit is 10,000 per row"):
        heron.log({f"wide{i}": float(i) for i in range(MAX_ROW_KEYS + 50)})
    # Rows filled by several calls (commit=False) are held to the same limit when committed.
    heron.log({f"part_a{i}": 1.0 for i in range(MAX_ROW_KEYS - 10)}, commit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same warning, already given once
        heron.log({f"part_b{i}": 2.0 for i in range(100)})
    heron.finish()

    api_run = heron.Api().run(f"limits/{run.id}")

    def steps_holding(key: str) -> list[int]:
        return [row["_step"] for row in api_run.scan_history(keys=[key, "_step"])]

    # _step, _timestamp and _runtime are kept first, then the first keys logged.
    last = MAX_ROW_KEYS - 3
    assert steps_holding("wide0") == [0] and steps_holding(f"wide{last - 1}") == [0]
    assert steps_holding(f"wide{last}") == [] and steps_holding("_runtime") == [0, 1]
    assert steps_holding("part_a0") == [1] and steps_holding("part_b6") == [1]
    assert steps_holding("part_b7") == []
    no_batch_refused(heron_dir)


def test_config_values_past_a_limit_are_left_out_with_a_warning(heron_dir: Path) -> None:
    with pytest.warns(UserWarning, match="config key 'deep_init' nests deeper than 100"):
        run = heron.init(project="limits", config={"lr": 0.1, "deep_init": nested(500)})
    with pytest.warns(UserWarning, match="config key 'deep_later' nests deeper than 100"):
        heron.config.update({"deep_later": nested(3_000, list), "epochs": 3})
    heron.log({"loss": 1.0})
    heron.finish()

    assert heron.Api().run(f"limits/{run.id}").config == {"lr": 0.1, "epochs": 3}
    no_batch_refused(heron_dir)


def test_summary_values_past_a_limit_are_left_out_with_a_warning(heron_dir: Path) -> None:
    run = heron.init(project="limits")
    with pytest.warns(UserWarning, match="summary key 'deep_best' nests deeper than 100"):
        run.summary["deep_best"] = nested(300)
    with pytest.warns(UserWarning, match="summary key 'big' holds a string"):
        run.summary.update({"big": "y" * (MAX_STRING + 1), "best": 0.9})
    heron.log({"acc": 0.5})
    heron.finish()

    summary = heron.Api().run(f"limits/{run.id}").summary
    assert summary["best"] == 0.9 and summary["acc"] == 0.5
    assert "deep_best" not in summary and "big" not in summary
    no_batch_refused(heron_dir)


def test_text_too_long_is_cut_to_fit(heron_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_CONSOLE", "wrap")
    run = heron.init(project="limits")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sys.stdout.write("z" * (MAX_STRING + 100) + "\nafter\n")  # one write, whole lines
        heron.alert(title="t", text="a" * (MAX_STRING + 5))
        run.end_as(1, "failed", "Traceback\n" + "frame\n" * MAX_STRING + "ValueError: end")

    stored = heron.Api().run(f"limits/{run.id}")
    lines = [line for line in stored.console() if line.startswith(("z", "after"))]
    assert [len(line) for line in lines] == [MAX_STRING, len("after")]
    assert lines[0].endswith(f"[cut: {MAX_STRING + 100:,} characters in all] ")
    traceback = stored.traceback or ""
    assert len(traceback) == MAX_STRING and traceback.endswith("ValueError: end")
    no_batch_refused(heron_dir)
