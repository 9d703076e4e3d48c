"""Grid search: every combination of the parameters' values, in a fixed order, once each."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

from heron.sweeps.config import Parameter, SweepConfig
from heron.sweeps.params import grid_values
from heron.sweeps.points import canonical, nest, point_key
from heron.sweeps.runs import SweepRun


def grid_axes(config: SweepConfig) -> list[tuple[Parameter, list[Any]]]:
    """Each parameter with the values the grid takes for it, in grid order.

    Parameters are flattened depth-first with keys sorted at each level; the Cartesian product
    of the axes in this order has the last parameter varying fastest.
    """
    return [(p, grid_values(p)) for p in config.parameters]


def grid_size(config: SweepConfig) -> int:
    """The number of points in the grid."""
    size = 1
    for _, values in grid_axes(config):
        size *= len(values)
    return size


def grid_points(config: SweepConfig) -> Iterator[dict[str, Any]]:
    """Every point of the grid in order, each as a run config (nested dicts)."""
    axes = grid_axes(config)
    for combo in itertools.product(*(values for _, values in axes)):
        yield nest((p.path, value) for (p, _), value in zip(axes, combo))


def next_grid_point(config: SweepConfig, runs: Sequence[SweepRun]) -> dict[str, Any] | None:
    """The first grid point no run covers (any state covers its point); None when all are."""
    axes = grid_axes(config)
    searchable = [i for i, (p, _) in enumerate(axes) if not p.is_constant]
    covered: set[tuple[Hashable, ...]] = {
        point_key(config, run.config, [axes[i][0] for i in searchable]) for run in runs
    }
    keyed = [[(canonical(v), v) for v in values] for _, values in axes]
    for combo in itertools.product(*keyed):
        key = tuple(combo[i][0] for i in searchable)
        if key not in covered:
            return nest((p.path, value) for (p, _), (_, value) in zip(axes, combo))
    return None
