"""Early termination: which running runs of a sweep should stop now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from heron.sweeps.config import SweepConfig
from heron.sweeps.hyperband import hyperband_stop
from heron.sweeps.runs import SweepRun
from heron.sweeps.validation import validate


def stop_runs(config: SweepConfig | Mapping[str, Any], runs: Sequence[SweepRun]) -> list[str]:
    """Ids of the running runs that ``early_terminate`` says to stop (none without it)."""
    cfg = validate(config)
    if cfg.early_terminate is None or cfg.metric is None:
        return []
    return hyperband_stop(cfg.early_terminate, cfg.metric, runs)
