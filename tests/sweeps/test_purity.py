"""The engine is pure: it leaves its inputs alone and imports its heavy parts only when used."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest

from heron.sweeps import SweepRun, next_run, stop_runs

CONFIGS: list[dict[str, Any]] = [
    {
        "method": "grid",
        "parameters": {"a": {"values": [1, 2]}, "n": {"parameters": {"b": {"value": [1]}}}},
    },
    {"method": "random", "run_cap": 9, "parameters": {"a": {"values": [{"k": 1}, [2]]}}},
    {
        "method": "bayes",
        "metric": {"name": "loss"},
        "early_terminate": {"type": "hyperband", "min_iter": 1},
        "parameters": {"a": {"min": 0.0, "max": 1.0}, "c": {"value": {"deep": [1, 2]}}},
    },
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c["method"])
def test_inputs_are_not_modified_and_outputs_are_not_shared(config: dict[str, Any]) -> None:
    runs = [
        SweepRun("a", {"a": 1, "n": {"b": [1]}}, "finished", [{"loss": 1.0}], {"loss": 1.0}),
        SweepRun("b", {"a": 0.5, "c": {"deep": [1, 2]}}, "running", [{"loss": 2.0}]),
        SweepRun("c", {"a": 0.25}, "finished", [{"loss": 0.5}]),
    ]
    before = copy.deepcopy((config, runs))
    point = next_run(config, runs, rng=0)
    stop_runs(config, runs)
    assert (config, runs) == before
    assert point is not None
    # the values handed out are copies: changing them changes nothing in the config
    for value in point.values():
        if isinstance(value, (dict, list)):
            value.clear()
    assert config == before[0]


def test_importing_the_engine_does_not_import_scikit_learn_or_scipy() -> None:
    code = (
        "import sys, heron.sweeps\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
