"""The sweep engine: pure functions from (config, runs) to decisions. No I/O, no clock, no globals.

``validate`` checks a configuration; ``next_run`` proposes the next run's parameter values;
``stop_runs`` says which running runs hyperband stops; ``expand_command`` builds an agent's argv.
"""

from heron.sweeps.command import DEFAULT_COMMAND, expand_command, format_args
from heron.sweeps.config import Hyperband, Metric, Parameter, SweepConfig
from heron.sweeps.early_stop import stop_runs
from heron.sweeps.grid import grid_points, grid_size
from heron.sweeps.hyperband import hyperband_bands
from heron.sweeps.points import canonical, flatten_params, nest, point_key
from heron.sweeps.runs import (
    RUN_STATES,
    SweepRun,
    counts_toward_cap,
    run_value,
    runs_counted,
    target_reached,
)
from heron.sweeps.search import next_run, sweep_done
from heron.sweeps.validation import validate

__all__ = [
    "DEFAULT_COMMAND",
    "RUN_STATES",
    "Hyperband",
    "Metric",
    "Parameter",
    "SweepConfig",
    "SweepRun",
    "canonical",
    "counts_toward_cap",
    "expand_command",
    "flatten_params",
    "format_args",
    "grid_points",
    "grid_size",
    "hyperband_bands",
    "nest",
    "next_run",
    "point_key",
    "run_value",
    "runs_counted",
    "stop_runs",
    "sweep_done",
    "target_reached",
    "validate",
]
