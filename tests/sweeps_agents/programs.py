"""What the agents under test run: a training function (for ``heron.agent(function=...)``) and
small scripts (for ``heron agent``), each leaving evidence a test can read in the store."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

TRAIN_SCRIPT = "from tests.sweeps_agents.programs import train\ntrain()\n"
"""A sweep ``program`` that runs ``train`` (needs the repository root on PYTHONPATH)."""


def train() -> None:
    """A user's training function: init() with its own project, id and config, a late attempt
    to change a swept parameter (recorded in the summary), three steps of ``loss``."""
    import heron

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        heron.init(project="not-the-sweeps-project", id="my-own-id",
                   config={"from_init": 1, "a": -1})
        heron.config.update({"a": 999})
    heron.summary["warned"] = "; ".join(str(w.message) for w in caught)
    a = heron.config["a"]
    for step in range(3):
        heron.log({"loss": a / (step + 1)})
        time.sleep(0.05)
    heron.finish()


def quick() -> None:
    """The smallest real run: init, one metric, finish."""
    import heron

    heron.init()
    heron.log({"loss": 1.0})
    heron.finish()


def function_agent(sweep_id: str, ready: str) -> None:
    """A process whose only job is ``heron.agent(sweep_id, function=train)``; it creates the
    file ``ready`` once it has started."""
    import heron

    Path(ready).touch()
    heron.agent(sweep_id, function=train)
