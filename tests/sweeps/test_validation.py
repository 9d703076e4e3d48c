"""A user's sweep file is checked against every rule; all mistakes are reported at once."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from heron.errors import SweepConfigError
from heron.sweeps import Hyperband, Metric, Parameter, SweepConfig, validate


def errors_of(config: Any) -> list[str]:
    with pytest.raises(SweepConfigError) as info:
        validate(config)
    assert isinstance(info.value, ValueError)
    return info.value.errors


def one_param(spec: Any, method: str = "random") -> dict[str, Any]:
    return {"method": method, "parameters": {"a": spec}}


# (what the user wrote, the message they must see)
VIOLATIONS: list[tuple[str, dict[str, Any], str]] = [
    ("min above max", one_param({"min": 5, "max": 3}), "a: min 5 is not less than max 3"),
    (
        "min equal to max",
        one_param({"min": 1.0, "max": 1.0}),
        "a: min 1.0 is not less than max 1.0",
    ),
    (
        "run_cap zero",
        {**one_param({"values": [1]}), "run_cap": 0},
        "run_cap: 0 is less than or equal to the minimum of 0",
    ),
    (
        "run_cap not an integer",
        {**one_param({"values": [1]}), "run_cap": 2.5},
        "run_cap: 2.5 is not of type 'integer'",
    ),
    (
        "misspelt goal",
        {**one_param({"values": [1]}), "metric": {"name": "loss", "goal": "minimise"}},
        "metric.goal: 'minimise' is not one of ['maximize', 'minimize']",
    ),
    (
        "probabilities not summing to 1",
        one_param({"values": [1, 2], "probabilities": [0.5, 0.6]}),
        "a: probabilities [0.5, 0.6] do not sum to 1",
    ),
    (
        "probabilities of another length",
        one_param({"values": [1, 2, 3], "probabilities": [0.5, 0.5]}),
        "a: values [1, 2, 3] and probabilities [0.5, 0.5] are not the same length (3 and 2)",
    ),
    (
        "negative probability",
        one_param({"values": [1, 2], "probabilities": [-0.5, 1.5]}),
        "a: probability -0.5 is less than the minimum of 0",
    ),
    ("empty values", one_param({"values": []}), "a: values [] should be non-empty"),
    ("values not a list", one_param({"values": 3}), "a: values 3 is not of type 'array'"),
    (
        "unknown method",
        {"method": "hyper", "parameters": {"a": {"value": 1}}},
        "method: 'hyper' is not one of ['bayes', 'grid', 'random']",
    ),
    (
        "missing method",
        {"parameters": {"a": {"value": 1}}},
        "method: 'method' is a required property (one of ['bayes', 'grid', 'random'])",
    ),
    ("missing parameters", {"method": "grid"}, "parameters: 'parameters' is a required property"),
    (
        "empty parameters",
        {"method": "grid", "parameters": {}},
        "parameters: needs at least one parameter",
    ),
    (
        "unknown top-level key",
        {**one_param({"value": 1}), "paramters": {}},
        "paramters: unknown top-level key (allowed: apiVersion, command, controller, "
        "description, early_terminate, entity, kind, method, metric, name, parameters, program, "
        "project, run_cap)",
    ),
    (
        "bad parameter name",
        {"method": "grid", "parameters": {"1lr": {"value": 1}}},
        "1lr: parameter name '1lr' does not match '^[A-Za-z_][A-Za-z0-9_.-]*$'",
    ),
    (
        "extra key on a constant",
        one_param({"value": 1, "min": 0}),
        "a: unexpected key(s) ['min'] for distribution 'constant' (allowed: value)",
    ),
    (
        "extra key on a range",
        one_param({"min": 0, "max": 1, "mu": 3}),
        "a: unexpected key(s) ['mu'] for distribution 'int_uniform' (allowed: min, max)",
    ),
    (
        "extra key next to nested parameters",
        one_param({"parameters": {"b": {"value": 1}}, "value": 2}),
        "a: unexpected key(s) ['value'] next to 'parameters'",
    ),
    (
        "unknown distribution",
        one_param({"distribution": "gaussian"}),
        "a: distribution 'gaussian' is not one of",
    ),
    (
        "min without max",
        one_param({"min": 0}),
        "a: 'max' is a required property when 'min' is given",
    ),
    (
        "range distribution without bounds",
        one_param({"distribution": "uniform", "min": 0}),
        "a: 'max' is a required property for distribution 'uniform'",
    ),
    ("no form at all", one_param({"mu": 0}), "a: needs 'value', 'values', 'min' and 'max'"),
    ("parameter not a mapping", one_param(5), "a: 5 is not of type 'object'"),
    (
        "int_uniform with a float bound",
        one_param({"distribution": "int_uniform", "min": 0.5, "max": 3}),
        "a: min 0.5 is not of type 'integer'",
    ),
    (
        "non-numeric bound",
        one_param({"min": "low", "max": 3}),
        "a: min 'low' is not of type 'number'",
    ),
    (
        "log_uniform_values with min 0",
        one_param({"distribution": "log_uniform_values", "min": 0, "max": 1}),
        "a: min 0 is less than or equal to the minimum of 0",
    ),
    (
        "q of zero",
        one_param({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}),
        "a: q 0 is less than or equal to the minimum of 0",
    ),
    (
        "negative sigma",
        one_param({"distribution": "normal", "sigma": -1}),
        "a: sigma -1 is less than or equal to the minimum of 0",
    ),
    (
        "beta a of zero",
        one_param({"distribution": "beta", "a": 0}),
        "a: a 0 is less than or equal to the minimum of 0",
    ),
    (
        "grid with a continuous distribution",
        one_param({"min": 0.0, "max": 1.0}, "grid"),
        "a: distribution 'uniform' is not allowed in a grid search",
    ),
    (
        "grid with probabilities",
        one_param({"values": [1, 2], "probabilities": [0.5, 0.5]}, "grid"),
        "a: probabilities are not allowed in a grid search",
    ),
    (
        "bayes without a metric",
        one_param({"min": 0.0, "max": 1.0}, "bayes"),
        "metric: 'metric' is a required property for method 'bayes'",
    ),
    (
        "bayes with constants only",
        {**one_param({"value": 1}, "bayes"), "metric": {"name": "m"}},
        "parameters: method 'bayes' needs at least one parameter that is not constant",
    ),
    (
        "metric without a name",
        {**one_param({"value": 1}), "metric": {"goal": "maximize"}},
        "metric: 'name' is a required property",
    ),
    (
        "unknown metric key",
        {**one_param({"value": 1}), "metric": {"name": "m", "mode": "min"}},
        "metric: unknown key 'mode'",
    ),
    (
        "bad impute",
        {**one_param({"value": 1}), "metric": {"name": "m", "impute": "mean"}},
        "metric.impute: 'mean' is not one of ['best', 'latest', 'worst']",
    ),
    (
        "bad impute_while_running",
        {**one_param({"value": 1}), "metric": {"name": "m", "impute_while_running": "true"}},
        "metric.impute_while_running: 'true' is not one of ['best', 'false', 'latest', 'worst']",
    ),
    (
        "non-numeric target",
        {**one_param({"value": 1}), "metric": {"name": "m", "target": "high"}},
        "metric.target: 'high' is not of type 'number'",
    ),
    (
        "hyperband without iterations",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband"},
        },
        "early_terminate: needs 'min_iter', or 'max_iter' and 's'",
    ),
    (
        "hyperband max_iter without s",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "max_iter": 27},
        },
        "early_terminate: 's' is a required property with 'max_iter'",
    ),
    (
        "hyperband eta of 1",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 1},
        },
        "early_terminate.eta: 1 is less than or equal to the minimum of 1",
    ),
    (
        "hyperband min_iter of 0",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 0},
        },
        "early_terminate.min_iter: 0 is less than the minimum of 1",
    ),
    (
        "hyperband with no band",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 1},
        },
        "early_terminate: max_iter 2 with eta 3 gives no bands",
    ),
    (
        "hyperband of another type",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "median", "min_iter": 1},
        },
        "early_terminate.type: 'median' is not one of ['hyperband']",
    ),
    (
        "hyperband strict not a boolean",
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 1, "strict": "yes"},
        },
        "early_terminate.strict: 'yes' is not of type 'boolean'",
    ),
    (
        "hyperband without a metric",
        {**one_param({"value": 1}), "early_terminate": {"type": "hyperband", "min_iter": 1}},
        "early_terminate: hyperband needs a 'metric'",
    ),
    (
        "command not a list",
        {**one_param({"value": 1}), "command": "python train.py"},
        "command: 'python train.py' is not of type 'array'",
    ),
    (
        "program not a string",
        {**one_param({"value": 1}), "program": 3},
        "program: 3 is not of type 'string'",
    ),
    (
        "kind not sweep",
        {**one_param({"value": 1}), "kind": "job"},
        "kind: 'job' is not one of ['sweep']",
    ),
    (
        "controller of unknown type",
        {**one_param({"value": 1}), "controller": {"type": "remote"}},
        "controller.type: 'remote' is not one of ['cloud', 'local']",
    ),
    (
        "nested parameter error names the path",
        {
            "method": "random",
            "parameters": {"opt": {"parameters": {"lr": {"min": 1.0, "max": 0.1}}}},
        },
        "opt.lr: min 1.0 is not less than max 0.1",
    ),
]


@pytest.mark.parametrize(
    ("config", "message"), [(c, m) for _, c, m in VIOLATIONS], ids=[n for n, _, _ in VIOLATIONS]
)
def test_each_rule_is_reported_with_the_parameter_and_the_rule(
    config: dict[str, Any], message: str
) -> None:
    errors = errors_of(config)
    assert any(e.startswith(message) for e in errors), errors


def test_every_violation_is_reported_together() -> None:
    errors = errors_of(
        {
            "method": "grid",
            "parameters": {"a": {"min": 5, "max": 3}, "b": {"values": []}},
            "metric": {"name": "x", "goal": "minimise"},
            "run_cap": 0,
            "extra": True,
        }
    )
    assert errors == [
        "extra: unknown top-level key (allowed: apiVersion, command, controller, description, "
        "early_terminate, entity, kind, method, metric, name, parameters, program, project, "
        "run_cap)",
        "a: min 5 is not less than max 3",
        "b: values [] should be non-empty",
        "metric.goal: 'minimise' is not one of ['maximize', 'minimize']",
        "run_cap: 0 is less than or equal to the minimum of 0",
    ]


def test_the_error_text_lists_every_violation() -> None:
    with pytest.raises(SweepConfigError) as info:
        validate({"method": "nope", "parameters": {"a": {"min": 2, "max": 1}}})
    text = str(info.value)
    assert "method: 'nope' is not one of" in text
    assert "a: min 2 is not less than max 1" in text


def test_a_config_that_is_not_a_mapping_is_refused() -> None:
    assert errors_of(["method", "grid"]) == [
        "sweep config: ['method', 'grid'] is not of type 'object'"
    ]


def test_yaml_scientific_notation_is_read_as_floats() -> None:
    text = """
