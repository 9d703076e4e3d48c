"""Checks a sweep configuration against every rule and builds the typed ``SweepConfig``.

All violations are collected and raised together in one ``SweepConfigError``; each message
starts with the key or parameter it is about (``a: min 5 is not less than max 3``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heron.errors import SweepConfigError
from heron.sweeps.checks import integer, number, show
from heron.sweeps.config import (
    GOALS,
    GRID_DISTRIBUTIONS,
    IMPUTE,
    IMPUTE_WHILE_RUNNING,
    METHODS,
    Hyperband,
    Metric,
    Parameter,
    SweepConfig,
)
from heron.sweeps.param_rules import check_parameters

TOP_LEVEL_KEYS = (
    "apiVersion",
    "command",
    "controller",
    "description",
    "early_terminate",
    "entity",
    "kind",
    "method",
    "metric",
    "name",
    "parameters",
    "program",
    "project",
    "run_cap",
)

_METRIC_KEYS = ("goal", "impute", "impute_while_running", "name", "target")
_HYPERBAND_KEYS = ("eta", "max_iter", "min_iter", "s", "strict", "type")


def validate(config: Mapping[str, Any] | SweepConfig) -> SweepConfig:
    """Check ``config`` against every sweep rule; return the typed, filled-in configuration.

    Raises ``SweepConfigError`` listing every violation found. Numeric strings such as
    ``"1e-5"`` (which PyYAML leaves as strings) are read as floats.
    """
    if isinstance(config, SweepConfig):
        return config
    if not isinstance(config, Mapping):
        raise SweepConfigError([f"sweep config: {show(config)} is not of type 'object'"])
    errors: list[str] = []
    for key in config:
        if key not in TOP_LEVEL_KEYS:
            errors.append(f"{key}: unknown top-level key (allowed: {', '.join(TOP_LEVEL_KEYS)})")

    method = config.get("method")
    if "method" not in config:
        errors.append(f"method: 'method' is a required property (one of {list(METHODS)})")
    elif method not in METHODS:
        errors.append(f"method: {show(method)} is not one of {list(METHODS)}")

    parameters: list[Parameter] = []
    if "parameters" not in config:
        errors.append("parameters: 'parameters' is a required property")
    else:
        parameters = check_parameters(config["parameters"], (), errors)

    metric = _metric(config["metric"], errors) if "metric" in config else None
    hyperband = (
        _hyperband(config["early_terminate"], errors) if "early_terminate" in config else None
    )
    run_cap = None
    if "run_cap" in config:
        run_cap = integer(config["run_cap"], "run_cap", errors, exclusive_minimum=0)

    strings: dict[str, str | None] = {}
    for key in ("program", "name", "description", "project", "entity", "apiVersion"):
        value = config.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(f"{key}: {show(value)} is not of type 'string'")
            value = None
        strings[key] = value
    if "kind" in config and config["kind"] != "sweep":
        errors.append(f"kind: {show(config['kind'])} is not one of ['sweep']")
    command = _command(config["command"], errors) if "command" in config else None
    if "controller" in config:
        _controller(config["controller"], errors)

    if method == "bayes":
        if "metric" not in config:
            errors.append("metric: 'metric' is a required property for method 'bayes'")
        if parameters and all(p.is_constant for p in parameters):
            errors.append(
                "parameters: method 'bayes' needs at least one parameter that is not constant"
            )
    if method == "grid":
        for p in parameters:
            if p.distribution not in GRID_DISTRIBUTIONS:
                errors.append(
                    f"{p.name}: distribution {show(p.distribution)} is not allowed in a grid "
                    "search (allowed: value, values without probabilities, int_uniform, q_uniform)"
                )
            elif p.probabilities is not None:
                errors.append(f"{p.name}: probabilities are not allowed in a grid search")
    if "early_terminate" in config and "metric" not in config:
        errors.append("early_terminate: hyperband needs a 'metric' to compare runs by")

    if errors:
        raise SweepConfigError(errors)
    assert isinstance(method, str)
    return SweepConfig(
        method=method,
        parameters=tuple(parameters),
        metric=metric,
        early_terminate=hyperband,
        run_cap=run_cap,
        program=strings["program"],
        command=command,
        name=strings["name"],
        description=strings["description"],
        project=strings["project"],
        entity=strings["entity"],
        raw=dict(config),
    )


def _metric(spec: Any, errors: list[str]) -> Metric | None:
    if not isinstance(spec, Mapping):
        errors.append(f"metric: {show(spec)} is not of type 'object'")
        return None
    before = len(errors)
    for key in spec:
        if key not in _METRIC_KEYS:
            errors.append(f"metric: unknown key {show(key)} (allowed: {', '.join(_METRIC_KEYS)})")
    name = spec.get("name")
    if "name" not in spec:
        errors.append("metric: 'name' is a required property")
    elif not isinstance(name, str) or not name:
        errors.append(f"metric.name: {show(name)} is not a non-empty string")
    goal = spec.get("goal", "minimize")
    if goal not in GOALS:
        errors.append(f"metric.goal: {show(goal)} is not one of {list(GOALS)}")
    target = None
    if spec.get("target") is not None:
        target = number(spec["target"], "metric.target", errors)
    impute = spec.get("impute", "worst")
    if impute not in IMPUTE:
        errors.append(f"metric.impute: {show(impute)} is not one of {list(IMPUTE)}")
    while_running = spec.get("impute_while_running", "false")
    if while_running is False:
        while_running = "false"
    if while_running not in IMPUTE_WHILE_RUNNING:
        errors.append(
            f"metric.impute_while_running: {show(while_running)} is not one of "
            f"{list(IMPUTE_WHILE_RUNNING)}"
        )
    if len(errors) > before:
        return None
    return Metric(
        name=str(name),
        goal=str(goal),
        target=None if target is None else float(target),
        impute=str(impute),
        impute_while_running=str(while_running),
    )


def _hyperband(spec: Any, errors: list[str]) -> Hyperband | None:
    where = "early_terminate"
    if not isinstance(spec, Mapping):
        errors.append(f"{where}: {show(spec)} is not of type 'object'")
        return None
    before = len(errors)
    for key in spec:
        if key not in _HYPERBAND_KEYS:
            errors.append(
                f"{where}: unknown key {show(key)} (allowed: {', '.join(_HYPERBAND_KEYS)})"
            )
    if "type" not in spec:
        errors.append(f"{where}: 'type' is a required property (one of ['hyperband'])")
    elif spec["type"] != "hyperband":
        errors.append(f"{where}.type: {show(spec['type'])} is not one of ['hyperband']")
    eta: float | int = 3
    if "eta" in spec:
        given = number(spec["eta"], f"{where}.eta", errors)
        if given is not None and given <= 1:
            errors.append(f"{where}.eta: {given} is less than or equal to the minimum of 1")
        elif given is not None:
            eta = given
    strict = spec.get("strict", True)
    if not isinstance(strict, bool):
        errors.append(f"{where}.strict: {show(strict)} is not of type 'boolean'")
    min_iter = max_iter = s = None
    if "min_iter" in spec:
        min_iter = integer(spec["min_iter"], f"{where}.min_iter", errors, minimum=1)
    if "max_iter" in spec:
        max_iter = integer(spec["max_iter"], f"{where}.max_iter", errors, minimum=1)
    if "s" in spec:
        s = integer(spec["s"], f"{where}.s", errors, minimum=1)
    if "max_iter" in spec and "s" not in spec and "min_iter" not in spec:
        errors.append(f"{where}: 's' is a required property with 'max_iter'")
    elif "min_iter" not in spec and "max_iter" not in spec:
        errors.append(f"{where}: needs 'min_iter', or 'max_iter' and 's'")
    if len(errors) > before:
        return None
    if max_iter is not None and s is not None and max_iter / eta < 1:
        errors.append(
            f"{where}: max_iter {max_iter} with eta {eta} gives no bands (max_iter / eta is "
            "less than 1): raise max_iter or lower eta"
        )
        return None
    use_max = max_iter is not None and s is not None
    return Hyperband(
        eta=eta,
        strict=bool(strict),
        min_iter=None if use_max else min_iter,
        max_iter=max_iter if use_max else None,
        s=s if use_max else None,
    )


def _command(spec: Any, errors: list[str]) -> tuple[str, ...] | None:
    if not isinstance(spec, (list, tuple)):
        errors.append(f"command: {show(spec)} is not of type 'array'")
        return None
    out: list[str] = []
    for i, item in enumerate(spec):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            errors.append(f"command: element {i} {show(item)} is not of type 'string'")
        else:
            out.append(str(item))
    return tuple(out)


def _controller(spec: Any, errors: list[str]) -> None:
    if not isinstance(spec, Mapping):
        errors.append(f"controller: {show(spec)} is not of type 'object'")
    elif "type" not in spec:
        errors.append("controller: 'type' is a required property (one of ['cloud', 'local'])")
    elif spec["type"] not in ("cloud", "local"):
        errors.append(f"controller.type: {show(spec['type'])} is not one of ['cloud', 'local']")
