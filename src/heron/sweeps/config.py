"""Typed sweep configuration: the checked, filled-in form that ``validate`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METHODS = ("bayes", "grid", "random")
GOALS = ("maximize", "minimize")
IMPUTE = ("best", "latest", "worst")
IMPUTE_WHILE_RUNNING = ("best", "false", "latest", "worst")

# Every distribution name accepted in ``parameters`` (W&B's list).
DISTRIBUTIONS = (
    "beta",
    "categorical",
    "categorical_w_probabilities",
    "constant",
    "int_uniform",
    "inv_log_uniform",
    "inv_log_uniform_values",
    "log_normal",
    "log_uniform",
    "log_uniform_values",
    "normal",
    "q_beta",
    "q_log_normal",
    "q_log_uniform",
    "q_log_uniform_values",
    "q_normal",
    "q_uniform",
    "uniform",
)

# Distributions whose values are quantised to a multiple of ``q``.
QUANTISED = frozenset(
    {"q_uniform", "q_log_uniform", "q_log_uniform_values", "q_normal", "q_log_normal", "q_beta"}
)
# Distributions bounded by ``min`` and ``max``.
BOUNDED = frozenset(
    {
        "int_uniform",
        "uniform",
        "q_uniform",
        "log_uniform",
        "q_log_uniform",
        "inv_log_uniform",
        "log_uniform_values",
        "q_log_uniform_values",
        "inv_log_uniform_values",
    }
)
# Forms a grid search can enumerate.
GRID_DISTRIBUTIONS = frozenset({"constant", "categorical", "int_uniform", "q_uniform"})


@dataclass(frozen=True)
class Parameter:
    """One leaf of ``parameters``, with its defaults filled in.

    ``path`` is the chain of keys from the top of ``parameters`` (one key unless nested);
    ``distribution`` is always explicit (``categorical`` covers the form with probabilities).
    """

    path: tuple[str, ...]
    distribution: str
    value: Any = None
    values: tuple[Any, ...] = ()
    probabilities: tuple[float, ...] | None = None
    min: float | None = None
    max: float | None = None
    q: float | None = None
    mu: float = 0.0
    sigma: float = 1.0
    a: float = 1.0
    b: float = 1.0

    @property
    def name(self) -> str:
        """The dotted name, ``opt.lr`` for ``lr`` nested in ``opt``."""
        return ".".join(self.path)

    @property
    def is_constant(self) -> bool:
        return self.distribution == "constant"


@dataclass(frozen=True)
class Metric:
    """The ``metric`` section."""

    name: str
    goal: str = "minimize"
    target: float | None = None
    impute: str = "worst"
    impute_while_running: str = "false"

    @property
    def maximize(self) -> bool:
        return self.goal == "maximize"


@dataclass(frozen=True)
class Hyperband:
    """The ``early_terminate`` section (``type: hyperband``)."""

    eta: float = 3
    strict: bool = True
    min_iter: int | None = None
    max_iter: int | None = None
    s: int | None = None


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep configuration.

    ``parameters`` is flattened depth-first with keys sorted at each level (the grid order);
    ``raw`` keeps the dictionary the user wrote.
    """

    method: str
    parameters: tuple[Parameter, ...]
    metric: Metric | None = None
    early_terminate: Hyperband | None = None
    run_cap: int | None = None
    program: str | None = None
    command: tuple[str, ...] | None = None
    name: str | None = None
    description: str | None = None
    project: str | None = None
    entity: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def searchable(self) -> tuple[Parameter, ...]:
        """The parameters that are not constant."""
        return tuple(p for p in self.parameters if not p.is_constant)