method: bayes
metric: {name: loss, target: 1e-3}
parameters:
  lr: {distribution: log_uniform_values, min: 1e-5, max: 1e-1}
  wd: {min: 0, max: 1e-2}
"""
    raw = yaml.safe_load(text)
    assert raw["parameters"]["lr"]["min"] == "1e-5"  # what PyYAML gives
    config = validate(raw)
    lr, wd = config.parameters
    assert (lr.min, lr.max) == (1e-5, 1e-1)
    assert isinstance(lr.min, float)
    assert wd.distribution == "uniform" and wd.max == 0.01
    assert config.metric is not None and config.metric.target == 0.001


def test_valid_config_becomes_a_typed_object_keeping_the_original() -> None:
    raw: dict[str, Any] = {
        "method": "bayes",
        "name": "search",
        "program": "train.py",
        "command": ["${env}", "python", "${program}", "${args}", 3],
        "run_cap": 10,
        "metric": {
            "name": "val.loss",
            "goal": "maximize",
            "target": 0.9,
            "impute_while_running": False,
        },
        "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2},
        "parameters": {
            "lr": {"distribution": "q_log_uniform_values", "min": 1e-4, "max": 1.0, "q": 1e-4},
            "opt": {"parameters": {"name": {"values": ["adam", "sgd"]}, "beta": {"value": 0.9}}},
            "layers": {"min": 1, "max": 4},
        },
        "controller": {"type": "local"},
        "kind": "sweep",
        "apiVersion": "v1",
    }
    config = validate(raw)
    assert isinstance(config, SweepConfig)
    assert config.raw == raw
    assert config.method == "bayes" and config.run_cap == 10 and config.program == "train.py"
    assert config.command == ("${env}", "python", "${program}", "${args}", "3")
    assert config.metric == Metric("val.loss", "maximize", 0.9, "worst", "false")
    assert config.early_terminate == Hyperband(eta=3, strict=True, max_iter=27, s=2)
    assert [p.name for p in config.parameters] == ["layers", "lr", "opt.beta", "opt.name"]
    assert config.parameters[0] == Parameter(("layers",), "int_uniform", min=1, max=4)
    assert config.parameters[1].q == 1e-4
    assert config.parameters[2].is_constant and config.parameters[2].value == 0.9
    assert [p.name for p in config.searchable] == ["layers", "lr", "opt.name"]
    assert validate(config) is config


@pytest.mark.parametrize(
    ("spec", "distribution", "defaults"),
    [
        ({"value": [1, 2]}, "constant", {"value": [1, 2]}),
        (
            {"values": [1, "a", None]},
            "categorical",
            {"values": (1, "a", None), "probabilities": None},
        ),
        (
            {
                "distribution": "categorical_w_probabilities",
                "values": [1, 2],
                "probabilities": [0.2, 0.8],
            },
            "categorical",
            {"probabilities": (0.2, 0.8)},
        ),
        ({"min": -3, "max": 7}, "int_uniform", {"min": -3, "max": 7}),
        ({"min": 1, "max": 2.5}, "uniform", {"min": 1, "max": 2.5}),
        ({"distribution": "q_uniform", "min": 0, "max": 10}, "q_uniform", {"q": 1.0}),
        ({"distribution": "normal"}, "normal", {"mu": 0.0, "sigma": 1.0}),
        (
            {"distribution": "q_log_normal", "mu": 1, "sigma": 2, "q": 5},
            "q_log_normal",
            {"mu": 1, "sigma": 2, "q": 5},
        ),
        ({"distribution": "beta"}, "beta", {"a": 1.0, "b": 1.0}),
        (
            {"distribution": "q_beta", "a": 2, "b": 5, "q": 0.1},
            "q_beta",
            {"a": 2, "b": 5, "q": 0.1},
        ),
        (
            {"distribution": "log_uniform", "min": -5, "max": 0},
            "log_uniform",
            {"min": -5, "max": 0},
        ),
        (
            {"distribution": "inv_log_uniform_values", "min": 0.1, "max": 10},
            "inv_log_uniform_values",
            {"min": 0.1, "max": 10},
        ),
        ({"distribution": "constant", "value": "x"}, "constant", {"value": "x"}),
    ],
)
def test_each_form_is_accepted_with_its_defaults(
    spec: dict[str, Any], distribution: str, defaults: dict[str, Any]
) -> None:
    (param,) = validate(one_param(spec)).parameters
    assert param.distribution == distribution
    for key, value in defaults.items():
        assert getattr(param, key) == value, key


def test_impute_while_running_false_from_yaml_is_accepted() -> None:
    raw = yaml.safe_load(
        "method: random\nmetric: {name: m, impute_while_running: false}\n"
        "parameters: {a: {value: 1}}"
    )
    config = validate(raw)
    assert config.metric is not None and config.metric.impute_while_running == "false"


def test_hyperband_with_both_forms_uses_max_iter_as_wandb_does() -> None:
    config = validate(
        {
            **one_param({"value": 1}),
            "metric": {"name": "m"},
            "early_terminate": {"type": "hyperband", "min_iter": 2, "max_iter": 27, "s": 2},
        }
    )
    assert config.early_terminate == Hyperband(eta=3, strict=True, max_iter=27, s=2)


def test_scientific_notation_in_values_becomes_floats_but_other_strings_stay() -> None:
    raw = yaml.safe_load(
        "method: grid\nparameters:\n  lr: {values: [1e-3, 1.0e5, 0.1, '1', abc]}\n"
        "  wd: {value: 5e-4}\n"
    )
    assert raw["parameters"]["lr"]["values"][:2] == ["1e-3", "1.0e5"]  # PyYAML's reading
    lr, wd = validate(raw).parameters
    assert lr.values == (0.001, 100000.0, 0.1, "1", "abc")
    assert wd.value == 0.0005


# W&B's schema gives int_uniform's min and max type 'integer' *and* format 'integer' (a Python
# int): an integral float such as 0.0 is refused there, and so here. Only int_uniform: the q_*
# forms, uniform and the log forms take any number. (spec, errors; [] means accepted)
INT_BOUNDS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "integral floats",
        {"distribution": "int_uniform", "min": 0.0, "max": 1.0},
        [
            "a: min 0.0 is not of type 'integer' (distribution 'int_uniform' takes integer "
            "bounds: write 0)",
            "a: max 1.0 is not of type 'integer' (distribution 'int_uniform' takes integer "
            "bounds: write 1)",
        ],
    ),
    (
        "integral float max only",
        {"distribution": "int_uniform", "min": -2, "max": 10.0},
        ["a: max 10.0 is not of type 'integer' (distribution 'int_uniform' takes integer "
         "bounds: write 10)"],
    ),
    (
        "fractional float",
        {"distribution": "int_uniform", "min": 0.5, "max": 3},
        ["a: min 0.5 is not of type 'integer' (distribution 'int_uniform' takes integer "
         "bounds; use 'uniform' for real numbers)"],
    ),
    (
        "quoted number from YAML",
        {"distribution": "int_uniform", "min": "1", "max": 5},
        ["a: min '1' is not of type 'integer' (distribution 'int_uniform' takes integer "
         "bounds: write 1)"],
    ),
    (
        "scientific notation string",
        {"distribution": "int_uniform", "min": 1, "max": "1e3"},
        ["a: max '1e3' is not of type 'integer' (distribution 'int_uniform' takes integer "
         "bounds: write 1000)"],
    ),
    ("boolean", {"distribution": "int_uniform", "min": True, "max": 3},
     ["a: min True is not of type 'number'"]),
    ("ints", {"distribution": "int_uniform", "min": 0, "max": 1}, []),
    ("negative ints", {"distribution": "int_uniform", "min": -5, "max": -1}, []),
    ("q_uniform with floats", {"distribution": "q_uniform", "min": 0.0, "max": 1.0}, []),
    ("uniform with ints", {"distribution": "uniform", "min": 0, "max": 1}, []),
    ("inferred uniform", {"min": 0.0, "max": 1.0}, []),
    (
        "q_log_uniform_values with floats",
        {"distribution": "q_log_uniform_values", "min": 1.0, "max": 64.0, "q": 1},
        [],
    ),
]


@pytest.mark.parametrize(
    ("spec", "expected"), [(s, e) for _, s, e in INT_BOUNDS], ids=[n for n, _, _ in INT_BOUNDS]
)
def test_int_uniform_bounds_must_be_integers_as_in_wandb(
    spec: dict[str, Any], expected: list[str]
) -> None:
    if expected:
        assert errors_of(one_param(spec)) == expected
    else:
        (param,) = validate(one_param(spec)).parameters
        assert (param.min, param.max) == (spec["min"], spec["max"])
        assert type(param.min) is type(spec["min"]) and type(param.max) is type(spec["max"])


def test_int_uniform_float_bounds_from_a_yaml_file_are_refused() -> None:
    raw = yaml.safe_load("method: grid\nparameters:\n  layers: {distribution: int_uniform, "
                         "min: 1.0, max: 4}\n")
    with pytest.raises(SweepConfigError, match=r"layers: min 1\.0 is not of type 'integer'"):
        validate(raw)
