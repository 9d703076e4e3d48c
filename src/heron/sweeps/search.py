"""The next run of a sweep: grid, random or bayes, and when the sweep is done."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from heron.sweeps.config import SweepConfig
from heron.sweeps.grid import next_grid_point
from heron.sweeps.random_search import random_point
from heron.sweeps.runs import SweepRun, runs_counted, target_reached
from heron.sweeps.validation import validate

if TYPE_CHECKING:
    import numpy as np


def make_rng(rng: random.Random | np.random.Generator | int | None) -> random.Random:
    """A ``random.Random`` from whatever the caller passed (None: fresh OS entropy)."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None or isinstance(rng, int):
        return random.Random(rng)
    integers = getattr(rng, "integers", None)
    if callable(integers):  # numpy Generator
        return random.Random(int(integers(0, 2**63 - 1)))
    raise TypeError(f"rng must be a random.Random, numpy Generator, int seed or None, not {rng!r}")


def sweep_done(config: SweepConfig | Mapping[str, Any], runs: Sequence[SweepRun]) -> bool:
    """Whether ``run_cap`` or ``metric.target`` ends the sweep (grid exhaustion aside)."""
    cfg = validate(config)
    if cfg.run_cap is not None and runs_counted(cfg, runs) >= cfg.run_cap:
        return True
    return target_reached(cfg, runs)


def next_run(
    config: SweepConfig | Mapping[str, Any],
    runs: Sequence[SweepRun],
    *,
    rng: random.Random | np.random.Generator | int | None = None,
) -> dict[str, Any] | None:
    """The parameter values of the next run (a run config: nested dicts for nested
    parameters), or None when the sweep is done: grid exhausted, ``run_cap`` reached, or
    ``metric.target`` reached by a finished run.

    ``runs`` are all the sweep's runs so far, in any state. Randomness comes only from ``rng``
    (a ``random.Random``, a numpy ``Generator`` or an int seed); the same inputs and seed give
    the same answer.
    """
    cfg = validate(config)
    if sweep_done(cfg, runs):
        return None
    if cfg.method == "grid":
        return next_grid_point(cfg, runs)
    rnd = make_rng(rng)
    if cfg.method == "random":
        return random_point(cfg, rnd)
    from heron.sweeps.bayes import bayes_point

    return bayes_point(cfg, runs, rnd)
