"""Random search: each parameter drawn independently from its distribution."""

from __future__ import annotations

import random
from typing import Any

from heron.sweeps.config import SweepConfig
from heron.sweeps.params import sample
from heron.sweeps.points import nest


def random_point(config: SweepConfig, rng: random.Random) -> dict[str, Any]:
    """One random point, as a run config (nested dicts for nested parameters)."""
    return nest((p.path, sample(p, rng)) for p in config.parameters)
