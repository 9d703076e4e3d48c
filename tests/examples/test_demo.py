"""The README's demo (``examples/demo.py``, what ``scripts/demo.sh`` logs) does what it says:
a watched PyTorch run with captioned predictions, and a bayes sweep that two agents ran."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import heron
from heron.store import open_store

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


@pytest.mark.timeout(600)
def test_the_demo_logs_a_watched_run_captioned_images_and_a_two_agent_sweep(
        heron_dir: Path) -> None:
    done = subprocess.run([sys.executable, str(DEMO)], env=os.environ.copy(),
                          capture_output=True, text=True, timeout=580, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    api = heron.Api()
    runs = api.runs("demo")
    assert len(runs) == 7 and all(run.state == "finished" for run in runs)
    (sweep_id,) = {run.sweep_id for run in runs if run.sweep_id}
    swept = [run for run in runs if run.sweep_id]
    assert len(swept) == 6
    assert len({run.config["lr"] for run in swept}) == 6  # bayes proposed six learning rates
    for run in runs:
        assert run.summary["val/acc"] > 0.5
        (last,) = list(run.scan_history(keys=["predictions"]))
        pictures = last["predictions"]
        assert pictures["_type"] == "images/separated" and pictures["count"] == 12
        assert all(c.startswith("predicted ") for c in pictures["captions"])
        keys = set(run.summary.keys())
        assert {"gradients/0.weight", "parameters/2.bias"} <= keys
    assert sweep_id in done.stdout
    with open_store(heron_dir).sweep_session(write=False) as sweeps:
        sweep = sweeps.get_sweep(sweep_id)
    assert sweep is not None and sweep.state == "FINISHED"  # its run_cap was reached
